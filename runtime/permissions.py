"""Who may do what with a form's records: role policies with row scopes and field rules.

A pure core: a principal and a form document in, decisions and SQL clauses out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from metadata.errors import Forbidden, Problem
from metadata.messages import Message, msg

ACTIONS = ("create", "read", "update", "delete")
SCOPE_RANK = {"none": 0, "own": 1, "team": 2, "all": 3}
DEFAULT_POLICY: dict[str, dict] = {
    "designer": {"create": "all", "read": "all", "update": "all", "delete": "all"},
    "member": {"create": "all", "read": "all", "update": "own", "delete": "own"},
}


@dataclass(frozen=True)
class Principal:
    """The person (or token) acting: id, role keys, team ids and token scopes."""

    user_id: int | None
    roles: frozenset[str] = frozenset()
    team_ids: frozenset[int] = frozenset()
    scopes: frozenset[str] | None = None  # None: a browser session, every scope of the user
    name: str = ""

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    def has_scope(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes


SYSTEM = Principal(user_id=None, roles=frozenset({"admin"}), name="system")


@dataclass(frozen=True)
class Access:
    """The effective rights of one principal on one form."""

    scopes: Mapping[str, str]
    hidden: frozenset[str] = field(default_factory=frozenset)
    readonly: frozenset[str] = field(default_factory=frozenset)

    def scope(self, action: str) -> str:
        return self.scopes.get(action, "none")

    def require(self, action: str, what: str) -> str:
        scope = self.scope(action)
        if scope == "none":
            raise Forbidden([Problem("", forbidden(action, what))])
        return scope


def forbidden(action: str, form: str) -> Message:
    """Why the principal may not act on the form's records: one sentence per action, each
    translated whole."""
    match action:
        case "create":
            return msg("you may not create records of %(form)s", form=form)
        case "read":
            return msg("you may not read records of %(form)s", form=form)
        case "update":
            return msg("you may not update records of %(form)s", form=form)
        case "delete":
            return msg("you may not delete records of %(form)s", form=form)
    return msg("you may not %(action)s records of %(form)s", action=action, form=form)


def access_for(principal: Principal, form_doc: Mapping) -> Access:
    """Merge the policies of the principal's roles: the widest scope wins; a field is hidden
    (or read-only) only when every role that can read it hides it."""
    if principal.is_admin:
        return Access({a: "all" for a in ACTIONS})
    declared = (form_doc.get("permissions") or {}).get("roles", {})
    policies = [declared.get(r, DEFAULT_POLICY.get(r)) for r in principal.roles]
    policies = [p for p in policies if p]
    if not policies:
        return Access({a: "none" for a in ACTIONS})
    scopes = {a: max((p.get(a, "none") for p in policies), key=SCOPE_RANK.__getitem__)
              for a in ACTIONS}
    readers = [p for p in policies if p.get("read", "none") != "none"] or policies
    hidden = frozenset.intersection(*(frozenset(p.get("hidden_fields", [])) for p in readers))
    readonly = frozenset.intersection(*(frozenset(p.get("readonly_fields", []))
                                        for p in readers))
    return Access(scopes, hidden, readonly | hidden)


def row_clause(table: sa.Table, principal: Principal, scope: str,
               team_members: sa.Table) -> sa.ColumnElement[bool]:
    """The WHERE clause limiting rows to a scope."""
    owner = table.c.owner_id
    if scope == "all":
        return sa.true()
    if scope == "own":
        return owner == principal.user_id
    if scope == "team":
        if not principal.team_ids:
            return owner == principal.user_id
        mates = sa.select(team_members.c.user_id).where(
            team_members.c.team_id.in_(sorted(principal.team_ids)))
        return sa.or_(owner == principal.user_id, owner.in_(mates))
    return sa.false()


def row_allowed(owner_id: int | None, principal: Principal, scope: str,
                owner_team_ids: frozenset[int]) -> bool:
    """The same decision as ``row_clause`` for one loaded row."""
    if scope == "all":
        return True
    if scope == "own":
        return owner_id is not None and owner_id == principal.user_id
    if scope == "team":
        return (owner_id is not None and owner_id == principal.user_id) or bool(
            owner_team_ids & principal.team_ids)
    return False

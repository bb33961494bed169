"""Who may do what with a form's records: role policies with row scopes and field rules.

A pure core: a principal and a form document in, decisions and SQL clauses out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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


@dataclass(frozen=True)
class FormFacts:
    """What deciding derived hiding needs of one form: its document (with its policies), the
    field paths each calculated field reads (``key``, ``relation.key``, ``sub_table.key``) and
    the form each single relation links to."""

    doc: Mapping
    reads: Mapping[str, frozenset[str]] = field(default_factory=dict)
    links: Mapping[str, str] = field(default_factory=dict)


def reader_accesses(principal: Principal, start: str,
                    facts: Callable[[str], FormFacts | None]) -> dict[str, Access]:
    """The access of ``principal`` to ``start`` and to every form its calculated fields reach,
    with derived hiding: a calculated field that reads — directly, through other calculated
    fields or one hop away — a field hidden from the principal (or any field of a form the
    principal may not read) is hidden too. A calculated field publishes what it computes, so
    it may only show what its reader could see anyway. ``facts`` gives a form's facts (None:
    no such form, which hides nothing)."""
    known: dict[str, FormFacts] = {}
    queue = [start]
    while queue:
        key = queue.pop()
        if key in known:
            continue
        found = facts(key)
        if found is None:
            continue
        known[key] = found
        queue += [found.links[path.partition(".")[0]] for paths in found.reads.values()
                  for path in paths if "." in path and path.partition(".")[0] in found.links]
    base = {key: access_for(principal, f.doc) for key, f in known.items()}
    if principal.is_admin:
        return base
    hidden = {key: set(a.hidden) for key, a in base.items()}

    def conceals(form: str, path: str) -> bool:
        head, _, rest = path.partition(".")
        if head in hidden[form]:
            return True
        target = known[form].links.get(head) if rest else None
        if target is None or target not in known:
            return False  # a sub-table's rows, a system field, or a form that does not exist
        return base[target].scope("read") == "none" or rest in hidden[target]

    changed = True
    while changed:  # hiding spreads until nothing more is hidden (circles included)
        changed = False
        for key, found in known.items():
            for calculated, paths in found.reads.items():
                if calculated not in hidden[key] and any(conceals(key, p) for p in paths):
                    hidden[key].add(calculated)
                    changed = True
    return {key: Access(a.scopes, frozenset(hidden[key]), a.readonly | hidden[key])
            for key, a in base.items()}


NO_ACCESS = Access({})  # to a form that does not exist: nothing


class ReaderAccesses:
    """``reader_accesses`` of one principal over one source of form facts, worked out once
    per form and remembered."""

    def __init__(self, principal: Principal, facts: Callable[[str], FormFacts | None]):
        self.principal = principal
        self.facts = facts
        self._known: dict[str, Access] = {}

    def __call__(self, form_key: str) -> Access:
        if form_key not in self._known:
            for key, access in reader_accesses(self.principal, form_key, self.facts).items():
                self._known.setdefault(key, access)
            self._known.setdefault(form_key, NO_ACCESS)
        return self._known[form_key]


def row_clause(table: sa.FromClause, principal: Principal, scope: str,
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

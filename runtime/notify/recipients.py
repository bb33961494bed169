"""Who a message goes to on a channel: recipients as rules and workflows name them — users
(ids), roles, teams (names or ids), the user in a field of the record, an e-mail or phone
field of the record, or an address — turned into the addresses of one channel (user ids
in the app; e-mail addresses; phone numbers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from runtime.context import Runtime
    from runtime.forms.plan import FormPlan


def users(rt: Runtime, session: Session, to: Sequence[Mapping], record: Mapping[str, Any],
          plan: FormPlan | None) -> set[int]:
    """The active users ``to`` names (the people among the recipients)."""
    directory = rt.directory
    found: set[int] = set()
    for who in to:
        if "user" in who and str(who["user"]).isdigit():
            found.add(int(who["user"]))
        elif "role" in who:
            found.update(directory.with_role(session, who["role"]))
        elif "team" in who:
            teams = directory.teams(session)
            ids = [i for i, name in teams.items() if who["team"] in (name, str(i))]
            found.update(directory.members(session, ids) if ids else [])
        elif "field" in who and _holds_users(plan, who["field"]):
            value = record.get(who["field"])
            found.update(v for v in (value if isinstance(value, list) else [value])
                         if isinstance(v, int))
    return directory.active(session, found) if found else set()


def addresses(rt: Runtime, session: Session, channel: str, to: Sequence[Mapping],
              record: Mapping[str, Any], plan: FormPlan | None) -> list[str]:
    """The addresses of ``channel`` that ``to`` names, each once, in order."""
    out: list[str] = []
    people = users(rt, session, to, record, plan)
    if channel == "in_app":
        out = [str(u) for u in sorted(people)]
    elif channel == "email":
        found = rt.directory.people(session, people) if people else {}
        out = [found[u].email for u in sorted(found) if found[u].email]
    for who in to:
        if "address" in who and _fits(rt, channel, who["address"]):
            out.append(who["address"])
        elif "field" in who and _reaches(plan, who["field"]) == channel:
            value = record.get(who["field"])
            out += [v for v in (value if isinstance(value, list) else [value])
                    if isinstance(v, str) and _fits(rt, channel, v)]  # a bad one is skipped
    return list(dict.fromkeys(out))


def _fits(rt: Runtime, channel: str, address: str) -> bool:
    kind = rt.notify.channels.get(channel)
    if kind is None or not kind.outbox:
        return False
    try:
        kind.address(address)
    except ValueError:
        return False
    return True


def _field_type(plan: FormPlan | None, key: str) -> Any:
    if plan is None:
        return None
    return plan.ftype(key) if key in plan.by_key else None


def _holds_users(plan: FormPlan | None, key: str) -> bool:
    if key == "owner":
        return True
    return bool(getattr(_field_type(plan, key), "holds_users", False))


def _reaches(plan: FormPlan | None, key: str) -> str | None:
    return getattr(_field_type(plan, key), "reaches", None)

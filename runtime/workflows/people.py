"""Who a recipient spec names: users (ids), roles, teams, the user in a field of the record,
the owner's manager (a user with the role ``manager`` in one of the owner's teams), or the
user ids a formula gave; only active users."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from runtime.directory import Directory

MANAGER_ROLE = "manager"


def managers_of(session: Session, directory: Directory, user_id: int | None) -> set[int]:
    if user_id is None:
        return set()
    who = directory.principal(session, user_id)
    if who is None or not who.team_ids:
        return set()
    team = set(directory.members(session, list(who.team_ids)))
    return (team & set(directory.with_role(session, MANAGER_ROLE))) - {user_id}


def _ids(value: Any) -> Iterable[int]:
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, int) and not isinstance(item, bool):
            yield item
        elif isinstance(item, str) and item.isdigit():
            yield int(item)


def resolve(session: Session, directory: Directory, record: Mapping[str, Any],
            specs: Iterable[Mapping[str, Any]], resolved: Mapping[str, Any] | None = None
            ) -> set[int]:
    """The active users ``specs`` name (``resolved``: formula results by spec index)."""
    users: set[int] = set()
    for i, who in enumerate(specs):
        if "user" in who:
            users.update(_ids(who["user"]))
        elif "role" in who:
            users.update(directory.with_role(session, who["role"]))
        elif "team" in who:
            teams = directory.teams(session)
            ids = [t for t, name in teams.items() if who["team"] in (name, str(t))]
            users.update(directory.members(session, ids) if ids else [])
        elif "field" in who:
            users.update(_ids(record.get(who["field"])))
        elif "manager" in who:
            users |= managers_of(session, directory, record.get("owner"))
        elif "formula" in who:
            users.update(_ids((resolved or {}).get(str(i))))
    return directory.active(session, users) if users else set()

"""The user and team directory of ``runtime.directory``, answered from app.auth's tables."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.auth.models import Role, Team, User, team_members, user_roles
from app.auth.service import principal as principal_of
from runtime.directory import Person
from runtime.permissions import Principal

# Who sees (and may search by) people's e-mail addresses in pickers: admins manage people,
# designers set up user fields; everyone else needs only the names to pick someone.
EMAIL_READERS = frozenset({"admin", "designer"})

USERS = User.__table__


def _ids(ids: Iterable[int]) -> list[int]:
    return sorted({i for i in ids if isinstance(i, int) and not isinstance(i, bool)})


def like_pattern(text: str) -> str:
    """``text`` anywhere, its LIKE wildcards taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class UserDirectory:
    """``runtime.directory.Directory`` over the users, roles and teams tables."""

    def people(self, session: Session, ids: Iterable[int]) -> dict[int, Person]:
        wanted = _ids(ids)
        if not wanted:
            return {}
        rows = session.execute(sa.select(USERS.c.id, USERS.c.name, USERS.c.active,
                                         USERS.c.email, USERS.c.locale)
                               .where(USERS.c.id.in_(wanted)))
        return {row.id: Person(row.id, row.name, row.active, row.email, row.locale)
                for row in rows}

    def names(self, session: Session, ids: Iterable[int]) -> dict[int, str]:
        wanted = _ids(ids)
        if not wanted:
            return {}
        rows = session.execute(sa.select(USERS.c.id, USERS.c.name)
                               .where(USERS.c.id.in_(wanted)))
        return {row.id: row.name for row in rows}

    def existing(self, session: Session, ids: Iterable[int]) -> set[int]:
        wanted = _ids(ids)
        if not wanted:
            return set()
        return set(session.scalars(sa.select(USERS.c.id).where(USERS.c.id.in_(wanted))))

    def active(self, session: Session, ids: Iterable[int]) -> set[int]:
        wanted = _ids(ids)
        if not wanted:
            return set()
        return set(session.scalars(sa.select(USERS.c.id).where(USERS.c.id.in_(wanted),
                                                               USERS.c.active.is_(True))))

    def search(self, session: Session, reader: Principal | None, text: str = "",
               roles: Collection[str] = (), limit: int = 20) -> list[Person]:
        with_email = reader is not None and bool(reader.roles & EMAIL_READERS)
        shown = [USERS.c.name] + ([USERS.c.email] if with_email else [])
        query = sa.select(USERS.c.id, USERS.c.name, USERS.c.email).where(
            USERS.c.active.is_(True))
        if text:
            query = query.where(sa.or_(*(c.ilike(like_pattern(text), escape="\\")
                                         for c in shown)))
        if roles:
            query = query.where(USERS.c.id.in_(sa.select(user_roles.c.user_id).where(
                user_roles.c.role_key.in_(sorted(roles)))))
        rows = session.execute(query.order_by(USERS.c.name, USERS.c.id).limit(limit))
        return [Person(row.id, row.name, True, row.email if with_email else None)
                for row in rows]

    def members(self, session: Session, team_ids: Collection[int],
                active_only: bool = True) -> list[int]:
        query = self.members_query(team_ids)
        if active_only:
            query = query.where(team_members.c.user_id.in_(
                sa.select(USERS.c.id).where(USERS.c.active.is_(True))))
        return sorted(set(session.scalars(query)))

    def teams(self, session: Session, ids: Iterable[int] | None = None) -> dict[int, str]:
        teams = Team.__table__
        query = sa.select(teams.c.id, teams.c.name).order_by(teams.c.name, teams.c.id)
        if ids is not None:
            query = query.where(teams.c.id.in_(_ids(ids)))
        return {row.id: row.name for row in session.execute(query)}

    def roles(self, session: Session) -> dict[str, Any]:
        return {role.key: role.label for role in session.scalars(
            sa.select(Role).order_by(Role.key))}

    def members_query(self, team_ids: Collection[int]) -> sa.Select:
        return sa.select(team_members.c.user_id).where(
            team_members.c.team_id.in_(sorted(team_ids)))

    def with_role(self, session: Session, role: str, active_only: bool = True) -> list[int]:
        query = (sa.select(USERS.c.id).join(user_roles, user_roles.c.user_id == USERS.c.id)
                 .where(user_roles.c.role_key == role).order_by(USERS.c.id))
        if active_only:
            query = query.where(USERS.c.active.is_(True))
        return list(session.scalars(query))

    def roles_of(self, session: Session, user_id: int) -> frozenset[str]:
        return frozenset(session.scalars(sa.select(user_roles.c.role_key)
                                         .where(user_roles.c.user_id == user_id)))

    def principal(self, session: Session, user_id: int) -> Principal | None:
        user = session.get(User, user_id)
        if user is None or not user.active:
            return None
        return principal_of(user)

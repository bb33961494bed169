"""Who is asking, kept in memory while the directory stands still.

A bearer request used to load its token, user, roles and teams (three queries and ORM work,
two fifths of a record create), and a page its logged-in user the same way. Now each process
keeps the resolved principal per token hash, and a snapshot of each logged-in user, stamped
with the directory stamp it was read under (``metadata.stamps``): any change to users, roles,
teams or tokens (a revoke, a new role, a deactivated user) bumps the stamp in its own
transaction, so every process re-reads on its next request. A hit costs the one stamp query
that the request's transaction makes anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy.orm import Session

from app.auth import service
from app.auth.models import User
from metadata import stamps
from runtime.permissions import Principal


@dataclass
class TokenEntry:
    principal: Principal
    token_id: int
    last_used_at: datetime | None


class TokenPrincipals:
    """Token hash -> principal, kept while the directory stamp stands."""

    def __init__(self) -> None:
        self._kept: stamps.Kept[str, TokenEntry] = stamps.Kept(stamps.DIRECTORY)

    def lookup(self, session: Session, secret: str) -> TokenEntry | None:
        """The entry of a bearer secret, or None when the token is unknown, revoked or its
        user inactive (never kept: a wrong token costs a query, as before)."""
        digest = service.hash_token(secret)
        entry = self._kept.get(session, digest)
        if entry is not None:
            return entry
        pair = service.user_for_token(session, secret)
        if pair is None:
            return None
        user, token = pair
        return self._kept.keep(session, digest, TokenEntry(
            service.principal(user, token.scopes), token.id, token.last_used_at))

    @staticmethod
    def used(entry: TokenEntry, now: datetime) -> bool:
        """Whether this use should be recorded (at most once per interval and process)."""
        if entry.last_used_at is not None and now - entry.last_used_at < \
                service.TOKEN_TOUCH_INTERVAL:
            return False
        entry.last_used_at = now
        return True


@dataclass(frozen=True)
class SessionUser(UserMixin):
    """The logged-in user as pages see them (``current_user``): a snapshot, not a row; a
    change goes through the service, which bumps the directory stamp."""

    id: int
    email: str
    name: str
    locale: str
    role_keys: frozenset[str]
    team_ids: frozenset[int]

    @property
    def is_active(self) -> bool:  # only active users are loaded
        return True


class SessionUsers:
    """User id -> SessionUser, kept while the directory stamp stands."""

    def __init__(self) -> None:
        self._kept: stamps.Kept[int, SessionUser] = stamps.Kept(stamps.DIRECTORY)

    def load(self, session: Session, user_id: int) -> SessionUser | None:
        """The active user ``user_id``, or None."""
        entry = self._kept.get(session, user_id)
        if entry is not None:
            return entry
        user = session.get(User, user_id)
        if user is None or not user.active:
            return None
        return self._kept.keep(session, user_id, SessionUser(
            user.id, user.email, user.name, user.locale, user.role_keys, user.team_ids))

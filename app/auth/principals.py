"""The principals behind API tokens, kept in memory while the directory stands still.

A bearer request used to load its token, user, roles and teams (three queries and ORM work,
two fifths of a record create). Now each process keeps the resolved principal per token
hash, stamped with the directory stamp it was read under (``metadata.stamps``): any change to
users, roles, teams or tokens (a revoke, a new role) bumps the stamp in its own transaction,
so every process re-reads on its next request. A hit costs the one stamp query that the
request's transaction makes anyway.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.auth import service
from metadata import stamps
from runtime.permissions import Principal

MAX_ENTRIES = 10_000  # tokens in use at once per process; past it the cache starts afresh


@dataclass
class TokenEntry:
    stamp: int
    principal: Principal
    token_id: int
    last_used_at: datetime | None


class TokenPrincipals:
    """Token hash -> principal, valid while the directory stamp is the one it was read under."""

    def __init__(self, limit: int = MAX_ENTRIES):
        self.limit = limit
        self._entries: dict[str, TokenEntry] = {}
        self._lock = threading.Lock()

    def lookup(self, session: Session, secret: str) -> TokenEntry | None:
        """The entry of a bearer secret, or None when the token is unknown, revoked or its
        user inactive (never cached: a wrong token costs a query, as before)."""
        digest = service.hash_token(secret)
        stamp = stamps.read(session).get(stamps.DIRECTORY, 0)
        entry = self._entries.get(digest)
        if entry is not None and entry.stamp == stamp:
            return entry
        pair = service.user_for_token(session, secret)
        if pair is None:
            return None
        user, token = pair
        entry = TokenEntry(stamp, service.principal(user, token.scopes), token.id,
                           token.last_used_at)
        if not stamps.bumped(session, stamps.DIRECTORY):  # uncommitted changes stay out
            with self._lock:
                if len(self._entries) >= self.limit:
                    self._entries.clear()
                self._entries[digest] = entry
        return entry

    @staticmethod
    def used(entry: TokenEntry, now: datetime) -> bool:
        """Whether this use should be recorded (at most once per interval and process)."""
        if entry.last_used_at is not None and now - entry.last_used_at < \
                service.TOKEN_TOUCH_INTERVAL:
            return False
        entry.last_used_at = now
        return True

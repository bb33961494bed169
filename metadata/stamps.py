"""Change stamps: one counter per kind of knowledge that processes cache.

Every process keeps what it reads on each request and what rarely changes (compiled form plans,
the principals behind API tokens) in memory. A change to that knowledge bumps its stamp in the
same transaction as the change, so the next transaction of every process (gunicorn workers,
RQ workers, the scheduler) sees a new number and refreshes what it cached: a revoked token or a
new publish takes effect at once, at the cost of one tiny SELECT per transaction.

``watch`` bumps a stamp whenever a session flushes a change to given mapped classes, so no write
path can forget to; ``read`` returns the stamps as the current transaction sees them (read once
per transaction, kept in the session).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from metadata.orm import Base

K = TypeVar("K")
V = TypeVar("V")
METADATA = "metadata"  # published documents and the real tables behind them
DIRECTORY = "directory"  # users, roles, teams, API tokens
_CACHE = "trellis.stamps"  # session.info: (transaction, {name: value})
_BUMPED = "trellis.stamps_bumped"  # session.info: (transaction, {names bumped in it})
READ = "SELECT name, value FROM stamps"  # every request reads it: no statement to compile


class Stamp(Base):
    __tablename__ = "stamps"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


def _transaction(session: Session) -> object:
    return session.get_transaction()


def read(session: Session) -> Mapping[str, int]:
    """Every stamp as this transaction sees it (one query per transaction)."""
    txn = _transaction(session)
    cached = session.info.get(_CACHE)
    if cached is not None and cached[0] is txn:
        return cached[1]
    values = dict(session.connection().exec_driver_sql(READ).all())
    session.info[_CACHE] = (_transaction(session), values)
    return values


def bumped(session: Session, name: str) -> bool:
    """Whether this transaction changed ``name``'s knowledge: what it reads of it is not yet
    committed (and may roll back), so it must not go into a cache shared by transactions."""
    marks = session.info.get(_BUMPED)
    return marks is not None and marks[0] is _transaction(session) and name in marks[1]


def bump(session: Session, name: str) -> None:
    """Count a change to ``name``'s knowledge, in the current transaction."""
    txn = _transaction(session)
    marks = session.info.get(_BUMPED)
    if marks is not None and marks[0] is txn and name in marks[1]:
        return  # once per transaction is enough: other processes see one new number
    table = Stamp.__table__
    conn = session.connection()
    done = conn.execute(sa.update(table).where(table.c.name == name)
                        .values(value=table.c.value + 1)).rowcount
    if not done:
        conn.execute(sa.insert(table).values(name=name, value=1))
    if marks is None or marks[0] is not txn:
        marks = (txn, set())
        session.info[_BUMPED] = marks
    marks[1].add(name)
    session.info.pop(_CACHE, None)


def watch(name: str, classes: Mapping[type, tuple[str, ...] | None]) -> None:
    """Bump ``name`` whenever a session flushes a new or deleted row of one of ``classes``, or
    a change to one of its listed attributes (None: to any attribute)."""

    def counts(obj: object, new_or_deleted: bool) -> bool:
        for cls, attributes in classes.items():
            if isinstance(obj, cls):
                if new_or_deleted or attributes is None:
                    return new_or_deleted or session_modified(obj)
                state = sa.inspect(obj)
                return any(state.attrs[a].history.has_changes() for a in attributes)
        return False

    @sa.event.listens_for(Session, "before_flush")
    def _bump_on_change(session: Session, _context, _instances) -> None:
        if (any(counts(o, True) for o in (*session.new, *session.deleted))
                or any(counts(o, False) for o in session.dirty)):
            bump(session, name)


def session_modified(obj: object) -> bool:
    """Whether a dirty instance has a net change (a collection included)."""
    state = sa.inspect(obj)
    return state.session.is_modified(obj) if state.session is not None else False


class Kept(Generic[K, V]):
    """Values a process keeps per key while stamp ``name`` stands: what was read under an
    older stamp is read again; what a transaction read after changing that knowledge itself
    is not kept (it is not committed, and may roll back)."""

    def __init__(self, name: str, limit: int = 10_000):
        self.name = name
        self.limit = limit  # entries; past it the process starts afresh
        self._entries: dict[K, tuple[int, V]] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is not None and entry[0] == read(session).get(self.name, 0):
            return entry[1]
        return None

    def keep(self, session: Session, key: K, value: V) -> V:
        if not bumped(session, self.name):
            with self._lock:
                if len(self._entries) >= self.limit:
                    self._entries.clear()
                self._entries[key] = (read(session).get(self.name, 0), value)
        return value

"""What kind of transaction a session runs: a read or a write, and how long a statement may run.

The kind travels as execution options of the engine a session is bound to
(``Runtime.session``); the engine (``app.database``) honours them on every transaction:

- a **read** never takes the write lock: SQLite begins it deferred (with WAL it neither waits
  for a writer nor makes one wait) and PostgreSQL ``READ ONLY``. A write inside it fails at once
  (SQLite's ``query_only``), so a read can never try to upgrade to the write lock half-way
  (which would fail with SQLITE_BUSY): whatever writes opens a write session of its own;
- a **write** takes SQLite's write lock up front (``BEGIN IMMEDIATE``): two writers queue
  instead of one failing on upgrade; ``lock_wait`` bounds how long it queues;
- a **late write** (web requests that may write) reads without the lock until its first write
  (or locking read, ``FOR UPDATE``): SQLite then ends the read and begins again with the write
  lock, so the lock is held for the statements that write, not for the request's checks and
  validation. From that point on it sees what others committed meanwhile, as every statement of
  a PostgreSQL (READ COMMITTED) transaction does: code that is right on PostgreSQL is right here;
  once it holds the lock nobody else writes. PostgreSQL needs nothing for it;
- a **statement time limit** (seconds, 0: none): PostgreSQL's ``statement_timeout`` for the
  transaction, SQLite a progress handler that interrupts a statement running past its deadline.
  Both raise StatementTimeout.

Arithmetic beyond the database's numbers (PostgreSQL stops it, SQLite stops integer overflow
in ``abs`` and ``sum``) raises NumberOutOfRange, a 400 rather than an internal error.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from metadata.errors import Problem, TrellisError
from metadata.messages import msg

READ_ONLY = "trellis_read_only"
STATEMENT_TIMEOUT = "trellis_statement_timeout"
LOCK_WAIT = "trellis_lock_wait"
LATE_WRITE = "trellis_late_write"
SPIN = 1.0  # seconds a late write asks for SQLite's write lock itself, briefly and often
READING = "trellis_reading"  # connection info: a late write that has not taken the lock yet


@dataclass(frozen=True)
class TransactionKind:
    read_only: bool = False
    timeout: float = 0.0  # seconds a statement may run; 0: no limit
    lock_wait: float | None = None  # seconds a SQLite write waits for the lock; None: default
    late_write: bool = False  # takes SQLite's write lock at its first write, not up front

    def options(self) -> dict[str, Any]:
        return {READ_ONLY: self.read_only, STATEMENT_TIMEOUT: self.timeout,
                LOCK_WAIT: self.lock_wait, LATE_WRITE: self.late_write and not self.read_only}


def kind_of(options: dict[str, Any]) -> TransactionKind:
    """The kind a connection's execution options ask for (a write without limit by default)."""
    return TransactionKind(bool(options.get(READ_ONLY)),
                           float(options.get(STATEMENT_TIMEOUT) or 0),
                           options.get(LOCK_WAIT), bool(options.get(LATE_WRITE)))


def take_write_lock(conn: Any) -> None:
    """Take SQLite's write lock now if the transaction is a late write still reading (before
    a read that what follows relies on, such as the largest id so far): the read ends and the
    transaction begins again, holding the lock. Nothing to do otherwise."""
    if conn.info.get(READING):
        conn.info[READING] = False
        dbapi = conn.connection.dbapi_connection
        dbapi.execute("COMMIT")
        begin_immediate(dbapi, conn.info.get("pragmas", {}).get("busy_timeout", 30_000))


def begin_immediate(dbapi: Any, wait_ms: int) -> None:
    """``BEGIN IMMEDIATE``, asking again every few tenths of a millisecond while another
    writer holds the lock: SQLite's own busy handler sleeps 1, 2, 5, 10... up to 100 ms
    between its tries, so a request queued behind a write of a millisecond or two often slept
    ten times that (the tail of the latencies). Past ``SPIN`` seconds (or ``wait_ms``), SQLite's
    handler waits as before, ``wait_ms`` at most."""
    dbapi.execute("PRAGMA busy_timeout=0")
    try:
        deadline, pause = time.monotonic() + min(SPIN, wait_ms / 1000), 0.0002
        while True:
            try:
                dbapi.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    break
            time.sleep(pause)
            pause = min(pause * 2, 0.002)
    finally:
        dbapi.execute(f"PRAGMA busy_timeout={int(wait_ms)}")
    dbapi.execute("BEGIN IMMEDIATE")  # SQLite's wait, or the error


class QueryStopped(TrellisError):
    """The database stopped a statement: the transaction can only be rolled back (the error
    handlers do, so that the page around the message can still read)."""


class StatementTimeout(QueryStopped):
    """A statement ran longer than its transaction allows; the database stopped it."""

    status = 503

    def __init__(self, seconds: float):
        limit = format(seconds, "g")
        super().__init__([Problem("", msg(
            "the request took longer than %(n)s seconds and was stopped: narrow the filter or "
            "the search (fewer records, a simpler formula) and try again", n=limit))])
        self.seconds = seconds


class NumberOutOfRange(QueryStopped):
    """A computation in SQL (a list filter's arithmetic) went beyond what the database holds:
    whole numbers beyond 64 bits, decimals beyond about 10^308."""

    status = 400

    def __init__(self) -> None:
        super().__init__([Problem("", msg(
            "a number in the calculation is too large for the database (whole numbers go up to "
            "9,223,372,036,854,775,807): use smaller numbers"))])


class WriteInReadTransaction(RuntimeError):
    """A programming error: something wrote inside a read-only transaction."""

    def __init__(self) -> None:
        super().__init__("a write inside a read-only transaction: reads (GET requests, sessions "
                         "opened with read_only=True) must not write; open a write session "
                         "(Runtime.session()) for the write")

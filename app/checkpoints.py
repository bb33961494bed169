"""WAL checkpoints off the request path (SQLite).

In WAL mode SQLite copies the log back into the database (a checkpoint, with its fsync) from
inside whichever commit pushes the log past ``wal_autocheckpoint`` pages: every hundredth
record create or so paid for the writes of the ninety-nine before it (a few to a hundred
milliseconds, inside the write lock, on the p99). SQLite's advice is to checkpoint from a thread
of one's own: each process that uses a database file runs one that checkpoints PASSIVE (never
waiting for, nor holding up, readers and writers) every INTERVAL seconds while the engine is in
use, and raises its connections' automatic threshold to SAFETY_PAGES, which only a process whose
thread cannot keep up ever reaches. A PASSIVE checkpoint cannot start the log afresh while
writes keep coming (the log file would only grow), so once the log holds RESTART_PAGES the
thread follows its PASSIVE round with a RESTART one: what is left to copy is little, and writers
wait that long (at most RESTART_WAIT) for the next of them to write from the log's start.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import weakref

import sqlalchemy as sa
from sqlalchemy import event

log = logging.getLogger(__name__)

INTERVAL = 0.5  # seconds between two checkpoints
SAFETY_PAGES = 20_000  # pages (4 KB) of log after which a commit checkpoints itself anyway
RESTART_PAGES = 4_000  # pages of log after which the thread starts it afresh
RESTART_WAIT = 0.2  # seconds a RESTART checkpoint waits for readers and writers
LOG_LIMIT = 32 * 1024 * 1024  # bytes a log file started afresh is cut back to


class Checkpointer:
    """The checkpoint thread of one engine in one process (started by the engine's first
    connection in the process, so a forked gunicorn worker starts its own; stopped when the
    engine is disposed or collected)."""

    def __init__(self, engine: sa.Engine, path: str):
        self.path = path
        self._engine = weakref.ref(engine)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def ensure_running(self) -> None:
        if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is not None and self._pid == os.getpid() and \
                    self._thread.is_alive():
                return
            self._stop = threading.Event()
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, args=(self._stop,), daemon=True,
                                            name=f"wal-checkpoint {os.path.basename(self.path)}")
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self, stop: threading.Event) -> None:
        try:
            conn = sqlite3.connect(self.path, timeout=RESTART_WAIT, isolation_level=None,
                                   check_same_thread=False)
            conn.execute(f"PRAGMA journal_size_limit={LOG_LIMIT}")
        except sqlite3.Error as exc:
            log.warning("WAL checkpoints of %s: cannot open it (%s)", self.path, exc)
            return
        try:
            while not stop.wait(INTERVAL) and self._engine() is not None:
                done = checkpoint(conn)
                if done is not None and done[1] >= RESTART_PAGES:
                    checkpoint(conn, "RESTART")
        finally:
            conn.close()


def checkpoint(conn: sqlite3.Connection, mode: str = "PASSIVE"
               ) -> tuple[int, int, int] | None:
    """One checkpoint: (busy, pages in the log, pages checkpointed), or None when the
    database could not be reached this time (the next round tries again)."""
    try:
        return conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
    except sqlite3.Error as exc:
        log.debug("WAL checkpoint skipped: %s", exc)
        return None


def attach(engine: sa.Engine) -> Checkpointer | None:
    """Checkpoint ``engine``'s database file from a thread (nothing for in-memory databases)."""
    path = engine.url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    checkpointer = Checkpointer(engine, path)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={SAFETY_PAGES}")
        dbapi_connection.execute(f"PRAGMA journal_size_limit={LOG_LIMIT}")
        checkpointer.ensure_running()

    @event.listens_for(engine, "engine_disposed")
    def _disposed(_engine):
        checkpointer.stop()

    return checkpointer

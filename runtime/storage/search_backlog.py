"""SQLite's full-text index filled behind small writes (``runtime.storage.search_index``).

FTS5 writes a segment of its own at every commit that added to it: a record created alone
made its transaction write several times the pages the record itself needs, most of the commit's
time, with the write lock held. So a small write (a record created or changed through the API
or a form) puts its search texts into the form's search table as always, and the record's id
into ``search_backlog``; a thread in each process (``Indexer``) indexes the backlog a moment
later, many records in one transaction. Until then searches look through the backlog's rows
directly (a few dozen rows at most, by their ids): a record is found right after the write that
made it, as before. Writes of many records at once (bulk, imports) index them in the write.

A record in the backlog leaves the index alone when it is changed or deleted (the index never
had its texts); publishing a form rebuilds its index and empties its backlog. A backlog left
behind (a process that ended first) is indexed by the next process writing to that form, and
searches find its records meanwhile.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable

import sqlalchemy as sa

from runtime.storage.bulk import BulkInsert
from runtime.storage.models import SearchBacklog
from runtime.storage.search import SearchTable
from runtime.storage.transactions import TransactionKind

log = logging.getLogger(__name__)

BACKLOG = SearchBacklog.__table__
BACKLOG_INSERT = BulkInsert(BACKLOG, ["search_table", "record_id"])
DEFER_UP_TO = 16  # records of one write left to the indexer; more are indexed in the write
DELAY = 0.25  # seconds the indexer waits after a write, gathering what comes meanwhile
IDLE = 60.0  # seconds between looks whether the engine is still there
OVERDUE = 512  # records a process put off without its indexer keeping up: a write indexes them
Drain = Callable[[sa.Connection, SearchTable], int]


def defer(conn: sa.Connection, search: SearchTable, ids: list[int], drain: Drain) -> bool:
    """Put the records ``ids`` (their search rows written) in the backlog, for the indexer of
    this process; False when they are too many (the caller indexes them now)."""
    if len(ids) > DEFER_UP_TO:
        return False
    BACKLOG_INSERT.run(conn, [{"search_table": search.name, "record_id": i} for i in ids])
    indexer = Indexer.of(conn.engine, drain)
    if indexer.wake(search, len(ids)):  # not keeping up: this write indexes the backlog
        drain(conn, search)
    return True


def pending(conn: sa.Connection, search: SearchTable, ids: Iterable[int]) -> set[int]:
    """The records among ``ids`` that are in the backlog (not in the index)."""
    query = sa.select(BACKLOG.c.record_id).where(BACKLOG.c.search_table == search.name,
                                                 BACKLOG.c.record_id.in_(list(ids)))
    return set(conn.execute(query).scalars())


def forget(conn: sa.Connection, search: SearchTable, ids: Iterable[int] | None = None) -> None:
    """Take records (None: all of the form's) out of the backlog."""
    query = BACKLOG.delete().where(BACKLOG.c.search_table == search.name)
    if ids is not None:
        query = query.where(BACKLOG.c.record_id.in_(list(ids)))
    conn.execute(query)


def waiting(conn: sa.Connection, search: SearchTable, limit: int) -> list[int]:
    """Up to ``limit`` ids of the form's backlog."""
    query = (sa.select(BACKLOG.c.record_id).where(BACKLOG.c.search_table == search.name)
             .order_by(BACKLOG.c.record_id).limit(limit))
    return list(conn.execute(query).scalars())


def backlog_ids(search: SearchTable) -> sa.Select:
    """The ids of the form's records in the backlog (for searches to look through)."""
    return sa.select(BACKLOG.c.record_id).where(BACKLOG.c.search_table == search.name)


class Indexer:
    """The thread of one process and database that indexes the backlog of the forms this
    process wrote to, ``DELAY`` after a write."""

    _all: dict[int, Indexer] = {}  # by id of the engine's pool
    _lock = threading.Lock()

    def __init__(self, engine: sa.Engine, drain: Drain):
        self.pid = os.getpid()
        self.engine = weakref.ref(engine)
        self.drain = drain
        self.forms: dict[str, SearchTable] = {}
        self.put_off = 0  # records put off since the thread last indexed
        self.wanted = threading.Event()
        self.thread = threading.Thread(target=self._run, name="search-indexer", daemon=True)
        self.thread.start()

    @classmethod
    def of(cls, engine: sa.Engine, drain: Drain) -> Indexer:
        key = id(engine.pool)
        with cls._lock:
            found = cls._all.get(key)
            # a forked process (gunicorn) or a pool that was replaced: a thread of its own
            if found is None or found.pid != os.getpid() or found.engine() is None \
                    or not found.thread.is_alive():
                found = cls._all[key] = cls(engine, drain)
            return found

    def wake(self, search: SearchTable, count: int) -> bool:
        """Index ``search``'s backlog soon; True when the backlog is overdue (the caller
        indexes it)."""
        self.forms[search.name] = search
        self.put_off += count
        self.wanted.set()
        return self.put_off > OVERDUE

    def _run(self) -> None:
        while True:
            if not self.wanted.wait(IDLE):
                if self.engine() is None:  # the database is gone (an app of the tests)
                    return
                continue
            self.wanted.clear()  # a write from now on wakes it again
            time.sleep(DELAY)
            engine = self.engine()
            if engine is None:
                return
            self.put_off = 0
            self.index_all(engine)
            del engine

    def index_all(self, engine: sa.Engine) -> int:
        """Index the backlog of every form this process wrote to; how many records."""
        done = 0
        writer = engine.execution_options(**TransactionKind().options())
        for name, search in list(self.forms.items()):
            try:
                with writer.begin() as conn:
                    done += self.drain(conn, search)
            except Exception:  # a form republished meanwhile, a database gone (tests)
                log.debug("search backlog of %s not indexed", name, exc_info=True)
                if self.forms.get(name) is search:
                    del self.forms[name]
        return done

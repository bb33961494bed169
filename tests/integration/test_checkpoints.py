"""WAL checkpoints off the request path (app.checkpoints): commits leave the log to a thread of
the process, which keeps it short even while writes keep coming."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from app import checkpoints
from app.database import make_engine


def _threads(path) -> list[threading.Thread]:
    name = f"wal-checkpoint {path.name}"
    return [t for t in threading.enumerate() if t.name == name and t.is_alive()]


def _log_pages(path) -> int:
    """Pages in the log now (a PASSIVE checkpoint of our own reports them)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        return conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    finally:
        conn.close()


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    yield engine
    engine.dispose()


def test_commits_leave_checkpoints_to_the_thread(engine, tmp_path):
    path = tmp_path / "db.sqlite"
    with engine.begin() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == \
            checkpoints.SAFETY_PAGES
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT)")
    assert len(_threads(path)) == 1
    # writes that never pause, well past where the thread starts the log afresh and where
    # the file is cut back to LOG_LIMIT
    pages = checkpoints.LOG_LIMIT // 4096 + checkpoints.RESTART_PAGES
    for _ in range(pages // 2):
        with engine.begin() as conn:  # two pages of row, and the table's pages above them
            conn.exec_driver_sql("INSERT INTO t (x) VALUES (?)", ("x" * 6000,))
    time.sleep(checkpoints.INTERVAL * 4)  # a round or two of the thread once writes pause
    with engine.begin() as conn:  # the first writer after that writes from the log's start
        conn.exec_driver_sql("INSERT INTO t (x) VALUES ('y')")
    assert (path.parent / "db.sqlite-wal").stat().st_size <= checkpoints.LOG_LIMIT
    assert _log_pages(path) < 100


def test_the_thread_stops_with_the_engine(tmp_path):
    path = tmp_path / "other.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("SELECT 1")
    (thread,) = _threads(path)
    engine.dispose()
    thread.join(checkpoints.INTERVAL * 4)
    assert not thread.is_alive()
    with engine.begin() as conn:  # used again: checkpointed again
        conn.exec_driver_sql("SELECT 1")
    assert len(_threads(path)) == 1
    engine.dispose()


def test_in_memory_databases_have_no_thread():
    assert checkpoints.attach(make_engine("sqlite://")) is None

"""``begin_immediate``: a late write asks for SQLite's write lock itself, often, while another
writer holds it; it gets the lock as soon as it is free, gives up after its wait, and leaves the
connection's busy timeout as it was."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from runtime.storage import transactions
from runtime.storage.transactions import begin_immediate


def connect(path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA busy_timeout=5000")
    return conn


def test_taken_soon_after_the_other_writer_commits(tmp_path):
    holder, waiter = connect(tmp_path / "db"), connect(tmp_path / "db")
    holder.execute("BEGIN IMMEDIATE")
    threading.Timer(0.05, lambda: holder.execute("COMMIT")).start()
    start = time.monotonic()
    begin_immediate(waiter, 5000)
    assert time.monotonic() - start < 1.0  # not SQLite's sleeps of up to 100 ms each
    assert waiter.in_transaction
    waiter.execute("COMMIT")
    assert waiter.execute("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_gives_up_after_its_wait(tmp_path, monkeypatch):
    monkeypatch.setattr(transactions, "SPIN", 0.05)
    holder, waiter = connect(tmp_path / "db"), connect(tmp_path / "db")
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        begin_immediate(waiter, 100)
    assert not waiter.in_transaction
    assert waiter.execute("PRAGMA busy_timeout").fetchone()[0] == 100
    holder.execute("COMMIT")

"""Reads never take SQLite's write lock: a slow list (the nested SUBSTITUTE filter on a few
thousand rows) runs beside writes without delaying them, and a GET with an API token reads
beside a writer. Threads of one process on a real database file, as ``trellis run`` serves.

Every transaction began with BEGIN IMMEDIATE, reads included: one member's slow GET stalled
all reads and writes on every form for 10-21 s."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from tests.conftest import PG_URL
from tests.integration.helpers import field, form_doc
from tests.support import Factory

ON_SQLITE = not PG_URL.startswith("postgresql")
TEXT = "ab" * 5000  # 10,000 characters
# about as many rows as make the slow filter take a few seconds on each database
ROWS = 3000 if ON_SQLITE else 300
sqlite_only = pytest.mark.skipif(not ON_SQLITE, reason="SQLite's single write lock")


def slow_filter(levels: int = 6, chains: int = 4) -> str:
    """The issue's nested SUBSTITUTE, made slow by depth on long texts (it is capped now):
    each level reads the whole 10,000 characters, in ``chains`` nests side by side that OR
    reads all (none is TRUE); a few seconds for the rows of ``leads``. SQLite parsed no
    deeper than 12 levels before."""
    source = "{name}"
    for i in range(levels):
        source = f'SUBSTITUTE({source}, "{"ab"[i % 2]}", "{"ba"[i % 2]}")'
    return " OR ".join(f"LEN({source}) = {n}" for n in range(1, chains + 1))


def leads(app, rows: int = ROWS):
    """An admin's API client and ``rows`` leads with long names."""
    factory = Factory(app)
    api = factory.api(factory.user("admin@example.com", ["admin"], name="Admin"))
    factory.app_doc(api)
    factory.form(api, form_doc("lead", [field("name", "text", config={"max_length": 10_000})]))
    runtime = app.extensions["trellis"]
    if not rows:
        return api
    with runtime.session() as session, session.begin():
        table = runtime.plan(session, "crm", "lead").table
        now = runtime.clock.now()
        session.execute(table.insert(), [
            {"name": TEXT, "created_at": now, "updated_at": now, "version": 1,
             "created_by": api.user_id, "owner_id": api.user_id} for _ in range(rows)])
    return api


@sqlite_only
def test_a_slow_read_does_not_delay_writes(fresh_app):
    app = fresh_app(STATEMENT_TIMEOUT=60)
    api = leads(app)
    factory = Factory(app)
    writer = factory.api(factory.user("bob@example.com", ["admin"]))
    read: dict = {}

    def slow_read():
        started = time.perf_counter()
        response = api.get("/apps/crm/forms/lead/records", query_string={"filter": slow_filter()})
        read.update(status=response.status_code, started=started, ended=time.perf_counter())

    reader = threading.Thread(target=slow_read)
    reader.start()
    time.sleep(0.3)  # the read is under way
    writes = []
    for n in range(5):
        started = time.perf_counter()
        writer.create("crm", "lead", {"name": f"new {n}"})
        writes.append((started, time.perf_counter()))
    reader.join()
    assert read["status"] == 200
    assert read["ended"] - read["started"] > 1.5, "the read must be slow for this test to tell"
    assert max(end - start for start, end in writes) < 1.0, writes
    assert writes[-1][1] < read["ended"], "the writes ran while the read did"


@sqlite_only
def test_a_token_read_does_not_wait_for_a_writer(app, factory, database_url):
    """The token's last use was written inside the GET's transaction, so a GET waited for
    whoever held SQLite's write lock (up to the 30 s busy timeout); now it reads beside it."""
    from app.database import make_engine

    api = factory.api(factory.user("ann@example.com", ["member"]))
    other = make_engine(database_url)
    try:
        with other.connect() as writer:  # a long write elsewhere holds the lock
            writer.execute(sa.text("UPDATE users SET name = name"))
            started = time.perf_counter()
            api.ok("GET", "/apps")
            assert time.perf_counter() - started < 2
            writer.rollback()
    finally:
        other.dispose()

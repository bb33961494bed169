"""A record is found right after the write that made it, though SQLite's full-text index takes
small writes in a moment later (``runtime.storage.search_backlog``): searches look through the
backlog with the row scope and hidden fields applied; changes and deletes of records not yet
indexed leave the index whole; the indexer thread empties the backlog; big writes are indexed
in the write."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from runtime.storage import search_backlog
from runtime.storage.search_backlog import BACKLOG
from runtime.storage.search_index import FTS5
from tests.integration import test_search
from tests.integration.test_search import BASE

crm = test_search.crm  # the fixture: a published lead form, its records made one by one


def _search(crm):
    runtime = crm.app.extensions["trellis"]
    with runtime.session() as session:
        return runtime, runtime.plan(session, "crm", "lead").tables.search


def waiting(crm) -> set[int]:
    runtime, search = _search(crm)
    with runtime.engine.connect() as conn:
        return set(conn.execute(sa.select(BACKLOG.c.record_id).where(
            BACKLOG.c.search_table == search.name)).scalars())


def index_whole(crm) -> None:
    """FTS5's own check: the index holds exactly the texts of the rows it was given."""
    runtime, search = _search(crm)
    with runtime.engine.begin() as conn:
        conn.exec_driver_sql(f"INSERT INTO {search.fts_name}({search.fts_name}, rank) "
                             f"VALUES ('integrity-check', 1)")


def index_backlog(crm) -> int:
    runtime, search = _search(crm)
    with runtime.engine.begin() as conn:
        return FTS5.index_backlog(conn, search)


def test_found_at_once_on_every_database(crm):
    made = crm.admin.create("crm", "lead", {"name": "欧阳娜娜", "phone": "139 8888 7777"})
    assert crm.names("欧阳娜娜") == {"欧阳娜娜"}
    assert crm.names("13988887777") == {"欧阳娜娜"}
    crm.admin.ok("PATCH", f"{BASE}/{made['id']}", json={"name": "欧阳菲菲"})
    assert crm.names("欧阳娜娜") == set() and crm.names("欧阳菲菲") == {"欧阳菲菲"}


@pytest.fixture
def held(monkeypatch, app):
    """The indexer thread does not come by during the test (SQLite only)."""
    if app.extensions["trellis"].engine.dialect.name != "sqlite":
        pytest.skip("the backlog is SQLite's")
    monkeypatch.setattr(search_backlog, "DELAY", 3600.0)


def test_searches_look_through_the_backlog(held, crm):
    assert len(waiting(crm)) == 5  # every record of the fixture, created one by one
    assert crm.names("王芳") == {"王芳", "王芳芳", "王芳 (mine)"}
    assert crm.names("138 0013 8000") == {"王芳"} and crm.names("金融") == {"王芳"}
    assert crm.names("zebra") == {"王芳", "王芳 (mine)"}
    assert crm.names("zebra", crm.member) == set()  # hidden from the member
    assert crm.names("王芳", crm.member) == {"王芳 (mine)"}  # own records only
    assert crm.names("fang", crm.member) == set()


def test_changes_before_and_after_indexing_keep_the_index_whole(held, crm):
    first = crm.admin.records("crm", "lead", q="zhang")["records"][0]
    crm.admin.ok("PATCH", f"{BASE}/{first['id']}", json={"name": "赵敏"})
    assert crm.names("zhang") == set() and crm.names("赵敏") == {"赵敏"}
    lina = crm.admin.records("crm", "lead", q="李娜")["records"][0]
    crm.admin.ok("DELETE", f"{BASE}/{lina['id']}")
    assert crm.names("李娜") == set() and lina["id"] not in waiting(crm)
    assert index_backlog(crm) == 4 and waiting(crm) == set()
    index_whole(crm)
    assert crm.names("赵敏") == {"赵敏"} and crm.names("王芳", crm.member) == {"王芳 (mine)"}
    crm.admin.ok("PATCH", f"{BASE}/{first['id']}", json={"name": "周芷若"})  # indexed now
    assert first["id"] in waiting(crm)  # its new texts wait, its old ones left the index
    assert crm.names("赵敏") == set() and crm.names("周芷若") == {"周芷若"}
    crm.admin.ok("DELETE", f"{BASE}/{first['id']}")  # before it is indexed again
    assert crm.names("周芷若") == set() and waiting(crm) == set()
    index_whole(crm)
    wang = crm.admin.records("crm", "lead", q="王芳芳")["records"][0]
    crm.admin.ok("PATCH", f"{BASE}/{wang['id']}", json={"name": "王芳华"})
    assert index_backlog(crm) == 1
    index_whole(crm)  # (only with the backlog empty: the index has all the table's rows)
    assert crm.names("王芳芳") == set() and crm.names("王芳华") == {"王芳华"}


def test_big_writes_are_indexed_in_the_write(held, crm):
    before = waiting(crm)
    made = crm.admin.ok("POST", f"{BASE}/bulk", json=[{"name": f"批量 {i}"} for i in range(30)])
    assert made["created"] == 30 and waiting(crm) == before
    assert len(crm.names("批量")) == 30


def test_the_indexer_thread_empties_the_backlog(app, crm, monkeypatch):
    if app.extensions["trellis"].engine.dialect.name != "sqlite":
        pytest.skip("the backlog is SQLite's")
    monkeypatch.setattr(search_backlog, "DELAY", 0.05)
    crm.admin.create("crm", "lead", {"name": "张无忌"})
    deadline = time.monotonic() + 10
    while waiting(crm) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert waiting(crm) == set()
    index_whole(crm)
    assert crm.names("张无忌") == {"张无忌"} and crm.names("王芳", crm.member) == {"王芳 (mine)"}


def test_an_overdue_backlog_is_indexed_by_the_write(held, crm, monkeypatch):
    monkeypatch.setattr(search_backlog, "OVERDUE", 2)
    for name in ("甲一", "乙二", "丙三"):
        crm.admin.create("crm", "lead", {"name": name})
    assert waiting(crm) == set()
    index_whole(crm)
    assert crm.names("乙二") == {"乙二"}

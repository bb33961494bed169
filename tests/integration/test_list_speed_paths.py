"""Lists stay fast on big tables: their queries use indexes (no full sort for a page) and the
count stops past a cap, saying "more than"."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.support import Factory

pytestmark = pytest.mark.integration

FORM = {"kind": "form", "key": "lead", "label": {"en": "Lead"}, "fields": [
    {"key": "name", "type": "text", "label": {"en": "Name"}},
    {"key": "employees", "type": "number", "label": {"en": "Employees"}},
    {"key": "status", "type": "select", "label": {"en": "Status"},
     "config": {"choices": [{"value": "new", "label": {"en": "New"}},
                            {"value": "won", "label": {"en": "Won"}}]}},
]}


@pytest.fixture
def capped(fresh_app):
    app = fresh_app(LIST_COUNT_CAP=5)
    factory = Factory(app)
    admin = factory.api(factory.user("admin@example.com", ["admin"]))
    factory.app_doc(admin)
    factory.form(admin, FORM)
    for i in range(8):
        admin.create("crm", "lead", {"name": f"Lead {i}", "employees": i or None,
                                     "status": "new" if i % 2 else "won"})
    return app, admin


def test_a_count_past_the_cap_says_more_than(capped):
    app, admin = capped
    page = admin.records("crm", "lead", per_page=3)
    assert (page["total"], page["total_exact"], len(page["records"])) == (5, False, 3)
    page = admin.records("crm", "lead", per_page=3, total="exact")
    assert (page["total"], page["total_exact"]) == (8, True)
    page = admin.records("crm", "lead", filter='{status} = "new"')
    assert (page["total"], page["total_exact"]) == (4, True)  # under the cap: exact
    assert admin.records("crm", "lead", total=0)["total"] is None


def test_the_list_page_says_more_than_and_pages_on(capped):
    app, admin = capped
    client = app.test_client()
    client.post("/login", data={"email": "admin@example.com", "password": "password-123"})
    html = client.get("/a/crm/lead").get_data(True)
    assert "More than 5 records" in html


def plan_of(app, admin, monkeypatch, **params) -> str:
    """The database's plan for the page query of a list request."""
    engine = app.extensions["trellis"].engine
    seen = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "LIMIT" in statement.upper() \
                and "ORDER BY" in statement.upper():
            seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", remember)
    try:
        admin.records("crm", "lead", **params)
    finally:
        sa.event.remove(engine, "before_cursor_execute", remember)
    statement, parameters = seen[-1]
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return "\n".join(str(r[-1]) for r in rows)
        conn.exec_driver_sql("SET enable_seqscan = off")
        rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters)
        return "\n".join(r[0] for r in rows)


@pytest.mark.parametrize("params", [
    {},  # newest first
    {"filter": '[{"field": "status", "op": "eq", "value": "new"}]'},
    {"sort": "-employees"},
    {"sort": "employees"},
], ids=["default", "select-filter", "number-desc", "number-asc"])
def test_a_page_is_read_through_an_index_without_sorting_the_table(capped, monkeypatch, params):
    app, admin = capped
    plan = plan_of(app, admin, monkeypatch, **params)
    if app.extensions["trellis"].engine.dialect.name == "sqlite":
        assert "USING INDEX" in plan and "TEMP B-TREE" not in plan, plan
    else:
        lines = [line.strip() for line in plan.splitlines()]
        assert any("Index" in line for line in lines), plan
        # a descending sort on a column that may be empty reads its values, then its
        # empties, each through the index; only the two parts' few rows are put in order
        parts = next((i for i, line in enumerate(lines) if "Append" in line), None)
        inner = lines if parts is None else lines[parts:]
        assert not any(line.startswith("Sort") or "->  Sort" in line for line in inner), plan
        assert not any("Seq Scan" in line for line in lines), plan


@pytest.mark.parametrize("sort", ["", "-employees", "employees"],
                         ids=["default", "number-desc", "number-asc"])
def test_a_cursor_page_starts_its_index_read_at_the_cursor(capped, monkeypatch, sort):
    """A deep page (exports, syncs) does not read the index from its start: the cursor's
    value bounds the read (the exact "after" condition, an OR, only filters what is read)."""
    app, admin = capped
    params = {"sort": sort} if sort else {}
    cursor = admin.records("crm", "lead", per_page=2, **params)["next_cursor"]
    plan = plan_of(app, admin, monkeypatch, per_page=2, cursor=cursor, **params)
    lines = [line.strip() for line in plan.splitlines()]
    if app.extensions["trellis"].engine.dialect.name == "sqlite":
        reads = [line for line in lines if line.startswith(("SEARCH", "SCAN crm__lead"))]
        assert reads and all("USING INDEX" in line for line in reads), plan
        assert any("<?" in line or ">?" in line for line in reads), plan  # a range
        # two parts (values, empties) are put in order over their few rows, nothing else
        sorts = [i for i, line in enumerate(lines) if "TEMP B-TREE" in line]
        assert all(i == len(lines) - 1 for i in sorts), plan
    else:
        conds = [line for line in lines if line.startswith("Index Cond")]
        assert any("<=" in line or ">=" in line for line in conds), plan
        parts = next((i for i, line in enumerate(lines) if "Append" in line), 0)
        assert not any("Sort" in line for line in lines[parts:]), plan


def test_init_db_gives_tables_published_earlier_their_list_indexes(capped):
    from app.bootstrap import init_db

    app, _admin = capped
    engine = app.extensions["trellis"].engine

    def names() -> set[str]:
        with engine.connect() as conn:
            return {ix["name"] for ix in sa.inspect(conn).get_indexes("crm__lead")}

    made = {n for n in names() if n.startswith("lx_")}
    # a number field's sort: one index, read both ways (PostgreSQL: the ascending one)
    sort = "employees_a" if engine.dialect.name == "postgresql" else "employees_s"
    assert {"lx_crm__lead_status_f", f"lx_crm__lead_{sort}",
            "lx_crm__lead_created_at_s"} <= made
    assert not {"lx_crm__lead_employees_a", "lx_crm__lead_employees_s"} <= made
    with engine.begin() as conn:
        for name in made:
            conn.exec_driver_sql(f"DROP INDEX {name}")
        # what earlier versions made and no list reads any more: dropped
        conn.exec_driver_sql("CREATE INDEX lx_crm__lead_employees_d ON crm__lead "
                             "(employees DESC, id DESC)")
    init_db(app)
    assert {n for n in names() if n.startswith("lx_")} == made

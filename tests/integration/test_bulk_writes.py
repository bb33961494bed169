"""The bulk write helpers jobs use, on a real database (SQLite and PostgreSQL): rows updated
by id in one statement (arrays joined by id on PostgreSQL) with their version counted up and
their times stored as UTC; rows inserted from tuples with values many rows share converted
once and stored as each row's own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa

from runtime.storage.bulk import BulkInsert
from runtime.storage.bulk_update import bulk_update
from tests.integration.helpers import field, form_doc


def records(admin_api, factory, runtime, n: int) -> tuple[sa.Table, list[int]]:
    factory.app_doc(admin_api)
    factory.form(admin_api, form_doc("deal", [
        field("name"), field("amount", "number"),
        field("stage", "select", config={"choices": [{"value": "new", "label": "New"},
                                                      {"value": "won", "label": "Won"}]})]))
    ids = [admin_api.create("crm", "deal", {"name": f"d{i}", "amount": i})["id"]
           for i in range(n)]
    with runtime.session(read_only=True) as session:
        return runtime.plan(session, "crm", "deal").table, ids


def stored(runtime, table: sa.Table) -> dict[int, dict]:
    with runtime.engine.connect() as conn:
        rows = conn.execute(sa.select(table).order_by(table.c.id)).mappings()
        return {row["id"]: dict(row) for row in rows}


def test_many_rows_are_updated_by_id_with_their_versions_and_times(admin_api, factory,
                                                                    runtime):
    table, ids = records(admin_api, factory, runtime, 5)
    before = stored(runtime, table)
    at = datetime(2026, 12, 4, 18, 30, tzinfo=timezone(timedelta(hours=8)))  # 10:30 UTC
    update = bulk_update(table, ["amount", "stage", "updated_at"])
    assert bulk_update(table, ["amount", "stage", "updated_at"]) is update  # compiled once
    with runtime.engine.begin() as conn:
        update.run(conn, [(100 + i, "won", at, record_id)
                          for i, record_id in enumerate(ids[:4])])
        update.run(conn, [(7, None, at, ids[4])])  # one row: a plain UPDATE
    after = stored(runtime, table)
    for i, record_id in enumerate(ids):
        row = after[record_id]
        assert row["version"] == before[record_id]["version"] + 1
        assert row["updated_at"] == datetime(2026, 12, 4, 10, 30, tzinfo=UTC)
        assert row["name"] == before[record_id]["name"]  # the rest untouched
        if i < 4:
            assert (float(row["amount"]), row["stage"]) == (100 + i, "won")
    assert (float(after[ids[4]]["amount"]), after[ids[4]]["stage"]) == (7, None)
    got = admin_api.ok("GET", f"/apps/crm/forms/deal/records/{ids[0]}")
    assert got["amount"] == 100 and got["stage"] == "won"


def test_rows_inserted_from_tuples_keep_their_own_values(runtime):
    metadata = sa.MetaData()
    table = sa.Table("bulk_probe", metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("label", sa.JSON), sa.Column("n", sa.Integer))
    metadata.create_all(runtime.engine)
    try:
        insert = BulkInsert(table, ["id", "label", "n"])
        shared = {"zh": "行业", "en": "industry"}
        rows = [(i, shared if i % 2 else {"en": f"own {i}"}, i) for i in range(1, 7)]
        with runtime.engine.begin() as conn:
            insert.run_values(conn, rows)
            insert.run_values(conn, [(7, None, 7)])
        with runtime.engine.connect() as conn:
            got = conn.execute(sa.select(table).order_by(table.c.id)).all()
        assert [tuple(r) for r in got] == [*rows, (7, None, 7)]
    finally:
        metadata.drop_all(runtime.engine)

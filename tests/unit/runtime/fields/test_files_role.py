"""The files role of field types: which uploads a stored value references, in Python
(``file_ids``, for the purge) and in SQL (``file_mentions``, for who may read a file), for
every registered type and for sub-tables that hold attachments in their rows."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.unit.runtime.fields.test_contract import SAMPLES

A, B, C = "a" * 32, "b" * 32, "c" * 32
SCANS = {"key": "lines", "type": "sub_table", "label": "Lines", "config": {"fields": [
    {"key": "product", "type": "text", "label": "Product"},
    {"key": "scan", "type": "attachment", "label": "Scan"}]}}


@pytest.fixture(scope="module")
def registry():
    from runtime.fields.registry import build_field_registry

    return build_field_registry()


def stored(registry, fld: dict, value) -> tuple[sa.Connection, sa.Table]:
    """SQLite holding one record whose field ``fld`` has ``value``."""
    ftype = registry[fld["type"]]
    engine = sa.create_engine("sqlite://")
    meta = sa.MetaData()
    table = sa.Table("crm__deals", meta, sa.Column("id", sa.Integer, primary_key=True),
                     *ftype.columns(fld))
    children = ftype.child_tables(fld, table, registry)
    meta.create_all(engine)
    conn = engine.connect()
    if ftype.separate(fld):
        conn.execute(table.insert(), {"id": 1})
        ftype.save_separate(conn, children, 1, value, fld)
    else:
        conn.execute(table.insert(), {"id": 1, **ftype.to_row(value, fld)})
    return conn, table


def mentioned(registry, conn, table, fld, file_id) -> bool:
    clause = registry[fld["type"]].file_mentions(table, fld, file_id)
    return clause is not None and bool(
        conn.execute(sa.select(table.c.id).where(clause)).scalars().all())


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_python_and_sql_agree_on_the_sample_of_every_type(registry, key):
    sample = SAMPLES[key]
    ftype = registry[key]
    conn, table = stored(registry, sample.fld, sample.expected)
    ids = ftype.file_ids(sample.expected, sample.fld)
    assert ftype.file_ids(None, sample.fld) == set()
    assert bool(ids) == ftype.holds_files(sample.fld) == (key == "attachment")
    for file_id in ids:
        assert mentioned(registry, conn, table, sample.fld, file_id)
    assert not mentioned(registry, conn, table, sample.fld, C)


def test_a_sub_table_asks_its_sub_fields(registry):
    ftype = registry["sub_table"]
    value = [{"product": "pen", "scan": [{"id": A}]},
             {"product": "ink", "scan": [{"id": B}, {"id": A}]}, {"product": "box", "scan": None}]
    assert ftype.holds_files(SCANS)
    assert ftype.file_ids(value, SCANS) == {A, B}
    conn, table = stored(registry, SCANS, value)
    assert mentioned(registry, conn, table, SCANS, A)
    assert mentioned(registry, conn, table, SCANS, B)
    assert not mentioned(registry, conn, table, SCANS, C)
    assert not mentioned(registry, conn, table, SCANS, "%")  # no LIKE pattern gets through


def test_a_sub_table_without_attachments_holds_no_files(registry):
    fld = {**SCANS, "config": {"fields": SCANS["config"]["fields"][:1]}}
    assert not registry["sub_table"].holds_files(fld)
    conn, table = stored(registry, fld, [{"product": "pen"}])
    assert registry["sub_table"].file_mentions(table, fld, A) is None

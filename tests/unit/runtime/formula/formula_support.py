"""Shared helpers: a scope of sample fields (a relation and a sub-table too), and evaluating a
formula on both backends: Python over a record dict, SQL over the record stored as rows."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, tzinfo
from typing import Any

import pytest
import sqlalchemy as sa

from metadata.orm import JSONValue, UTCDateTime
from runtime.formula.checker import check
from runtime.formula.python import compile_python
from runtime.formula.registry import build_function_registry
from runtime.formula.sql import ChildRows, compile_sql, related_column
from runtime.formula.sqlfunctions import register
from runtime.formula.types import FType, Scope

NOW = datetime(2024, 3, 5, 8, 30, 15, tzinfo=UTC)
REGISTRY = build_function_registry()
COMPANY_FIELDS = {"name": FType.TEXT, "size": FType.INTEGER, "founded": FType.DATE}
COMPANY = Scope("公司", COMPANY_FIELDS)
ITEM_FIELDS = {"sku": FType.TEXT, "qty": FType.INTEGER, "price": FType.NUMBER}
ITEMS = Scope("明细", ITEM_FIELDS)
FIELDS = {"name": FType.TEXT, "city": FType.TEXT, "employees": FType.INTEGER,
          "score": FType.INTEGER, "amount": FType.NUMBER, "vip": FType.BOOLEAN,
          "signed": FType.DATE, "seen": FType.DATETIME, "tags": FType.TEXT_LIST}
SCOPE = Scope("线索", FIELDS, lambda key: COMPANY if key == "company" else None,
              {"items": ITEMS})
COLUMN_TYPES = {FType.TEXT: sa.Text(), FType.INTEGER: sa.BigInteger(),
                FType.NUMBER: sa.Numeric(18, 4), FType.BOOLEAN: sa.Boolean(),
                FType.DATE: sa.Date(), FType.DATETIME: UTCDateTime(), FType.TEXT_LIST: JSONValue}
PG_URL = os.environ.get("TRELLIS_DATABASE_URL", "")
# the PostgreSQL parametrisation runs in CI's second phase (-m integration)
DATABASES = ["sqlite", pytest.param("postgresql", id="postgresql", marks=[
    pytest.mark.integration,
    pytest.mark.skipif(not PG_URL, reason="TRELLIS_DATABASE_URL is not set")])]


def columns(*fields: tuple[str, FType]) -> list[sa.Column]:
    return [sa.Column(k, COLUMN_TYPES[t]) for k, t in fields]


class FormulaDatabase:
    """A lead table with a relation to companies and a sub-table of items."""

    def __init__(self, conn: sa.Connection, leads: sa.Table, companies: sa.Table,
                 items: sa.Table):
        self.conn, self.leads, self.companies, self.items = conn, leads, companies, items

    def __repr__(self) -> str:
        return f"FormulaDatabase({self.dialect})"

    @property
    def dialect(self) -> str:
        return self.conn.dialect.name

    def store(self, record: dict) -> None:
        """``record`` as the only lead (with its company and items)."""
        company, items = record.get("company"), record.get("items") or []
        if company is not None:
            self.conn.execute(self.companies.insert().values(id=1, **company))
        row = {k: row_value(k, v) for k, v in record.items() if k in FIELDS}
        self.conn.execute(self.leads.insert().values(
            id=1, company=None if company is None else 1, **row))
        for position, item in enumerate(items):
            self.conn.execute(self.items.insert().values(parent_id=1, position=position,
                                                         **item))

    def field_columns(self, join: bool = False) -> dict[str, sa.ColumnElement]:
        """The lead's columns and the company's, read through a correlated subquery (or, with
        ``join``, straight from the companies table for a query that outer-joins it)."""
        own = dict(self.leads.c)
        own.pop("company")
        for key in COMPANY_FIELDS:
            own[f"company.{key}"] = (self.companies.c[key] if join else
                                     related_column(self.companies, key, self.leads.c.company))
        return own

    def expression(self, source: str, join: bool = False, now: datetime = NOW,
                   tz: tzinfo = UTC) -> sa.ColumnElement:
        checked = check(source, SCOPE, REGISTRY)
        return compile_sql(checked, self.field_columns(join), self.dialect, now=lambda: now,
                           children={"items": ChildRows(self.items, self.leads.c.id)}, tz=tz)

    def value(self, source: str, record: dict, join: bool = False, now: datetime = NOW,
              tz: tzinfo = UTC) -> Any:
        """The formula evaluated by the database over ``record`` (stored for the query only),
        the clock at ``now`` in time zone ``tz``."""
        with self.conn.begin_nested() as savepoint:
            self.store(record)
            if join:
                origin = self.leads.outerjoin(self.companies,
                                              self.companies.c.id == self.leads.c.company)
            else:
                origin = self.leads
            query = sa.select(self.expression(source, join, now, tz)).select_from(origin)
            result = normal(self.conn.execute(query).scalar_one())
            savepoint.rollback()
        return result


def make_tables(metadata: sa.MetaData) -> tuple[sa.Table, sa.Table, sa.Table]:
    leads = sa.Table("leads", metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("company", sa.Integer), *columns(*FIELDS.items()))
    companies = sa.Table("companies", metadata, sa.Column("id", sa.Integer, primary_key=True),
                         *columns(*COMPANY_FIELDS.items()))
    items = sa.Table("lead_items", metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("parent_id", sa.Integer, nullable=False),
                     sa.Column("position", sa.Integer, nullable=False),
                     *columns(*ITEM_FIELDS.items()))
    return leads, companies, items


@contextmanager
def formula_database(kind: str) -> Iterator[FormulaDatabase]:
    """Fresh tables on SQLite in memory, or in a schema of their own on PostgreSQL (dropped
    afterwards), so that test runs side by side do not meet."""
    if kind == "sqlite":
        engine, schema = sa.create_engine("sqlite://"), None
    else:
        schema = f"formula_{uuid.uuid4().hex[:12]}"
        engine = sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                                  connect_args={"options": f"-csearch_path={schema}"})
    # as app.database does: the capped text functions that formula SQL calls
    sa.event.listen(engine, "connect",
                    lambda dbapi, _record: register(dbapi, engine.dialect.name))
    if schema:
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    metadata = sa.MetaData()
    tables = make_tables(metadata)
    try:
        with engine.connect() as conn:
            metadata.create_all(conn)
            conn.commit()
            yield FormulaDatabase(conn, *tables)
            conn.rollback()
    finally:
        if schema:
            with engine.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def python_value(source: str, record: dict, now: datetime = NOW, tz: tzinfo = UTC) -> Any:
    return compile_python(check(source, SCOPE, REGISTRY), now=lambda: now, tz=tz)(record)


def stored(record: dict) -> dict:
    """An API-style record (dates and date-times as ISO text) with Python dates, to store."""
    out = dict(record)
    if isinstance(out.get("signed"), str):
        out["signed"] = date.fromisoformat(out["signed"])
    if isinstance(out.get("seen"), str):
        out["seen"] = datetime.fromisoformat(out["seen"].replace("Z", "+00:00"))
    return out


def assert_agree(db: FormulaDatabase, source: str, record: dict, expected: Any) -> None:
    """The formula gives ``expected`` in Python and in SQL (related fields read both through a
    correlated subquery and through an outer join)."""
    assert python_value(source, record) == expected
    assert db.value(source, stored(record)) == expected
    if "company." in source:
        assert db.value(source, stored(record), join=True) == expected


def row_value(key: str, value: Any) -> Any:
    if FIELDS[key] == FType.TEXT_LIST and not value:
        return sa.null()
    return value


def normal(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value

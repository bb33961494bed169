"""Shared helpers: a scope of sample fields, and evaluating a formula on both backends."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from metadata.orm import JSONValue, UTCDateTime
from runtime.formula.checker import check
from runtime.formula.python import compile_python
from runtime.formula.sql import compile_sql
from runtime.formula.types import FType, Scope

NOW = datetime(2024, 3, 5, 8, 30, 15, tzinfo=UTC)
COMPANY = Scope("公司", {"name": FType.TEXT, "size": FType.INTEGER})
FIELDS = {"name": FType.TEXT, "city": FType.TEXT, "employees": FType.INTEGER,
          "score": FType.INTEGER, "amount": FType.NUMBER, "vip": FType.BOOLEAN,
          "signed": FType.DATE, "seen": FType.DATETIME, "tags": FType.TEXT_LIST}
SCOPE = Scope("线索", FIELDS, lambda key: COMPANY if key == "company" else None)
COLUMN_TYPES = {FType.TEXT: sa.Text(), FType.INTEGER: sa.BigInteger(),
                FType.NUMBER: sa.Numeric(18, 4), FType.BOOLEAN: sa.Boolean(),
                FType.DATE: sa.Date(), FType.DATETIME: UTCDateTime(), FType.TEXT_LIST: JSONValue}
PG_URL = os.environ.get("TRELLIS_DATABASE_URL", "")


def table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table("leads", metadata, sa.Column("id", sa.Integer, primary_key=True),
                    *(sa.Column(k, COLUMN_TYPES[t]) for k, t in FIELDS.items()))


def python_value(source: str, record: dict) -> Any:
    return compile_python(check(source, SCOPE), now=lambda: NOW)(record)


def sql_value(conn: sa.Connection, leads: sa.Table, source: str, record: dict) -> Any:
    """The formula evaluated by the database over ``record`` stored as the only row."""
    conn.execute(leads.delete())
    conn.execute(leads.insert().values(id=1, **{k: row_value(k, v) for k, v in record.items()}))
    expr = compile_sql(check(source, SCOPE), dict(leads.c), conn.dialect.name, now=lambda: NOW)
    return normal(conn.execute(sa.select(expr)).scalar_one())


def row_value(key: str, value: Any) -> Any:
    if FIELDS[key] == FType.TEXT_LIST and not value:
        return sa.null()
    return value


def normal(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value

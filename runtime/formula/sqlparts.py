"""SQL building blocks whose spelling differs between SQLite and PostgreSQL.

Representation in SQL: text, integers and booleans as themselves; every other number as a
double (``FLOAT``: decimal columns are cast, so both databases compute in IEEE doubles like the
Python side); dates as ``YYYY-MM-DD`` (text on SQLite, ``date`` on PostgreSQL); date-times in UTC
to the second (``YYYY-MM-DD HH:MM:SS`` text on SQLite, ``timestamp`` on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa

from metadata.orm import JSONValue, UTCDateTime
from runtime.formula.types import FType

SQL_TYPES = {
    FType.TEXT: sa.Text(), FType.INTEGER: sa.BigInteger(), FType.NUMBER: sa.Float(),
    FType.BOOLEAN: sa.Boolean(), FType.DATE: sa.Date(), FType.DATETIME: UTCDateTime(),
    FType.TEXT_LIST: JSONValue, FType.NULL: sa.Text(),
}
PG = "postgresql"


def sql_type(ftype: FType) -> sa.types.TypeEngine:
    return SQL_TYPES[ftype]


def typed_null(ftype: FType) -> sa.ColumnElement:
    """NULL of a type: PostgreSQL cannot type a bare NULL in ``NULL - NULL`` or ``least()``."""
    return sa.cast(sa.null(), sql_type(ftype))


def as_float(x: sa.ColumnElement) -> sa.ColumnElement:
    return sa.cast(x, sa.Float())


def divide(a: sa.ColumnElement, b: sa.ColumnElement) -> sa.ColumnElement:
    """Plain ``/`` of doubles (SQLAlchemy's own adds casts that differ by database)."""
    return sa.type_coerce(a.op("/")(b), sa.Float())


INT4_MAX = 2**31 - 1


def small_int(x: sa.ColumnElement, dialect: str) -> sa.ColumnElement:
    """A whole number for substr(), which takes 4-byte integers on PostgreSQL: clamped there
    (text is never that long, so the result is the same)."""
    if dialect != PG:
        return x
    clamped = sa.case((x > INT4_MAX, INT4_MAX), (x < -INT4_MAX, -INT4_MAX), else_=x)
    return sa.cast(clamped, sa.Integer())


def floor_float(x: sa.ColumnElement, dialect: str) -> sa.ColumnElement:
    """FLOOR of a double, as a double (exact below 2**53). SQLite: SQLAlchemy's driver swaps
    floor() for a Python function that fails on NULL, so truncate and step instead."""
    if dialect == PG:
        return sa.func.floor(x)
    whole = as_integer(x)
    return as_float(whole - sa.cast(x < whole, sa.Integer()))


def as_integer(x: sa.ColumnElement) -> sa.ColumnElement:
    return sa.cast(x, sa.BigInteger())


def read_column(column: sa.ColumnElement, ftype: FType, dialect: str) -> sa.ColumnElement:
    """A stored column in the formula representation of its type."""
    if ftype == FType.NUMBER:
        return as_float(column)
    if ftype == FType.DATETIME:
        if dialect == PG:
            return sa.func.date_trunc("second", column)
        return sa.func.datetime(column)
    return column


def date_literal(value: date, dialect: str) -> sa.ColumnElement:
    return sa.literal(value, sa.Date())


def datetime_literal(value: datetime, dialect: str) -> sa.ColumnElement:
    """``value`` (aware, UTC, whole seconds) as the database holds date-times."""
    naive = value.replace(tzinfo=None)
    if dialect == PG:
        return sa.literal(naive, sa.DateTime())
    return sa.literal(naive.isoformat(sep=" "), sa.Text())


def text_of(x: sa.ColumnElement, ftype: FType, dialect: str) -> sa.ColumnElement:
    """Integers and dates as the Python side writes them (``str(3)``, ``isoformat()``)."""
    if ftype == FType.TEXT or (ftype == FType.DATE and dialect != PG):
        return x
    if ftype == FType.DATE:  # not a cast: that follows the server's DateStyle
        return sa.func.to_char(x, "YYYY-MM-DD")
    return sa.cast(x, sa.Text())


def ordered(x: sa.ColumnElement, ftype: FType, dialect: str) -> sa.ColumnElement:
    """Text compared by code point on both databases (PostgreSQL collations sort otherwise)."""
    if ftype == FType.TEXT and dialect == PG:
        return sa.collate(x, "C")
    return x


def position(haystack: sa.ColumnElement, needle: sa.ColumnElement, dialect: str
             ) -> sa.ColumnElement:
    """1-based position of ``needle`` in ``haystack``, 0 when absent."""
    return sa.func.strpos(haystack, needle) if dialect == PG else sa.func.instr(haystack, needle)




def connection_function(name: str, args: Sequence[sa.ColumnElement], dialect: str
                        ) -> sa.ColumnElement:
    """A call of one of ``sqlfunctions``' functions, giving text."""
    package = sa.func.pg_temp if dialect == PG else sa.func
    return sa.type_coerce(getattr(package, name)(*args), sa.Text())


def least(args: Sequence[sa.ColumnElement], dialect: str, biggest: bool = False
          ) -> sa.ColumnElement:
    """The smallest (or biggest) non-null argument, NULL when all are NULL."""
    if len(args) == 1:
        return args[0]
    if dialect == PG:
        return (sa.func.greatest if biggest else sa.func.least)(*args)
    # SQLite's scalar min/max return NULL if any argument is NULL: give each a fallback
    pick = sa.func.max if biggest else sa.func.min
    return pick(*(sa.func.coalesce(a, *(b for j, b in enumerate(args) if j != i))
                  for i, a in enumerate(args)))

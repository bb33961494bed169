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


def as_float(x: sa.ColumnElement) -> sa.ColumnElement:
    return sa.cast(x, sa.Float())


def divide(a: sa.ColumnElement, b: sa.ColumnElement) -> sa.ColumnElement:
    """Plain ``/`` of doubles (SQLAlchemy's own adds casts that differ by database)."""
    return sa.type_coerce(a.op("/")(b), sa.Float())


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


def epoch_seconds(x: sa.ColumnElement, dialect: str) -> sa.ColumnElement:
    if dialect == PG:
        return as_integer(sa.func.floor(sa.extract("epoch", x)))
    return as_integer(sa.func.strftime("%s", x))


def day_number(x: sa.ColumnElement, dialect: str) -> sa.ColumnElement:
    """A whole number of days that differences can be taken of."""
    if dialect == PG:
        return sa.cast(x, sa.Date())
    return sa.func.julianday(sa.func.date(x))


def add_days(x: sa.ColumnElement, days: sa.ColumnElement, ftype: FType, dialect: str
             ) -> sa.ColumnElement:
    if dialect == PG:
        if ftype == FType.DATE:
            return x + sa.cast(days, sa.Integer())
        return x + sa.func.make_interval(0, 0, 0, sa.cast(days, sa.Integer()))
    fn = sa.func.date if ftype == FType.DATE else sa.func.datetime
    return fn(x, sa.cast(days, sa.Text()) + " days")


def weekday(x: sa.ColumnElement) -> sa.ColumnElement:
    """ISO weekday: Monday 1 ... Sunday 7."""
    return (as_integer(sa.extract("dow", x)) + 6) % 7 + 1


def date_part(part: str, x: sa.ColumnElement) -> sa.ColumnElement:
    return as_integer(sa.extract(part, x))



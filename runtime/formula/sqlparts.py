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
from sqlalchemy.sql.elements import Grouping

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


SHIFT_LIMITS = {  # amounts beyond these leave years 1 to 9999 whatever the start
    "day": 3_700_000, "week": 530_000, "month": 120_000, "year": 10_000,
    "hour": 88_800_000, "minute": 5_328_000_000}
FIRST_MOMENT, LAST_MOMENT = datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59)


def shift(x: sa.ColumnElement, amount: sa.ColumnElement, unit: str, result: FType,
          dialect: str) -> sa.ColumnElement:
    """``x`` moved by ``amount`` units (months clamp to the month's end); NULL outside years
    1 to 9999, as in Python. ``result`` is DATE or DATETIME."""
    limit = sa.literal(SHIFT_LIMITS[unit], sa.BigInteger())
    amount = sa.case((amount > limit, limit), (amount < -limit, -limit), else_=amount)
    if dialect == PG:
        # date + interval is a timestamp; a month added to Jan 31 gives the month's end
        step = sa.literal_column(f"INTERVAL '1 {unit}'")
        moved = x.op("+")(amount.op("*")(step))
        if result == FType.DATE:
            moved = sa.cast(moved, sa.Date())
    elif unit in ("month", "year"):
        moved = _sqlite_add_months(x, amount * 12 if unit == "year" else amount, result)
    else:
        if unit == "week":
            amount, unit = amount * 7, "day"
        moved = (sa.func.date if result == FType.DATE else sa.func.datetime)(
            x, sa.cast(amount, sa.Text()) + f" {unit}s")
    if result == FType.DATE:
        low, high = (date_literal(m.date(), dialect) for m in (FIRST_MOMENT, LAST_MOMENT))
    else:
        low, high = (datetime_literal(m, dialect) for m in (FIRST_MOMENT, LAST_MOMENT))
    return sa.case((moved.between(low, high), moved), else_=sa.null())


def _sqlite_add_months(x: sa.ColumnElement, months: sa.ColumnElement, result: FType
                       ) -> sa.ColumnElement:
    # SQLite's '+1 months' runs on past the month's end (Jan 31 -> Mar 2): clamp the day
    first = sa.func.date(x, "start of month", sa.cast(months, sa.Text()) + " months")
    month_days = as_integer(sa.func.strftime("%d", first, "+1 month", "-1 day"))
    day = sa.func.min(as_integer(sa.func.strftime("%d", x)), month_days)
    moved = sa.func.date(first, sa.cast(day - 1, sa.Text()) + " days")
    if result == FType.DATE:
        return moved
    return sa.func.datetime(moved.op("||")(" ").op("||")(sa.func.time(x)))


def months_between(start: sa.ColumnElement, end: sa.ColumnElement, dialect: str,
                   per: int = 1) -> sa.ColumnElement:
    """Whole months (``per=12``: whole years) from start to end, negative when end is first;
    times of day are left out."""
    def forward(a: sa.ColumnElement, b: sa.ColumnElement) -> sa.ColumnElement:
        months = ((date_part("year", b) - date_part("year", a)) * 12
                  + date_part("month", b) - date_part("month", a)
                  - sa.case((date_part("day", b) < date_part("day", a), 1), else_=0))
        # both sides divide whole numbers without a remainder; months is never negative here
        return months if per == 1 else Grouping(months).op("/")(per)

    backwards = day_number(end, dialect) < day_number(start, dialect)
    return sa.case((backwards, -forward(end, start)), else_=forward(start, end))


def weekday(x: sa.ColumnElement) -> sa.ColumnElement:
    """ISO weekday: Monday 1 ... Sunday 7."""
    return (as_integer(sa.extract("dow", x)) + 6) % 7 + 1


def date_part(part: str, x: sa.ColumnElement) -> sa.ColumnElement:
    return as_integer(sa.extract(part, x))



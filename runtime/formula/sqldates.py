"""SQL building blocks for dates and date-times on SQLite and PostgreSQL (representation: see
``sqlparts``). Results outside years 1 to 9999 are NULL, as Python's dates cannot hold them;
PostgreSQL is only asked to move a date when the result stays inside, since it fails beyond
its own limits."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.sql.elements import Grouping

from runtime.formula.sqlparts import PG, as_integer, date_literal, datetime_literal
from runtime.formula.types import FType

FIRST_MOMENT, LAST_MOMENT = datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59)
EPOCH = datetime(1970, 1, 1)
# amounts beyond these leave years 1 to 9999 from any start (and stay clear of overflow)
SHIFT_LIMITS = {"day": 3_700_000, "week": 530_000, "month": 120_000, "year": 10_000,
                "hour": 88_800_000, "minute": 5_328_000_000}
# unit: (grain counted by position(), grains per unit)
GRAINS = {"day": ("day", 1), "week": ("day", 7), "month": ("month", 1), "year": ("month", 12),
          "hour": ("second", 3600), "minute": ("second", 60)}
SPANS = {  # positions of the first and the last moment, per grain
    "day": (0, (LAST_MOMENT.date() - FIRST_MOMENT.date()).days),
    "month": (12, 9999 * 12 + 11),
    "second": (int((FIRST_MOMENT - EPOCH).total_seconds()),
               int((LAST_MOMENT - EPOCH).total_seconds())),
}


def epoch_seconds(x: sa.ColumnElement, dialect: str) -> sa.ColumnElement:
    if dialect == PG:
        return as_integer(sa.func.floor(sa.extract("epoch", x)))
    return as_integer(sa.func.strftime("%s", x))


def day_number(x: sa.ColumnElement, dialect: str) -> sa.ColumnElement:
    """A whole number of days that differences can be taken of."""
    if dialect == PG:
        return sa.cast(x, sa.Date())
    return sa.func.julianday(sa.func.date(x))


def weekday(x: sa.ColumnElement) -> sa.ColumnElement:
    """ISO weekday: Monday 1 ... Sunday 7."""
    return (as_integer(sa.extract("dow", x)) + 6) % 7 + 1


def date_part(part: str, x: sa.ColumnElement) -> sa.ColumnElement:
    return as_integer(sa.extract(part, x))


def shift(x: sa.ColumnElement, amount: sa.ColumnElement, unit: str, result: FType,
          dialect: str) -> sa.ColumnElement:
    """``x`` moved by ``amount`` units (months clamp to the month's end); NULL outside years
    1 to 9999, as in Python. ``result`` is DATE or DATETIME."""
    limit = sa.literal(SHIFT_LIMITS[unit], sa.BigInteger())
    amount = sa.case((amount > limit, limit), (amount < -limit, -limit), else_=amount)
    if dialect == PG:
        return _pg_shift(x, amount, unit, result)
    if unit in ("month", "year"):
        moved = _sqlite_add_months(x, amount * 12 if unit == "year" else amount, result)
    else:
        if unit == "week":
            amount, unit = amount * 7, "day"
        moved = (sa.func.date if result == FType.DATE else sa.func.datetime)(
            x, sa.cast(amount, sa.Text()) + f" {unit}s")
    # SQLite gives NULL after year 9999 but writes years before 1 as "-0042-..."
    if result == FType.DATE:
        low, high = (date_literal(m.date(), dialect) for m in (FIRST_MOMENT, LAST_MOMENT))
    else:
        low, high = (datetime_literal(m, dialect) for m in (FIRST_MOMENT, LAST_MOMENT))
    return sa.case((moved.between(low, high), moved), else_=sa.null())


def _pg_shift(x: sa.ColumnElement, amount: sa.ColumnElement, unit: str, result: FType
              ) -> sa.ColumnElement:
    grain, per_unit = GRAINS[unit]
    low, high = SPANS[grain]
    target = _pg_position(x, grain) + amount * per_unit
    # date + interval is a timestamp; a month added to Jan 31 gives the month's end
    moved = x.op("+")(amount.op("*")(sa.literal_column(f"INTERVAL '1 {unit}'")))
    if result == FType.DATE:
        moved = sa.cast(moved, sa.Date())
    inside = target.between(sa.literal(low, sa.BigInteger()), sa.literal(high, sa.BigInteger()))
    return sa.case((inside, moved), else_=sa.null())


def _pg_position(x: sa.ColumnElement, grain: str) -> sa.ColumnElement:
    """Where ``x`` is, counted in whole days, months or seconds."""
    if grain == "day":
        return sa.cast(x, sa.Date()).op("-")(sa.literal(date(1, 1, 1), sa.Date()))
    if grain == "month":
        return date_part("year", x) * 12 + date_part("month", x) - 1
    return epoch_seconds(x, PG)


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
        # months is never negative here, so / of whole numbers truncates as Python's //
        return months if per == 1 else Grouping(months).op("/")(per)

    backwards = day_number(end, dialect) < day_number(start, dialect)
    return sa.case((backwards, -forward(end, start)), else_=forward(start, end))

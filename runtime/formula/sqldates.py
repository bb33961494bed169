"""SQL building blocks for dates and date-times on SQLite and PostgreSQL (representation: see
``sqlparts``). Results outside years 1 to 9999 are NULL, as Python's dates cannot hold them;
PostgreSQL is only asked to move a date when the result stays inside, since it fails beyond
its own limits.

Date-times are UTC; ``wall_clock`` gives the time the clocks of a time zone show. PostgreSQL
follows the zone's rules at every instant, as Python does. SQLite knows no time zones: it
moves every instant by the zone's offset at the current instant, which is exact for zones
without daylight saving time or other changes of offset (Asia/Shanghai since 1992) and off by
the difference otherwise."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, tzinfo

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


def wall_clock(x: sa.ColumnElement, tz: tzinfo, now: Callable[[], datetime], dialect: str
               ) -> sa.ColumnElement:
    """The date-time ``x`` as the clocks in ``tz`` show it, NULL outside years 1 to 9999."""
    if dialect == PG:
        zone = _pg_zone(tz)
        if zone is None:
            return x
        return _inside(sa.func.timezone(zone, sa.func.timezone("UTC", x)), dialect)
    seconds = _offset_seconds(tz, now)
    if not seconds:
        return x
    moved = sa.func.datetime(x, f"{seconds:+d} seconds")
    # SQLite gives NULL after year 9999 by itself; few checks, as its parser nests only so deep
    return moved if seconds > 0 else _inside(moved, dialect)


def shift_on_wall_clock(x: sa.ColumnElement, amount: sa.ColumnElement, unit: str, tz: tzinfo,
                        now: Callable[[], datetime], dialect: str) -> sa.ColumnElement:
    """The date-time ``x`` moved by months or years as the clocks in ``tz`` count them, NULL
    outside years 1 to 9999; where a clock change skips or repeats the time, PostgreSQL takes
    the later reading."""
    if dialect == PG:
        zone = _pg_zone(tz)
        moved = shift(wall_clock(x, tz, now, dialect), amount, unit, FType.DATETIME, dialect)
        if zone is None:
            return moved
        return _inside(sa.func.timezone("UTC", sa.func.timezone(zone, moved)), dialect)
    seconds = _offset_seconds(tz, now)
    if not seconds:
        return shift(x, amount, unit, FType.DATETIME, dialect)
    # one check (SQLite's parser nests only so deep) for x on the local clock, the moved
    # local time and that time in UTC all inside years 1 to 9999
    offset = timedelta(seconds=seconds)
    if seconds > 0:
        bounds, valid = (FIRST_MOMENT + offset, LAST_MOMENT), None
    else:
        bounds = (FIRST_MOMENT, LAST_MOMENT + offset)
        valid = x >= datetime_literal(FIRST_MOMENT - offset, dialect)
    wall = sa.func.datetime(x, f"{seconds:+d} seconds")
    moved = shift(wall, amount, unit, FType.DATETIME, dialect, bounds, valid)
    return sa.func.datetime(moved, f"{-seconds:+d} seconds")


def _pg_zone(tz: tzinfo) -> sa.ColumnElement | None:
    """``tz`` as PostgreSQL's timezone() takes it: a zone name or a fixed offset (None: UTC)."""
    fixed = tz.utcoffset(None)
    if fixed is not None:
        # whole seconds of a fixed offset: an int, safe to write into the statement
        seconds = int(fixed.total_seconds())
        return sa.literal_column(f"INTERVAL '{seconds} seconds'") if seconds else None
    name = getattr(tz, "key", None)
    if name is None:
        raise ValueError(f"no time zone name for {tz!r}")
    return None if name in ("UTC", "Etc/UTC") else sa.literal(name, sa.Text())


def _offset_seconds(tz: tzinfo, now: Callable[[], datetime]) -> int:
    offset = now().astimezone(tz).utcoffset() or timedelta()
    return int(offset.total_seconds())


def _inside(x: sa.ColumnElement, dialect: str) -> sa.ColumnElement:
    low, high = (datetime_literal(m, dialect) for m in (FIRST_MOMENT, LAST_MOMENT))
    return sa.case((x.between(low, high), x), else_=sa.null())


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
          dialect: str, bounds: tuple[datetime, datetime] = (FIRST_MOMENT, LAST_MOMENT),
          valid: sa.ColumnElement | None = None) -> sa.ColumnElement:
    """``x`` moved by ``amount`` units (months clamp to the month's end); NULL outside years
    1 to 9999, as in Python. ``result`` is DATE or DATETIME; SQLite's date-times are kept
    within ``bounds``, and NULL unless ``valid`` holds."""
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
        low, high = (datetime_literal(m, dialect) for m in bounds)
    inside = moved.between(low, high)
    if valid is not None:
        inside = sa.and_(inside, valid)
    return sa.case((inside, moved), else_=sa.null())


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
    # SQLite's '+1 months' runs on past the month's end (Jan 31 -> Mar 2): when it does, the
    # month's last day is the earlier. Kept shallow: SQLite's parser nests only so deep.
    moved = sa.cast(months, sa.Text()) + " months"
    if result == FType.DATE:
        last = sa.func.date(x, "start of month", moved, "+1 month", "-1 day")
        return sa.func.min(sa.func.date(x, moved), sa.func.coalesce(last, "9999-12-31"))
    last = sa.func.datetime(x, "start of month", moved, "+1 month", "-1 day",
                            sa.literal("+", sa.Text()) + sa.func.time(x))
    # December 9999 has no month after it, and never runs on
    return sa.func.min(sa.func.datetime(x, moved),
                       sa.func.coalesce(last, "9999-12-31 23:59:59"))


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

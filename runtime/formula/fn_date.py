"""Date functions: TODAY, NOW, DATE, YEAR, MONTH, DAY, WEEKDAY, DATEADD, DAYS_BETWEEN,
MONTHS_BETWEEN, YEARS_BETWEEN, HOURS_BETWEEN.

Date-times are instants, kept in UTC to the whole second on both sides. Where a date-time
becomes a calendar date or calendar parts (YEAR ... WEEKDAY, DAYS_BETWEEN, MONTHS_BETWEEN,
YEARS_BETWEEN, DATEADD by months and years, TEXT) it is read as the clocks show it in the
installation's time zone (``CallContext.tz``), as TODAY is: in Shanghai, 2026-01-01T20:00Z is
2026-01-02 04:00. Instants outside years 1 to 9999 there read as NULL. HOURS_BETWEEN, NOW and
comparisons stay with instants; a date read as a date-time starts at midnight UTC.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable, Mapping
from datetime import MAXYEAR, MINYEAR, UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import sqlalchemy as sa

from metadata.messages import msg
from runtime.formula import sqldates, sqlparts
from runtime.formula.ast import Literal
from runtime.formula.functions import (
    ArgumentProblem,
    CallContext,
    Function,
    argument_of,
    expect,
    strict,
)
from runtime.formula.types import FType

MOMENTS = (FType.DATE, FType.DATETIME)


def as_datetime(value: date) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(), UTC)


def as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def wall_clock(value: date, tz: tzinfo) -> date | None:
    """A date as it is; a date-time as the clocks in ``tz`` show it (None when that is outside
    years 1 to 9999)."""
    if type(value) is date:
        return value
    try:
        return value.astimezone(tz)
    except OverflowError:
        return None


def from_wall_clock(wall: datetime, tz: tzinfo) -> datetime:
    """The instant at which clocks in ``tz`` show ``wall`` (naive); where a clock change skips
    or repeats that time, the later of the two readings, as PostgreSQL takes it. OverflowError
    outside years 1 to 9999."""
    offset = min(wall.replace(tzinfo=tz, fold=fold).utcoffset() for fold in (0, 1))
    return (wall - offset).replace(tzinfo=UTC)


def on_calendar(evaluate: Callable[..., Any], tz: tzinfo) -> Callable[..., Any]:
    """``evaluate`` of dates and date-times read on the calendar of ``tz`` (``wall_clock``)."""
    def run(*values: date) -> Any:
        moments = [wall_clock(v, tz) for v in values]
        return None if any(m is None for m in moments) else evaluate(*moments)
    return run


def on_calendar_sql(args: list[sa.ColumnElement], call: CallContext
                    ) -> list[sa.ColumnElement]:
    """The arguments with every date-time as the clocks in ``call.tz`` show it."""
    return [sqldates.wall_clock(a, call.tz, call.now, call.dialect) if t == FType.DATETIME
            else a for a, t in zip(args, call.types, strict=False)]


class Today(Function):
    name, aliases, signature = "TODAY", ("今天",), "TODAY()"
    description = msg("Today's date where the business is: in the installation's time zone "
                      "(Asia/Shanghai unless configured otherwise), not UTC.")
    min_args, max_args = 0, 0
    volatile = True

    def result_type(self, types, nodes):
        return FType.DATE

    def python(self, fns, call):
        now, tz = call.now, call.tz
        return lambda record: now().astimezone(tz).date()

    def to_sql(self, args, call):
        return sqlparts.date_literal(call.now().astimezone(call.tz).date(), call.dialect)


class Now(Function):
    name, aliases, signature = "NOW", ("现在",), "NOW()"
    description = msg("The current date and time, to the second: an instant, which YEAR, DAY, "
                      "TEXT and the like read in the installation's time zone.")
    min_args, max_args = 0, 0
    volatile = True

    def result_type(self, types, nodes):
        return FType.DATETIME

    def python(self, fns, call):
        return lambda record: call.now().replace(microsecond=0)

    def to_sql(self, args, call):
        return sqlparts.datetime_literal(call.now().replace(microsecond=0), call.dialect)


def constant_date(nodes) -> date:
    """The date that DATE("2024-03-05") or DATE(2024, 3, 5) stands for."""
    values = [n.value if isinstance(n, Literal) else n for n in nodes]
    try:
        if len(values) == 1 and isinstance(values[0], str):
            return date.fromisoformat(values[0])
        if len(values) == 3 and all(type(v) is int for v in values):
            return date(*values)
    except ValueError as exc:
        raise ArgumentProblem(msg("DATE: %(error)s", error=str(exc))) from None
    raise ArgumentProblem(msg('DATE takes a date written as DATE("2024-03-05") or '
                              "DATE(2024, 3, 5)"))


class Date(Function):
    name, aliases, signature = "DATE", ("日期",), 'DATE("2024-03-05") or DATE(2024, 3, 5)'
    description = msg("A fixed date.")
    min_args, max_args = 1, 3

    def result_type(self, types, nodes):
        constant_date(nodes)
        return FType.DATE

    def python(self, fns, call):
        value = constant_date(call.nodes)
        return lambda record: value

    def to_sql(self, args, call):
        return sqlparts.date_literal(constant_date(call.nodes), call.dialect)


class Year(Function):
    name, aliases, signature = "YEAR", ("年",), "YEAR(date)"
    description = msg("The year of a date.")
    part = "year"

    def result_type(self, types, nodes):
        expect(types, 0, MOMENTS, argument_of("argument", self.name))
        return FType.INTEGER

    def evaluate(self, value: date) -> Any:
        return getattr(value, self.part)

    def python(self, fns, call):
        return strict(on_calendar(self.evaluate, call.tz), fns)

    def to_sql(self, args, call):
        return sqldates.date_part(self.part, on_calendar_sql(args, call)[0])


class Month(Year):
    name, aliases, signature = "MONTH", ("月",), "MONTH(date)"
    description = msg("The month of a date, 1 to 12.")
    part = "month"


class Day(Year):
    name, aliases, signature = "DAY", ("日",), "DAY(date)"
    description = msg("The day of the month of a date, 1 to 31.")
    part = "day"


class Weekday(Year):
    name, aliases, signature = "WEEKDAY", ("星期",), "WEEKDAY(date)"
    description = msg("The day of the week: 1 for Monday to 7 for Sunday.")

    def evaluate(self, value: date) -> Any:
        return value.isoweekday()

    def to_sql(self, args, call):
        return sqldates.weekday(on_calendar_sql(args, call)[0])


UNITS = {"day": "day", "days": "day", "天": "day", "日": "day",
         "week": "week", "weeks": "week", "周": "week",
         "month": "month", "months": "month", "月": "month",
         "year": "year", "years": "year", "年": "year",
         "hour": "hour", "hours": "hour", "小时": "hour",
         "minute": "minute", "minutes": "minute", "分钟": "minute"}
TIME_UNITS = ("hour", "minute")


def time_unit(nodes) -> str:
    """The unit of DATEADD, "day" when left out."""
    if len(nodes) < 3:
        return "day"
    node = nodes[2]
    unit = UNITS.get(node.value.lower()) if isinstance(node, Literal) and isinstance(
        node.value, str) else None
    if unit is None:
        raise ArgumentProblem(msg('the unit of DATEADD must be written in quotes: "day", '
                                  '"week", "month", "year", "hour" or "minute" (or 天, 周, 月, '
                                  "年, 小时, 分钟)"), 2)
    return unit


def add_months(moment: date, months: int) -> date | None:
    """``months`` later, the day clamped to the month's end (Jan 31 + 1 month: Feb 29)."""
    years, month = divmod(moment.month - 1 + months, 12)
    year = moment.year + years
    if not MINYEAR <= year <= MAXYEAR:
        return None
    day = min(moment.day, monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def shift(moment: date, amount: int, unit: str, tz: tzinfo = UTC) -> date | None:
    """``moment`` moved by ``amount`` units; months of a date-time are counted on the calendar
    of ``tz``."""
    try:
        if unit in ("month", "year"):
            months = amount * 12 if unit == "year" else amount
            if type(moment) is date:
                return add_months(moment, months)
            local = wall_clock(moment, tz)
            moved = None if local is None else add_months(local.replace(tzinfo=None), months)
            return None if moved is None else from_wall_clock(moved, tz)
        if unit in TIME_UNITS:
            return as_datetime(moment) + timedelta(**{unit + "s": amount})
        return moment + timedelta(days=amount * 7 if unit == "week" else amount)
    except OverflowError:  # before year 1 or after 9999
        return None


class DateAdd(Function):
    name, aliases = "DATEADD", ("日期加",)
    signature = 'DATEADD(date, amount, "unit")'
    description = msg('The date (or date and time) that many units later, earlier when negative. '
                      'Units: "day" (when left out), "week", "month", "year", "hour", "minute" '
                      "(or 天, 周, 月, 年, 小时, 分钟). Months and years keep the day of the month "
                      "or, when the month is shorter, give its last day (Jan 31 + 1 month: "
                      "Feb 29); hours and minutes make a date a date and time. NULL before year "
                      "1 or after 9999.")
    min_args, max_args = 2, 3

    def result_type(self, types, nodes):
        expect(types, 0, MOMENTS, argument_of("date", "DATEADD"))
        expect(types, 1, (FType.INTEGER,), argument_of("amount", "DATEADD"))
        if time_unit(nodes) in TIME_UNITS or types[0] == FType.DATETIME:
            return FType.DATETIME
        return FType.DATE

    def python(self, fns, call):
        unit, tz = time_unit(call.nodes), call.tz
        return strict(lambda moment, amount: shift(moment, amount, unit, tz), fns[:2])

    def to_sql(self, args, call):
        unit = time_unit(call.nodes)
        result = FType.DATETIME if unit in TIME_UNITS else call.types[0]
        if result == FType.NULL:
            result = FType.DATE
        if unit in ("month", "year") and call.types[0] == FType.DATETIME:
            return sqldates.shift_on_wall_clock(*args[:2], unit, call.tz, call.now, call.dialect)
        return sqldates.shift(args[0], args[1], unit, result, call.dialect)


class DaysBetween(Function):
    name, aliases, signature = "DAYS_BETWEEN", ("相差天数",), "DAYS_BETWEEN(start, end)"
    description = msg("Whole days from the start date to the end date (negative if end is first).")
    min_args, max_args = 2, 2

    def result_type(self, types, nodes):
        expect(types, 0, MOMENTS, argument_of("start", self.name))
        expect(types, 1, MOMENTS, argument_of("end", self.name))
        return FType.INTEGER

    def evaluate(self, start: date, end: date) -> Any:
        return (as_date(end) - as_date(start)).days

    def python(self, fns, call):
        start, end, evaluate = fns[0], fns[1], on_calendar(self.evaluate, call.tz)

        def run(record: Mapping) -> Any:
            a = start(record)
            if a is None:
                return None
            b = end(record)
            if b is None:
                return None
            # two dates, the usual arguments, subtract as they are
            return (b - a).days if type(a) is date and type(b) is date else evaluate(a, b)
        return run

    def to_sql(self, args, call):
        start, end = (sqldates.day_number(a, call.dialect) for a in on_calendar_sql(args, call))
        return sqlparts.as_integer(end - start)


class MonthsBetween(DaysBetween):
    name, aliases, signature = "MONTHS_BETWEEN", ("相差月数",), "MONTHS_BETWEEN(start, end)"
    description = msg("Whole months from the start date to the end date, like DATEDIF(start, end, "
                      '"M") but negative when end is first; times of day are left out.')
    per = 1

    def python(self, fns, call):  # not DAYS_BETWEEN's shortcut
        return strict(on_calendar(self.evaluate, call.tz), fns)

    def evaluate(self, start: date, end: date) -> Any:
        months = months_between(as_date(start), as_date(end))
        return months if self.per == 1 else int(months / self.per)

    def to_sql(self, args, call):
        start, end = on_calendar_sql(args, call)
        return sqldates.months_between(start, end, call.dialect, self.per)


class YearsBetween(MonthsBetween):
    name, aliases, signature = "YEARS_BETWEEN", ("相差年数",), "YEARS_BETWEEN(start, end)"
    description = msg("Whole years from the start date to the end date (an age), negative when "
                      "end is first.")
    per = 12


def months_between(start: date, end: date) -> int:
    if end < start:
        return -months_between(end, start)
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


class HoursBetween(DaysBetween):
    name, aliases, signature = "HOURS_BETWEEN", ("相差小时",), "HOURS_BETWEEN(start, end)"
    description = msg("Hours from start to end, with fractions (a date counts from midnight UTC).")
    python = Function.python  # not DAYS_BETWEEN's shortcut

    def result_type(self, types, nodes):
        super().result_type(types, nodes)
        return FType.NUMBER

    def evaluate(self, start: date, end: date) -> Any:
        seconds = int(as_datetime(end).timestamp()) - int(as_datetime(start).timestamp())
        return seconds / 3600

    def to_sql(self, args, call):
        start, end = (sqldates.epoch_seconds(a, call.dialect) for a in args)
        return sqlparts.divide(sqlparts.as_float(end - start), sa.literal(3600.0, sa.Float()))


DATE_FUNCTIONS = (Today, Now, Date, Year, Month, Day, Weekday, DateAdd, DaysBetween,
                  MonthsBetween, YearsBetween, HoursBetween)

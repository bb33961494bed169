"""Date functions: TODAY, NOW, DATE, YEAR, MONTH, DAY, WEEKDAY, DATEADD, DAYS_BETWEEN,
MONTHS_BETWEEN, YEARS_BETWEEN, HOURS_BETWEEN.

Date-times are UTC and whole seconds on both sides. TODAY is the date of the clock in the
installation's time zone (``CallContext.tz``): in Shanghai, 2026-01-01T20:00Z is 2026-01-02.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Mapping
from datetime import MAXYEAR, MINYEAR, UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from metadata.messages import msg
from runtime.formula import sqldates, sqlparts
from runtime.formula.ast import Literal
from runtime.formula.functions import ArgumentProblem, Function, argument_of, expect, strict
from runtime.formula.types import FType

MOMENTS = (FType.DATE, FType.DATETIME)


def as_datetime(value: date) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(), UTC)


def as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


class Today(Function):
    name, aliases, signature = "TODAY", ("今天",), "TODAY()"
    description = msg("Today's date where the business is: in the installation's time zone "
                      "(Asia/Shanghai unless configured otherwise), not UTC.")
    min_args, max_args = 0, 0

    def result_type(self, types, nodes):
        return FType.DATE

    def python(self, fns, call):
        now, tz = call.now, call.tz
        return lambda record: now().astimezone(tz).date()

    def to_sql(self, args, call):
        return sqlparts.date_literal(call.now().astimezone(call.tz).date(), call.dialect)


class Now(Function):
    name, aliases, signature = "NOW", ("现在",), "NOW()"
    description = msg("The current date and time (UTC, to the second).")
    min_args, max_args = 0, 0

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

    def to_sql(self, args, call):
        return sqldates.date_part(self.part, args[0])


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
        return sqldates.weekday(args[0])


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


def shift(moment: date, amount: int, unit: str) -> date | None:
    try:
        if unit in ("month", "year"):
            return add_months(moment, amount * 12 if unit == "year" else amount)
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
        unit = time_unit(call.nodes)
        return strict(lambda moment, amount: shift(moment, amount, unit), fns[:2])

    def to_sql(self, args, call):
        unit = time_unit(call.nodes)
        result = FType.DATETIME if unit in TIME_UNITS else call.types[0]
        if result == FType.NULL:
            result = FType.DATE
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
        start, end, evaluate = fns[0], fns[1], self.evaluate

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
        start, end = (sqldates.day_number(a, call.dialect) for a in args)
        return sqlparts.as_integer(end - start)


class MonthsBetween(DaysBetween):
    name, aliases, signature = "MONTHS_BETWEEN", ("相差月数",), "MONTHS_BETWEEN(start, end)"
    description = msg("Whole months from the start date to the end date, like DATEDIF(start, end, "
                      '"M") but negative when end is first; times of day are left out.')
    per = 1
    python = Function.python  # not DAYS_BETWEEN's shortcut

    def evaluate(self, start: date, end: date) -> Any:
        months = months_between(as_date(start), as_date(end))
        return months if self.per == 1 else int(months / self.per)

    def to_sql(self, args, call):
        return sqldates.months_between(args[0], args[1], call.dialect, self.per)


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

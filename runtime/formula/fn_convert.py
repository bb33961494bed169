"""Conversions: TEXT writes a number or a date in a format, VALUE reads a number from text.

Formats are written in the formula, from a small set that both databases can follow exactly:

- numbers: ``0`` followed by up to 10 decimal places (``0.00``), ``#,##0`` for thousands
  separators (``#,##0.00``), and a trailing ``%`` to write the number times 100 as a
  percentage (``0.0%``). Rounding is half away from zero, as ROUND does;
- dates and date-times: ``DATE_FORMATS`` (``YYYY`` year, ``MM`` / ``M`` month with or without
  a leading zero, ``DD`` / ``D`` day), and for date-times also ``TIME_FORMATS`` (``HH`` hour
  0-23, ``mm`` minute, ``ss`` second). A date-time is written as the clocks in the
  installation's time zone show it (``fn_date.wall_clock``).

Numbers are written exactly up to 15 significant digits (as ROUND rounds them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from metadata.messages import msg
from runtime.formula import sqlparts
from runtime.formula.ast import Literal
from runtime.formula.fn_date import on_calendar, on_calendar_sql
from runtime.formula.fn_math import decimal_half_up
from runtime.formula.functions import ArgumentProblem, Function, argument_of, expect, strict
from runtime.formula.types import NUMERIC, FType

NUMBER_FORMAT = re.compile(r"(?P<group>#,##)?0(?:\.(?P<places>0{1,10}))?(?P<percent>%?)")
DATE_FORMATS = ("YYYY-MM-DD", "YYYY/MM/DD", "YYYY.MM.DD", "YYYYMMDD", "YYYY-MM",
                "YYYY年MM月DD日", "YYYY年M月D日", "YYYY年M月", "M月D日", "MM/DD/YYYY",
                "DD/MM/YYYY", "DD.MM.YYYY")
TIME_FORMATS = ("YYYY-MM-DD HH:mm", "YYYY-MM-DD HH:mm:ss", "YYYY/MM/DD HH:mm",
                "YYYY年M月D日 HH:mm", "HH:mm", "HH:mm:ss")
DATE_TOKENS = re.compile(r"YYYY|MM|M|DD|D|HH|mm|ss|[^YMDHms]+")
# token: (Python, SQLite strftime, PostgreSQL to_char); an unpadded number drops its zero
PARTS: dict[str, tuple[Callable[[date], str], str, str]] = {
    "YYYY": (lambda m: f"{m.year:04d}", "%Y", "YYYY"),
    "MM": (lambda m: f"{m.month:02d}", "%m", "MM"),
    "M": (lambda m: str(m.month), "%m", "FMMM"),
    "DD": (lambda m: f"{m.day:02d}", "%d", "DD"),
    "D": (lambda m: str(m.day), "%d", "FMDD"),
    "HH": (lambda m: f"{m.hour:02d}", "%H", "HH24"),
    "mm": (lambda m: f"{m.minute:02d}", "%M", "MI"),
    "ss": (lambda m: f"{m.second:02d}", "%S", "SS"),
}
UNPADDED = ("M", "D")
PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
PLAIN_NUMBER_SQL = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"
MAX_NUMBER_TEXT = 30


@dataclass(frozen=True)
class NumberFormat:
    group: bool  # thousands separators
    places: int
    percent: bool


def number_format(text: str) -> NumberFormat | None:
    match = NUMBER_FORMAT.fullmatch(text)
    if match is None:
        return None
    return NumberFormat(bool(match["group"]), len(match["places"] or ""),
                        bool(match["percent"]))


def format_number(value: int | float, fmt: NumberFormat, whole: bool) -> str:
    """``value`` written in ``fmt``; whole numbers exactly, others rounded like ROUND."""
    if whole:
        exact = Decimal(value * 100 if fmt.percent else value)
    else:
        exact = decimal_half_up(float(value) * 100 if fmt.percent else float(value),
                                fmt.places)
        exact = exact.copy_abs() if exact == 0 else exact  # no "-0.00"
    text = format(exact, f"{',' if fmt.group else ''}.{fmt.places}f")
    return text + "%" * fmt.percent


class Text(Function):
    name, aliases, signature = "TEXT", ("文本", "格式化"), 'TEXT(value, "format")'
    description = msg('The number or date written in a format: numbers "0", "0.00", "#,##0", '
                      '"#,##0.00", "0%%", "0.0%%" (any number of decimal places up to 10); '
                      "dates %(dates)s; date-times also %(times)s.",
                      dates=", ".join(f'"{f}"' for f in DATE_FORMATS),
                      times=", ".join(f'"{f}"' for f in TIME_FORMATS))
    min_args, max_args = 2, 2

    def result_type(self, types, nodes):
        expect(types, 0, (*NUMERIC, FType.DATE, FType.DATETIME), argument_of("value", "TEXT"))
        self.parse_format(types[0], nodes[1])
        return FType.TEXT

    def parse_format(self, kind: FType, node) -> NumberFormat | list[str]:
        text = node.value if isinstance(node, Literal) and isinstance(node.value, str) else None
        if text is None:
            raise ArgumentProblem(msg("the format of TEXT must be written in quotes, e.g. "
                                      '"0.00" or "YYYY-MM-DD"'), 1)
        if kind in (*NUMERIC, FType.NULL) and (fmt := number_format(text)) is not None:
            return fmt
        allowed = DATE_FORMATS + (TIME_FORMATS if kind in (FType.DATETIME, FType.NULL) else ())
        if kind not in NUMERIC and text in allowed:
            return DATE_TOKENS.findall(text)
        if kind in NUMERIC:
            raise ArgumentProblem(msg('"%(text)s" is not a number format: use e.g. "0", '
                                      '"0.00", "#,##0.00" or "0.0%%"', text=text), 1)
        if kind == FType.DATE:
            raise ArgumentProblem(msg('"%(text)s" is not a date format: use one of %(formats)s',
                                      text=text, formats=", ".join(allowed)), 1)
        raise ArgumentProblem(msg('"%(text)s" is not a time format: use one of %(formats)s',
                                  text=text, formats=", ".join(allowed)), 1)

    def python(self, fns, call):
        fmt = self.parse_format(call.types[0], call.nodes[1])
        if isinstance(fmt, NumberFormat):
            whole = call.types[0] == FType.INTEGER
            return strict(lambda value: format_number(value, fmt, whole), fns[:1])
        parts = [PARTS[t][0] if t in PARTS else (lambda m, t=t: t) for t in fmt]
        return strict(on_calendar(lambda moment: "".join(part(moment) for part in parts),
                                  call.tz), fns[:1])

    def to_sql(self, args, call):
        fmt = self.parse_format(call.types[0], call.nodes[1])
        if isinstance(fmt, NumberFormat):
            return format_number_sql(args[0], fmt, call.types[0] == FType.INTEGER,
                                     call.dialect)
        return format_moment_sql(on_calendar_sql(args[:1], call)[0], fmt, call.dialect)


class Value(Function):
    name, aliases, signature = "VALUE", ("数值", "转数字"), "VALUE(text)"
    description = msg("The number written in the text (digits with an optional sign and decimal "
                      "point, spaces around allowed, up to 30 characters); NULL when the text is "
                      'not such a number ("1,000", "1e3" and "" are not).')

    def result_type(self, types, nodes):
        expect(types, 0, (FType.TEXT,), argument_of("text", "VALUE"))
        return FType.NUMBER

    def evaluate(self, text: str) -> Any:
        text = text.strip(" ")
        if len(text) > MAX_NUMBER_TEXT or not PLAIN_NUMBER.fullmatch(text):
            return None
        return float(text)

    def to_sql(self, args, call):
        text = sa.func.trim(args[0])
        short = sa.func.length(text) <= MAX_NUMBER_TEXT
        if call.dialect == sqlparts.PG:
            plain = text.op("~", is_comparison=True)(PLAIN_NUMBER_SQL)
        else:
            plain = sqlite_plain_number(text)
        return sa.case((sa.and_(short, plain), sqlparts.as_float(text)), else_=sa.null())


def sqlite_plain_number(text: sa.ColumnElement) -> sa.ColumnElement:
    """PLAIN_NUMBER without regular expressions: digits and at most one point after a sign."""
    digits = sa.case((sa.func.substr(text, 1, 1).in_(["+", "-"]), sa.func.substr(text, 2)),
                     else_=text)
    return sa.and_(digits.not_in(["", "."]), digits.op("NOT GLOB")("*[^0-9.]*"),
                   digits.op("NOT GLOB")("*.*.*"))


def concat(parts: Sequence[sa.ColumnElement]) -> sa.ColumnElement:
    result = parts[0]
    for part in parts[1:]:
        result = result.op("||")(part)
    return sa.type_coerce(result, sa.Text())


def format_number_sql(x: sa.ColumnElement, fmt: NumberFormat, whole: bool, dialect: str
                      ) -> sa.ColumnElement:
    """format_number in SQL: the number rounded as ROUND does (exact for whole numbers), its
    digits grouped by printf('%,d') on SQLite and a regular expression on PostgreSQL."""
    text = _format_number_sql(x, fmt, whole, dialect)
    # SQLite's printf writes NULL as 0
    return sa.case((x.is_(None), sa.null()), else_=text)


def _format_number_sql(x: sa.ColumnElement, fmt: NumberFormat, whole: bool, dialect: str
                       ) -> sa.ColumnElement:
    pg, places = dialect == sqlparts.PG, fmt.places
    if fmt.percent:
        x = x * 100 if whole else sqlparts.as_float(x) * 100.0
    suffix = ("." + "0" * places if whole and places else "") + "%" * fmt.percent
    if whole:
        number = x
    elif pg:  # a numeric keeps its decimal places when written as text
        number = sa.func.round(sa.cast(x, sa.Numeric()), places)
    else:  # + 0.0 turns -0.0 into 0.0
        number = sa.func.round(x, places) + 0.0
    if not fmt.group:
        text = (sa.cast(number, sa.Text()) if whole or pg
                else sa.func.printf(f"%.{places}f", number))
        return concat([text, sa.literal(suffix, sa.Text())])
    size = sa.func.abs(number)
    if pg:
        units = sa.cast(size if whole else sa.func.trunc(size), sa.Text())
        grouped = sa.func.regexp_replace(units, r"(\d)(?=(\d{3})+$)", r"\1,", "g")
    else:
        grouped = sa.func.printf("%,d", size)
    parts = [sa.case((number < 0, "-"), else_=""), grouped]
    if places and not whole:
        written = sa.cast(number, sa.Text()) if pg else sa.func.printf(f"%.{places}f", size)
        last = sa.func.right(written, places) if pg else sa.func.substr(written, -places)
        parts += [sa.literal(".", sa.Text()), last]
    return concat([*parts, sa.literal(suffix, sa.Text())])


def format_moment_sql(x: sa.ColumnElement, tokens: list[str], dialect: str
                      ) -> sa.ColumnElement:
    parts = []
    for token in tokens:
        if token not in PARTS:
            parts.append(sa.literal(token, sa.Text()))
        elif dialect == sqlparts.PG:
            parts.append(sa.func.to_char(sa.cast(x, sa.DateTime()), PARTS[token][2]))
        elif token in UNPADDED:
            parts.append(sa.cast(sqlparts.as_integer(sa.func.strftime(PARTS[token][1], x)),
                                 sa.Text()))
        else:
            parts.append(sa.func.strftime(PARTS[token][1], x))
    return concat(parts)


CONVERT_FUNCTIONS = (Text, Value)

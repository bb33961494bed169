"""Exact decimal numbers, for money: the API carries them as strings such as ``"1234.50"``."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext
from typing import Any

import sqlalchemy as sa

from metadata.errors import Problem
from metadata.messages import msg
from runtime.fields.base import ORDER_OPS, FieldType, FieldValueError, compare, config
from runtime.fields.roles.storage import SORT

MAX_DIGITS = 18
DEFAULT_PRECISION = 2
GROUPED_RE = re.compile(r"\d{1,3}(?:,\d{3})+")
NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?")
PLAIN_RE = re.compile(r"-?[0-9]{1,18}(?:\.[0-9]{1,18})?")
CANONICAL_PATTERN = r"^-?[0-9]{1,18}(\.[0-9]{1,10})?$"
LIMIT_SCHEMA = {"type": ["number", "string"], "pattern": r"^-?[0-9]{1,18}(\.[0-9]+)?$"}
# what people write around an amount; after NFKC (which turns ￥ into ¥ and ，into ,)
SYMBOLS = ("US$", "HK$", "NT$", "RMB", "¥", "$", "€", "£", "₩", "₹", "₽", "元")
SYMBOL_BY_CURRENCY = {"CNY": "¥", "JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "HKD": "HK$",
                      "KRW": "₩", "INR": "₹"}
WORK = Context(prec=60)
FORMAT_ERROR = msg("must be a number such as 1234.50")
FINITE = msg("must be a finite number")


def precision(fld: Mapping) -> int:
    return config(fld).get("precision", DEFAULT_PRECISION)


def _strip_symbols(text: str, currency: str | None) -> str:
    """Remove currency signs and codes at either end, and grouping commas and spaces."""
    text = unicodedata.normalize("NFKC", text).strip()
    sign = ""
    if text[:1] in "+-":
        sign, text = text[:1], text[1:].lstrip()
    changed = True
    while changed and text:
        changed = False
        for mark in (*SYMBOLS, *((currency,) if currency else ())):
            if text.upper().startswith(mark.upper()):
                text, changed = text[len(mark):].lstrip(), True
            if text.upper().endswith(mark.upper()):
                text, changed = text[:-len(mark)].rstrip(), True
    if re.fullmatch(r"[A-Z]{3}\s+.*|.*\s+[A-Z]{3}", text):
        text = re.sub(r"^[A-Z]{3}\s+|\s+[A-Z]{3}$", "", text)
    whole = text.partition(".")[0].lstrip("+-")
    if "," in text and not GROUPED_RE.fullmatch(whole):
        # "1,5" or "1.234,5" mean something else in much of Europe: refuse rather than guess
        raise FieldValueError(msg("must use . for the decimal point and , only between thousands"))
    return sign + re.sub(r"[,\s_']", "", text)


def parse_decimal(value: Any, currency: str | None = None) -> Decimal | None:
    """A finite Decimal from a JSON number or a written amount; None for a blank text."""
    if isinstance(value, bool):
        raise FieldValueError(FORMAT_ERROR)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise FieldValueError(FINITE)
        return Decimal(repr(value))  # the shortest text of the float: 0.1 stays 0.1
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise FieldValueError(FINITE)
        return value
    if not isinstance(value, str):
        raise FieldValueError(FORMAT_ERROR)
    if PLAIN_RE.fullmatch(value):
        return Decimal(value)  # the common case, written as the API returns it
    if not value.strip():
        return None
    text = _strip_symbols(value, currency)
    if not NUMBER_RE.fullmatch(text):
        raise FieldValueError(FORMAT_ERROR)
    return Decimal(text)


def quantize(number: Decimal, places: int) -> Decimal:
    """Round half up to ``places`` digits after the point, within 18 digits in all."""
    with localcontext(WORK):
        try:
            result = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        except InvalidOperation:
            raise FieldValueError(msg("is too large")) from None
        if abs(result) >= Decimal(10) ** (MAX_DIGITS - places):
            raise FieldValueError(msg("is too large (at most %(n)s digits before the decimal "
                                      "point)", n=MAX_DIGITS - places))
        return abs(result) if result == 0 else result  # no "-0.00"


def canonical(number: Decimal, places: int) -> str:
    return format(quantize(number, places), "f")


class DecimalField(FieldType):
    type = "decimal"
    list_index = SORT
    formula_type = "number"
    converts_from = frozenset({"integer", "number", "text"})
    label = {"zh": "金额/小数", "en": "Decimal"}
    icon = "¥"
    description = ("An exact decimal number for money and measures: a fixed number of digits after "
                   "the point, optional limits, currency and unit.")
    config_schema = {
        "type": "object",
        "properties": {
            "precision": {"type": "integer", "minimum": 0, "maximum": 10},
            "min": LIMIT_SCHEMA,
            "max": LIMIT_SCHEMA,
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "unit": {"type": "string", "maxLength": 20},
        },
        "additionalProperties": False,
    }
    widget = "decimal"
    numeric = True
    aggregations = ("count", "sum", "avg", "min", "max")
    filter_ops = ORDER_OPS

    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        return {"type": ["string", "number"], "pattern": CANONICAL_PATTERN}

    def coerce(self, value: Any, fld: Mapping) -> Any:
        number = parse_decimal(value, config(fld).get("currency"))
        if number is None:
            return None
        number = quantize(number, precision(fld))
        cfg = config(fld)
        if "min" in cfg and number < Decimal(str(cfg["min"])):
            raise FieldValueError(msg("must be at least %(n)s", n=cfg["min"]))
        if "max" in cfg and number > Decimal(str(cfg["max"])):
            raise FieldValueError(msg("must be at most %(n)s", n=cfg["max"]))
        return format(number, "f")

    # -- storage ------------------------------------------------------------------------------
    def column_type(self, fld: Mapping) -> sa.types.TypeEngine:
        return sa.Numeric(MAX_DIGITS, precision(fld), asdecimal=True)

    def to_row(self, value: Any, fld: Mapping) -> dict[str, Any]:
        return {fld["key"]: None if value is None else Decimal(str(value))}

    def from_row(self, row: Mapping[str, Any], fld: Mapping) -> Any:
        stored = row[fld["key"]]
        if stored is None:
            return None
        if isinstance(stored, float):
            stored = Decimal(repr(stored))
        return canonical(Decimal(stored), precision(fld))

    def filter_expression(self, table: sa.Table, fld: Mapping, op: str, value: Any
                          ) -> sa.ColumnElement:
        # bind Decimals, not the API's strings: drivers compare numeric columns with numbers
        def number(v: Any) -> Any:
            return None if v is None else Decimal(str(v))
        if op in ("in", "nin"):
            value = [number(v) for v in value]
        elif op not in ("isnull", "notnull"):
            value = number(value)
        return compare(table.c[fld["key"]], op, value)

    # -- presentation -------------------------------------------------------------------------
    def display(self, value: Any, fld: Mapping, lang: str) -> str:
        if value is None:
            return ""
        cfg = config(fld)
        places = precision(fld)
        text = f"{quantize(Decimal(str(value)), places):,.{places}f}"
        currency = cfg.get("currency")
        if currency:
            symbol = SYMBOL_BY_CURRENCY.get(currency)
            if symbol:
                text = "-" + symbol + text[1:] if text.startswith("-") else symbol + text
            else:
                text = f"{currency} {text}"
        unit = cfg.get("unit")
        return text + (f" {unit}" if unit else "")

    def widget_context(self, fld: Mapping, value: Any, lang: str) -> dict[str, Any]:
        cfg = config(fld)
        places = precision(fld)
        return {"step": format(Decimal(1).scaleb(-places), "f"),
                "example": format(Decimal(0).scaleb(-places), "f"), "min": cfg.get("min"),
                "max": cfg.get("max"), "currency": cfg.get("currency"),
                "symbol": SYMBOL_BY_CURRENCY.get(cfg.get("currency") or ""),
                "unit": cfg.get("unit")}

    # -- metadata -----------------------------------------------------------------------------
    def check(self, fld: dict, path: str, ctx) -> list[Problem]:
        cfg = config(fld)
        problems = []
        limits = {}
        for name in ("min", "max"):
            if name in cfg:
                try:
                    limits[name] = parse_decimal(cfg[name])
                except FieldValueError as exc:
                    problems.append(Problem(f"{path}/config/{name}", exc.message))
        if "min" in limits and "max" in limits and limits["min"] > limits["max"]:
            problems.append(Problem(path + "/config/min", msg("is larger than max")))
        return problems + super().check(fld, path, ctx)

"""Calendar dates; the API carries them as ISO ``YYYY-MM-DD`` strings."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from metadata.errors import Problem
from metadata.messages import msg, quoted
from runtime.fields.base import ORDER_OPS, FieldType, FieldValueError, compare, config
from runtime.fields.roles.storage import SORT

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
TIME_GRAINS = ("day", "week", "month", "quarter", "year")
FORMAT_ERROR = msg("must be a date (YYYY-MM-DD)")
# 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日 (or 号), 20240305; a time after it is ignored
DATE_RE = re.compile(
    r"(?P<y>\d{4})(?:[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})|\s*年\s*(?P<m2>\d{1,2})\s*月\s*"
    r"(?P<d2>\d{1,2})\s*[日号]?|(?P<m3>\d{2})(?P<d3>\d{2}))(?:[T\s].*)?"
)


def parse_date(value: Any) -> dt.date | None:
    """A date from the ways people write one; None for a blank text."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise FieldValueError(FORMAT_ERROR)
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return dt.date.fromisoformat(value)  # the common case: YYYY-MM-DD
        except ValueError:
            pass
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        return None
    match = DATE_RE.fullmatch(text)
    if not match:
        raise FieldValueError(FORMAT_ERROR)
    parts = match.groupdict()
    month = parts["m"] or parts["m2"] or parts["m3"]
    day = parts["d"] or parts["d2"] or parts["d3"]
    try:
        return dt.date(int(parts["y"]), int(month), int(day))
    except ValueError:
        raise FieldValueError(msg("%(value)s is not a day of the calendar",
                                  value=quoted(text))) from None


class DateField(FieldType):
    type = "date"
    list_index = SORT
    formula_type = "date"
    converts_from = frozenset({"date", "datetime", "text"})
    label = {"zh": "日期", "en": "Date"}
    icon = "31"
    description = "A calendar day (YYYY-MM-DD), with optional earliest and latest dates."
    config_schema = {
        "type": "object",
        "properties": {
            "min": {"type": "string", "pattern": DATE_PATTERN},
            "max": {"type": "string", "pattern": DATE_PATTERN},
        },
        "additionalProperties": False,
    }
    widget = "date"
    can_group_by = True
    time_grains = TIME_GRAINS
    aggregations = ("count", "min", "max", "distinct")
    filter_ops = ORDER_OPS

    def filter_input(self, fld: Mapping, lang: str) -> dict[str, Any]:
        return {"kind": "date"}

    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        return {"type": "string", "format": "date", "pattern": DATE_PATTERN}

    def coerce(self, value: Any, fld: Mapping) -> Any:
        day = parse_date(value)
        if day is None:
            return None
        cfg = config(fld)
        if "min" in cfg and day.isoformat() < cfg["min"]:
            raise FieldValueError(msg("must be on or after %(n)s", n=cfg["min"]))
        if "max" in cfg and day.isoformat() > cfg["max"]:
            raise FieldValueError(msg("must be on or before %(n)s", n=cfg["max"]))
        return day.isoformat()

    # -- storage ------------------------------------------------------------------------------
    def column_type(self, fld: Mapping) -> sa.types.TypeEngine:
        return sa.Date()

    def to_row(self, value: Any, fld: Mapping) -> dict[str, Any]:
        return {fld["key"]: parse_date(value) if value is not None else None}

    def from_row(self, row: Mapping[str, Any], fld: Mapping) -> Any:
        stored = row[fld["key"]]
        return None if stored is None else parse_date(stored).isoformat()

    def filter_expression(self, table: sa.Table, fld: Mapping, op: str, value: Any
                          ) -> sa.ColumnElement:
        # drivers (SQLite's above all) want date objects, not the API's strings
        if op in ("in", "nin"):
            value = [parse_date(v) for v in value]
        elif op not in ("isnull", "notnull") and value is not None:
            value = parse_date(value)
        return compare(table.c[fld["key"]], op, value)

    # -- presentation -------------------------------------------------------------------------
    def widget_context(self, fld: Mapping, value: Any, lang: str) -> dict[str, Any]:
        return {"min": config(fld).get("min"), "max": config(fld).get("max")}

    # -- metadata -----------------------------------------------------------------------------
    def check(self, fld: dict, path: str, ctx) -> list[Problem]:
        cfg = config(fld)
        problems = []
        for name in ("min", "max"):
            if name in cfg:
                try:
                    parse_date(cfg[name])
                except FieldValueError as exc:
                    problems.append(Problem(f"{path}/config/{name}", exc.message))
        if not problems and cfg.get("min", "") > cfg.get("max", "9999-12-31"):
            problems.append(Problem(path + "/config/min", msg("is later than max")))
        return problems + super().check(fld, path, ctx)

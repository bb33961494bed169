"""Moments in time; the API carries them as ISO 8601 UTC strings (``2024-03-05T08:30:00Z``)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from metadata.errors import Problem
from metadata.messages import msg, quoted
from metadata.orm import UTCDateTime
from runtime.fields.base import ORDER_OPS, FieldType, FieldValueError, compare, config
from runtime.fields.roles.storage import SORT

DEFAULT_TIMEZONE = "Asia/Shanghai"
TIME_GRAINS = ("hour", "day", "week", "month", "quarter", "year")
FORMAT_ERROR = msg("must be a date and time (YYYY-MM-DDTHH:MM:SSZ)")
UTC_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"
# 2024/3/5 8:30, 2024年3月5日 8:30 and the like, beside what fromisoformat takes
LOOSE_RE = re.compile(
    r"(?P<y>\d{4})(?:[-/.]|年)\s*(?P<m>\d{1,2})(?:[-/.]|月)\s*(?P<d>\d{1,2})[日号]?"
    r"(?:[T\s]+(?P<H>\d{1,2})[:时](?P<M>\d{2})分?(?::(?P<S>\d{2})(?:\.\d+)?)?)?\s*"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?"
)


@cache
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise FieldValueError(msg("unknown time zone %(name)s", name=quoted(name))) from None


def field_zone(fld: Mapping) -> ZoneInfo:
    return zone(config(fld).get("timezone", DEFAULT_TIMEZONE))


def _parse_text(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        pass
    match = LOOSE_RE.fullmatch(text)
    if not match:
        raise FieldValueError(FORMAT_ERROR)
    p = match.groupdict()
    try:
        moment = dt.datetime(int(p["y"]), int(p["m"]), int(p["d"]), int(p["H"] or 0),
                             int(p["M"] or 0), int(p["S"] or 0))
    except ValueError:
        raise FieldValueError(msg("%(value)s is not a moment of the calendar",
                                  value=quoted(text))) from None
    if p["tz"]:
        try:
            offset = dt.datetime.fromisoformat("2000-01-01T00:00" + p["tz"]).tzinfo
        except ValueError:  # +99:00: offsets stay within a day
            raise FieldValueError(msg("%(offset)s is not a time zone offset (from -23:59 to "
                                      "+23:59)", offset=quoted(p["tz"]))) from None
        moment = moment.replace(tzinfo=offset)
    return moment


def _iso(value: str) -> dt.datetime | None:
    """The common case, strict ISO 8601 (2024-03-05T08:30:00+08:00 or ...Z), parsed fast."""
    if len(value) < 16 or value[10] != "T" or not value[:4].isdigit():
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def parse_datetime(value: Any, tz: dt.tzinfo) -> dt.datetime | None:
    """An aware UTC datetime, seconds precision; naive input is local time in ``tz``."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        moment = _iso(value)
        if moment is None:
            text = unicodedata.normalize("NFKC", value).strip()
            if not text:
                return None
            moment = _parse_text(text)
    else:
        raise FieldValueError(FORMAT_ERROR)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    try:
        return moment.astimezone(dt.UTC).replace(microsecond=0)
    except OverflowError:
        raise FieldValueError(msg("is out of range")) from None


def utc_text(moment: dt.datetime) -> str:
    # isoformat, not strftime: strftime writes the year 286 as "286", which nothing parses
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


class DateTimeField(FieldType):
    type = "datetime"
    list_index = SORT
    formula_type = "datetime"
    converts_from = frozenset({"date", "datetime", "text"})
    label = {"zh": "日期时间", "en": "Date and time"}
    icon = "◔"
    description = ("A moment in time, kept in UTC and shown in the field's time zone "
                   "(Asia/Shanghai unless set).")
    config_schema = {
        "type": "object",
        "properties": {
            "timezone": {"type": "string", "minLength": 1, "maxLength": 64,
                         "pattern": r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*$"},
            "min": {"type": "string", "maxLength": 40},
            "max": {"type": "string", "maxLength": 40},
        },
        "additionalProperties": False,
    }
    widget = "datetime"
    can_group_by = True
    time_grains = TIME_GRAINS
    aggregations = ("count", "min", "max")
    filter_ops = ORDER_OPS

    def filter_input(self, fld: Mapping, lang: str) -> dict[str, Any]:
        return {"kind": "datetime"}

    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        return {"type": "string", "format": "date-time", "pattern": UTC_PATTERN}

    def coerce(self, value: Any, fld: Mapping) -> Any:
        tz = field_zone(fld)
        moment = parse_datetime(value, tz)
        if moment is None:
            return None
        cfg = config(fld)
        if "min" in cfg and moment < parse_datetime(cfg["min"], tz):
            raise FieldValueError(msg("must be at or after %(n)s", n=cfg["min"]))
        if "max" in cfg and moment > parse_datetime(cfg["max"], tz):
            raise FieldValueError(msg("must be at or before %(n)s", n=cfg["max"]))
        return utc_text(moment)

    def parse_form(self, raw: Sequence[str], fld: Mapping) -> Any:
        # <input type="datetime-local"> posts "2024-03-05T08:30": local time, which coerce reads
        # in the field's time zone
        text = raw[-1].strip() if raw else ""
        return text or None

    # -- storage ------------------------------------------------------------------------------
    def column_type(self, fld: Mapping) -> sa.types.TypeEngine:
        return UTCDateTime()

    def to_row(self, value: Any, fld: Mapping) -> dict[str, Any]:
        return {fld["key"]: None if value is None else parse_datetime(value, dt.UTC)}

    def from_row(self, row: Mapping[str, Any], fld: Mapping) -> Any:
        stored = row[fld["key"]]
        return None if stored is None else utc_text(parse_datetime(stored, dt.UTC))

    def filter_expression(self, table: sa.Table, fld: Mapping, op: str, value: Any
                          ) -> sa.ColumnElement:
        tz = field_zone(fld)
        if op in ("in", "nin"):
            value = [parse_datetime(v, tz) for v in value]
        elif op not in ("isnull", "notnull") and value is not None:
            value = parse_datetime(value, tz)
        return compare(table.c[fld["key"]], op, value)

    # -- presentation -------------------------------------------------------------------------
    def local(self, value: Any, fld: Mapping) -> dt.datetime | None:
        """The value as an aware datetime in the field's time zone."""
        if value is None:
            return None
        return parse_datetime(value, dt.UTC).astimezone(field_zone(fld))

    def display(self, value: Any, fld: Mapping, lang: str) -> str:
        moment = self.local(value, fld)
        return "" if moment is None else moment.replace(tzinfo=None).isoformat(" ", "minutes")

    def widget_context(self, fld: Mapping, value: Any, lang: str) -> dict[str, Any]:
        """The value as ``datetime-local`` wants it (local time, no offset) and the zone."""
        moment = self.local(value, fld) if value is not None else None
        local = moment.replace(tzinfo=None).isoformat(timespec="minutes") if moment else ""
        return {"local_value": local,  # the year in four digits, as the input wants
                "timezone": config(fld).get("timezone", DEFAULT_TIMEZONE)}

    # -- metadata -----------------------------------------------------------------------------
    def check(self, fld: dict, path: str, ctx) -> list[Problem]:
        problems = []
        try:
            tz = field_zone(fld)
        except FieldValueError as exc:
            return [Problem(path + "/config/timezone", exc.message)]
        limits = {}
        for name in ("min", "max"):
            if name in config(fld):
                try:
                    limits[name] = parse_datetime(config(fld)[name], tz)
                except FieldValueError as exc:
                    problems.append(Problem(f"{path}/config/{name}", exc.message))
        if "min" in limits and "max" in limits and limits["min"] > limits["max"]:
            problems.append(Problem(path + "/config/min", msg("is later than max")))
        return problems + super().check(fld, path, ctx)

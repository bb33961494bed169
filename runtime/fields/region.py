"""A place: province/city/district in China, free text elsewhere.

The API carries ``{"country": "CN", "province": "广东省", "city": "深圳市", "district": "南山区"}``
(city and district optional) or ``{"country": "US", "text": "Austin, Texas"}``; a written place such
as ``广东深圳南山`` or ``北京`` is read as a place in China. Names are stored canonical (``北京`` →
``北京市``), in five columns ``<key>__country``, ``__province``, ``__city``, ``__district`` and
``__text``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from metadata.errors import Problem
from metadata.messages import msg, quoted
from runtime.fields.base import EQUALITY_OPS, FieldType, FieldValueError, config
from runtime.fields.regions import RegionDataError, region_data, set_region_data_path
from runtime.fields.roles.cleaning import INVALID_OPTION, KEEP, keeps_invalid

__all__ = ["RegionField", "region_data", "set_region_data_path"]

CHINA = "CN"
LEVELS = ("province", "city", "district")
PARTS = ("country", *LEVELS, "text")  # stored, one column each
INPUT_PARTS = (*PARTS, "code")  # the code is worked out from the names
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
MAX_KEY = 63 - len("__district")  # longest column name within PostgreSQL's 63 characters
NAME_LENGTH = 64
TEXT_LENGTH = 255


def _text(value: Any, part: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldValueError(msg("%(part)s must be a text", part=part))
    return value.strip() or None


Names = tuple[str, str | None, str | None]


def _resolved(find: Callable[[], Names], written: str, keep: bool) -> dict[str, str]:
    """A place in China as ``find`` reads it; when it does not and the field ``keep``s what
    does not resolve, the written text (flagged ``unresolved``)."""
    try:
        return _china(*find())
    except RegionDataError:
        raise
    except FieldValueError:
        if not keep:
            raise
        return {"country": CHINA, "text": " ".join(written.split())[:TEXT_LENGTH]}


def read_place(value: Any, keep: bool = False) -> dict[str, str] | None:
    """A canonical place from an API value or a written one, before the field's own limits;
    ``keep``: a place in China that does not resolve is kept as its text."""
    data = region_data()
    if isinstance(value, str):
        return None if not value.strip() else _resolved(lambda: data.resolve(value), value,
                                                         keep)
    if not isinstance(value, dict):
        raise FieldValueError(msg("must be a place: a text such as 广东省深圳市南山区, or an "
                                  "object with a country"))
    unknown = sorted(set(value) - set(INPUT_PARTS))
    if unknown:
        raise FieldValueError(msg("unknown part %(part)s (allowed: %(allowed)s)",
                                  part=quoted(unknown[0]), allowed=", ".join(INPUT_PARTS)))
    parts = {part: _text(value.get(part), part) for part in INPUT_PARTS}
    if not any(parts.values()):
        return None
    named = any(parts[p] for p in LEVELS) or parts["code"]
    country = (parts["country"] or (CHINA if named else "")).upper()
    if not COUNTRY_RE.match(country):
        raise FieldValueError(msg("country must be a two-letter ISO code such as CN or US"))
    if country == CHINA:
        return _china_parts(parts, keep)
    if named:
        raise FieldValueError(msg("province, city and district are for places in China; "
                                  "write other places as text"))
    if parts["text"] and len(parts["text"]) > TEXT_LENGTH:
        raise FieldValueError(msg("text must be at most %(n)s characters long", n=TEXT_LENGTH))
    return {"country": country, **({"text": parts["text"]} if parts["text"] else {})}


def _china_parts(parts: dict[str, str | None], keep: bool) -> dict[str, str]:
    """A place in China given by parts: by level, else by its text, else by its code."""
    data = region_data()
    levels = [parts[p] for p in LEVELS]
    if any(levels):
        return _resolved(lambda: data.canonical(*levels), " ".join(p for p in levels if p),
                         keep)
    written = parts["text"] or parts["code"]
    if written:
        return _resolved(lambda: data.resolve(written), written, keep)
    return {"country": CHINA}


def _china(province: str, city: str | None, district: str | None) -> dict[str, str]:
    place = {"country": CHINA, "province": province, "city": city, "district": district}
    return {k: v for k, v in place.items() if v}


def with_code(place: dict[str, str]) -> dict[str, str]:
    """A canonical place in China with its administrative code (when the data knows it)."""
    if place.get("country") != CHINA or "province" not in place:
        return place
    try:
        code = region_data().code_of(place["province"], place.get("city"),
                                     place.get("district"))
    except FieldValueError:  # no region data: the names alone
        return place
    return {**place, "code": code} if code else place


class RegionField(FieldType):
    type = "region"
    label = {"zh": "地区", "en": "Region"}
    icon = "◎"
    description = ("A place: province, city and district in China (names checked and made "
                   "canonical), free text in other countries.")
    config_schema = {
        "type": "object",
        "properties": {
            "levels": {"enum": [1, 2, 3]},
            "countries": {"type": "array", "minItems": 1, "uniqueItems": True,
                          "items": {"type": "string", "pattern": "^[A-Z]{2}$"}},
            "require_full": {"type": "boolean"},
            "invalid": INVALID_OPTION,
        },
        "additionalProperties": False,
    }
    widget = "region"
    searchable = True
    can_group_by = True
    aggregations = ("count",)
    filter_ops = EQUALITY_OPS

    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        name = {"type": "string", "minLength": 1, "maxLength": NAME_LENGTH}
        return {
            "type": "object",
            "required": ["country"],
            "properties": {"country": {"type": "string", "pattern": "^[A-Z]{2}$"},
                           "province": name, "city": name, "district": name,
                           "code": {"type": "string", "pattern": "^[0-9]{6}$"},
                           "text": {"type": "string", "minLength": 1, "maxLength": TEXT_LENGTH}},
            "additionalProperties": False,
        }

    def coerce(self, value: Any, fld: Mapping) -> Any:
        cfg = config(fld)
        allowed = cfg.get("countries")
        if isinstance(value, str) and allowed and CHINA not in allowed and value.strip():
            value = {"country": allowed[0], "text": value} if len(allowed) == 1 else value
        keep = keeps_invalid(fld, KEEP)
        place = read_place(value, keep)
        if place is None:
            return None
        if allowed and place["country"] not in allowed:
            raise FieldValueError(msg("must be a place in %(countries)s",
                                      countries=", ".join(allowed)))
        if place["country"] != CHINA:
            if not place.get("text"):
                raise FieldValueError(msg("must say where: the place's text is missing"))
            return place
        levels = cfg.get("levels", 3)
        for level in LEVELS[levels:]:
            place.pop(level, None)
        if cfg.get("require_full") and not (keep and self.flag_of(place, fld)):
            self._require_full(place, levels)
        return with_code(place)

    def coerce_filter(self, value: Any, fld: Mapping) -> Any:
        # a filter may name just a province ("广东") even where entry requires a district
        read_place(value)
        return value

    @staticmethod
    def _require_full(place: dict[str, str], levels: int) -> None:
        if "province" not in place:
            raise FieldValueError(msg("must name the province"))
        if levels >= 2 and "city" not in place:
            raise FieldValueError(msg("must name the city"))
        if levels >= 3 and "district" not in place and region_data().has_districts(
                place["province"], place["city"]):
            raise FieldValueError(msg("must name the district"))

    def parse_form(self, raw: Sequence[str], fld: Mapping) -> Any:
        """The widget posts, under the field's key: country, then province, city, district (China)
        or the place's text (elsewhere)."""
        parts = [r.strip() for r in raw]
        if not any(parts):
            return None
        country = parts[0].upper() if parts and COUNTRY_RE.match(parts[0].upper()) else None
        rest = [p for p in (parts[1:] if country else parts) if p]
        if country and country != CHINA:
            return {"country": country, "text": " ".join(rest)} if rest else None
        if not rest:
            return None
        return {"country": CHINA, **dict(zip(LEVELS, rest, strict=False))}

    # -- storage ------------------------------------------------------------------------------
    @staticmethod
    def column_names(fld: Mapping) -> dict[str, str]:
        return {part: f"{fld['key']}__{part}" for part in PARTS}

    def columns(self, fld: Mapping) -> list[sa.Column]:
        names = self.column_names(fld)
        types = {"country": sa.String(2), "province": sa.String(NAME_LENGTH),
                 "city": sa.String(NAME_LENGTH), "district": sa.String(NAME_LENGTH),
                 "text": sa.String(TEXT_LENGTH)}
        return [sa.Column(names[part], types[part], nullable=True, index=part == "province")
                for part in PARTS]

    def to_row(self, value: Any, fld: Mapping) -> dict[str, Any]:
        value = value or {}
        return {name: value.get(part) for part, name in self.column_names(fld).items()}

    def from_row(self, row: Mapping[str, Any], fld: Mapping) -> Any:
        names = self.column_names(fld)
        if row[names["country"]] is None:
            return None
        return with_code({part: row[name] for part, name in names.items()
                          if row[name] is not None})

    def sort_expression(self, table: sa.Table, fld: Mapping) -> sa.ColumnElement:
        cols = [table.c[name] for name in self.column_names(fld).values()]
        expr = sa.func.coalesce(cols[0], "")
        for col in cols[1:]:
            expr = expr + "/" + sa.func.coalesce(col, "")
        return expr

    def filter_expression(self, table: sa.Table, fld: Mapping, op: str, value: Any
                          ) -> sa.ColumnElement:
        names = self.column_names(fld)
        country = table.c[names["country"]]
        if op in ("isnull", "notnull"):
            return country.is_(None) if op == "isnull" else country.is_not(None)
        if op in ("eq", "ne"):
            values = [value]
        elif op in ("in", "nin"):
            values = list(value) if isinstance(value, list | tuple) else [value]
        else:
            raise FieldValueError(msg("operator %(op)s is not available for a region",
                                      op=quoted(op)))
        places = [p for p in (self._filter_place(read_place(v), fld) for v in values) if p]
        if not places:
            return country.is_(None) if op in ("eq", "in") else country.is_not(None)
        # a place matches records inside it: 广东省 matches every city and district of Guangdong
        match = sa.or_(*(sa.and_(*(table.c[names[part]] == text for part, text in place.items()))
                         for place in places))
        return match if op in ("eq", "in") else sa.or_(~match, country.is_(None))

    @staticmethod
    def _filter_place(place: dict[str, str] | None, fld: Mapping) -> dict[str, str] | None:
        """A place as a filter: no finer than the field stores, no implied municipal city."""
        if place is None:
            return None
        for level in LEVELS[config(fld).get("levels", 3):]:
            place.pop(level, None)
        if "district" not in place and place.get("city") == place.get("province"):
            place.pop("city", None)
        return place

    def search_text(self, value: Any, fld: Mapping) -> list[str]:
        # by its names (a municipality is its own city: named once)
        return list(dict.fromkeys(value[p] for p in (*LEVELS, "text") if value and value.get(p)))

    # -- cleaning flags -----------------------------------------------------------------------
    def cleaning_input(self) -> str | None:
        return "text"  # a cleaning rule writes a place as people do: 广东省深圳市

    def flag_codes(self, fld: Mapping) -> tuple[str, ...]:
        return ("unresolved",) if keeps_invalid(fld, KEEP) else ()

    def flag_of(self, value: Any, fld: Mapping) -> str | None:
        # kept as written: a place in China known by its text alone
        if value and value.get("country") == CHINA and value.get("text") \
                and not value.get("province"):
            return "unresolved"
        return None

    def flag_expression(self, table: sa.Table, fld: Mapping, op: str,
                        codes: Sequence[str] | None) -> sa.ColumnElement[bool]:
        names = self.column_names(fld)
        found = sa.and_(sa.func.coalesce(table.c[names["country"]], "") == CHINA,
                        table.c[names["province"]].is_(None),
                        table.c[names["text"]].is_not(None))
        return found if op == "flagged" else sa.not_(found)

    # -- presentation -------------------------------------------------------------------------
    def display(self, value: Any, fld: Mapping, lang: str) -> str:
        if not value:
            return ""
        if value.get("country") == CHINA:
            # a municipality is its own city: 北京市 朝阳区, not 北京市 北京市 朝阳区
            names = dict.fromkeys(value[p] for p in LEVELS if value.get(p))
            return " ".join(names) or value.get("text") or CHINA
        return f"{value.get('text', '')} ({value['country']})".strip()

    def filter_input(self, fld: Mapping, lang: str) -> dict[str, Any]:
        """Typed, with the provinces and cities offered as one types (a place matches the
        records inside it; a municipality is named once)."""
        data, cities = region_data(), config(fld).get("levels", 3) >= 2
        try:
            names = [n for p in data.provinces()
                     for n in dict.fromkeys([p, *(data.cities(p) if cities else ())])]
        except FieldValueError:  # the data file is not installed: plain text still filters
            names = []
        return {"kind": "text", "suggestions": names}

    def widget_context(self, fld: Mapping, value: Any, lang: str) -> dict[str, Any]:
        value = value or {}
        cfg = config(fld)
        context: dict[str, Any] = {
            "country": value.get("country", CHINA), "text": value.get("text", ""),
            **{level: value.get(level, "") for level in LEVELS},
            "levels": cfg.get("levels", 3), "countries": cfg.get("countries"),
            "provinces": [], "cities": [], "districts": [], "data_error": None,
            # kept as written (not resolved): posted back until a province is picked
            "kept": value.get("text", "") if self.flag_of(value, fld) else "",
        }
        try:
            data = region_data()
            context["provinces"] = data.provinces()
            if value.get("province"):
                context["cities"] = data.cities(value["province"])
                if value.get("city"):
                    context["districts"] = data.districts(value["province"], value["city"])
        except FieldValueError as exc:
            context["data_error"] = exc.message
        return context

    # -- metadata -----------------------------------------------------------------------------
    def check(self, fld: dict, path: str, ctx) -> list[Problem]:
        problems = []
        if len(fld.get("key", "")) > MAX_KEY:
            problems.append(Problem(path + "/key", msg(
                "a region field's key must be at most %(n)s characters long", n=MAX_KEY)))
        return problems + super().check(fld, path, ctx)

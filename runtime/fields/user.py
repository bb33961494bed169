"""A member of the organisation (or several), picked from the directory."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from metadata.messages import msg
from metadata.orm import MAX_INTEGER, JSONValue, whole_number
from runtime.fields.base import (
    EQUALITY_OPS,
    USERS,
    FieldType,
    FieldValueError,
    UserNames,
    compare,
    config,
    like_escape,
)
from runtime.fields.multiselect import json_is_null
from runtime.fields.roles.storage import FILTER

ID_ERROR = msg("must be the id of a user (a positive whole number)")


def user_id(value: Any) -> int:
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().lstrip("#")
        value = whole_number(text) if whole_number(text) is not None else value
    if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_INTEGER:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_INTEGER:
        raise FieldValueError(ID_ERROR)
    return value


class UserField(FieldType):
    type = "user"
    list_index = FILTER
    label = {"zh": "成员", "en": "User"}
    icon = "☺"
    description = "A member of the organisation, or several when `multiple` is set."
    config_schema = {
        "type": "object",
        "properties": {
            "multiple": {"type": "boolean"},
            "roles": {"type": "array", "items": {"$ref": "#/$defs/key"}, "uniqueItems": True,
                      "maxItems": 50},
        },
        "additionalProperties": False,
    }
    widget = "user"
    public_input = False
    holds_users = True
    can_group_by = True
    aggregations = ("count", "distinct")
    filter_ops = EQUALITY_OPS

    def filter_input(self, fld: Mapping, lang: str) -> dict[str, Any]:
        return {"kind": "user"}

    @staticmethod
    def multiple(fld: Mapping) -> bool:
        return bool(config(fld).get("multiple"))

    def holds_one_user(self, fld: Mapping) -> bool:
        return not self.multiple(fld)

    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        one = {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER}
        if self.multiple(fld):
            return {"type": "array", "items": one, "uniqueItems": True}
        return one

    def coerce(self, value: Any, fld: Mapping) -> Any:
        if not self.multiple(fld):
            if isinstance(value, list):
                raise FieldValueError(msg("must be one user"))
            if isinstance(value, str) and not value.strip():
                return None
            return user_id(value)
        if not isinstance(value, list):
            value = [value]
        ids = list(dict.fromkeys(user_id(v) for v in value
                                 if not (isinstance(v, str) and not v.strip())))
        return ids or None

    def parse_form(self, raw: Sequence[str], fld: Mapping) -> Any:
        values = [r.strip() for r in raw if r.strip()]
        if self.multiple(fld):
            return values or None
        return values[-1] if values else None

    def unknown_references(self, fld: Mapping, values: Sequence[Any], refs, app_key: str
                           ) -> dict[int, str]:
        def ids(v: Any) -> list[int]:
            return [] if v is None else v if isinstance(v, list) else [v]
        wanted = {i for v in values for i in ids(v)}
        if not wanted:
            return {}
        found = refs.existing_user_ids(wanted)
        problems = {}
        for n, v in enumerate(values):
            missing = [i for i in ids(v) if i not in found]
            if missing:
                problems[n] = msg("user %(n)s does not exist", n=missing[0])
        return problems

    # -- storage ------------------------------------------------------------------------------
    def column_type(self, fld: Mapping) -> sa.types.TypeEngine:
        return JSONValue if self.multiple(fld) else sa.Integer()

    def columns(self, fld: Mapping) -> list[sa.Column]:
        return [sa.Column(fld["key"], self.column_type(fld), nullable=True,
                          index=not self.multiple(fld))]

    def to_row(self, value: Any, fld: Mapping) -> dict[str, Any]:
        if self.multiple(fld):
            # SQL NULL, not the JSON null that a plain None would become in a JSON column
            return {fld["key"]: value or sa.null()}
        return {fld["key"]: value}

    def from_row(self, row: Mapping[str, Any], fld: Mapping) -> Any:
        stored = row[fld["key"]]
        return (stored or None) if self.multiple(fld) else stored

    def filter_expression(self, table: sa.Table, fld: Mapping, op: str, value: Any
                          ) -> sa.ColumnElement:
        column = table.c[fld["key"]]
        if not self.multiple(fld):
            if isinstance(value, list) and op in ("eq", "ne"):
                value = value[0] if value else None
            return compare(column, op, value)
        if op in ("isnull", "notnull"):
            return json_is_null(column) if op == "isnull" else ~json_is_null(column)
        wanted = [v for item in (value if isinstance(value, list) else [value])
                  for v in (item if isinstance(item, list) else [item])]
        # a JSON list of integers: match the id between delimiters ([, ", ", ]) as text
        text = sa.func.replace(sa.cast(column, sa.Text), " ", "")
        has = sa.or_(sa.false(), *(
            sa.or_(text.like(f"%[{like_escape(str(i))},%", escape="\\"),
                   text.like(f"%,{like_escape(str(i))},%", escape="\\"),
                   text.like(f"%,{like_escape(str(i))}]%", escape="\\"),
                   text == f"[{i}]")
            for i in wanted))
        return sa.or_(~has, json_is_null(column)) if op in ("ne", "nin") else has

    def sort_expression(self, table: sa.Table, fld: Mapping) -> sa.ColumnElement | None:
        return None if self.multiple(fld) else table.c[fld["key"]]

    # -- presentation -------------------------------------------------------------------------
    def display(self, value: Any, fld: Mapping, lang: str) -> str:
        if value in (None, []):
            return ""
        return ", ".join(f"#{v}" for v in (value if isinstance(value, list) else [value]))

    def widget_context(self, fld: Mapping, value: Any, lang: str) -> dict[str, Any]:
        selected = [] if value is None else value if isinstance(value, list) else [value]
        return {"multiple": self.multiple(fld), "roles": list(config(fld).get("roles", [])),
                "selected": selected}

    def names(self, fld: Mapping) -> UserNames:
        return USERS

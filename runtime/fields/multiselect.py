"""Several choices from a list."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from metadata.errors import Problem
from metadata.messages import msg, quoted
from metadata.orm import JSONValue
from runtime.fields.base import FieldType, FieldValueError, config, label_text, like_escape
from runtime.fields.select import (
    CHOICES_SCHEMA,
    choice_label,
    choice_labels,
    choice_values,
    choices_basis,
    choices_problems,
    formula_choices,
    not_a_choice,
)
from runtime.formula.types import Choice

LIST_OF_CHOICES = msg("must be a list of choices")


def _choice_of(fld: Mapping, item: Any) -> str:
    """The choice value ``item`` names, by value or by one of its labels."""
    if not isinstance(item, str):
        raise FieldValueError(LIST_OF_CHOICES)
    values = choice_values(fld)
    if item in values:
        return item
    text = item.strip()
    for choice in config(fld).get("choices", []):
        labels = choice["label"].values() if isinstance(choice["label"], dict) else [
            choice["label"]]
        if text == choice["value"] or text in labels:
            return choice["value"]
    raise not_a_choice(item, values)


def _split(fld: Mapping, text: str) -> list[str]:
    """One choice, or several written "a, b" / "a；b" / "a、b" (as imports carry them)."""
    try:
        return [_choice_of(fld, text)] if text.strip() else []
    except FieldValueError:
        return [p for p in re.split(r"[,;，；、]", text) if p.strip()]


def _json_texts(value: str) -> set[str]:
    """How a string may appear inside stored JSON text: escaped to ASCII or not."""
    return {json.dumps(value), json.dumps(value, ensure_ascii=False)}


def json_is_null(column: sa.ColumnElement) -> sa.ColumnElement:
    """SQL NULL, or the JSON null a JSON column stores for None."""
    return sa.or_(column.is_(None), sa.cast(column, sa.Text) == "null")


class MultiSelectField(FieldType):
    type = "multiselect"
    formula_type = "list of text"
    converts_from = frozenset({"text", "list of text"})
    label = {"zh": "多选", "en": "Multiple choice"}
    icon = "☷"
    description = "Any number of values from a list of choices, kept in the order given."
    config_schema = {
        "type": "object",
        "required": ["choices"],
        "properties": {
            "choices": CHOICES_SCHEMA,
            "min_items": {"type": "integer", "minimum": 0, "maximum": 1000},
            "max_items": {"type": "integer", "minimum": 1, "maximum": 1000},
            "display": {"enum": ["dropdown", "checkboxes"]},
        },
        "additionalProperties": False,
    }
    widget = "multiselect"
    searchable = True  # by the labels of its choices, in both languages
    sortable = False
    aggregations = ("count",)
    filter_ops = ("contains", "in", "isnull", "notnull")

    def filter_input(self, fld: Mapping, lang: str) -> dict[str, Any]:
        return {"kind": "choice", "choices": [
            {"value": c["value"], "label": label_text(c.get("label"), lang) or str(c["value"])}
            for c in config(fld).get("choices", [])]}

    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array", "uniqueItems": True,
                                  "items": {"type": "string", "enum": choice_values(fld)}}
        cfg = config(fld)
        if "max_items" in cfg:
            schema["maxItems"] = cfg["max_items"]
        return schema

    def coerce(self, value: Any, fld: Mapping) -> Any:
        if isinstance(value, str):
            value = _split(fld, value)
        if not isinstance(value, list):
            raise FieldValueError(LIST_OF_CHOICES)
        items = list(dict.fromkeys(_choice_of(fld, item) for item in value if item != ""))
        if not items:
            return None
        cfg = config(fld)
        if len(items) < cfg.get("min_items", 0):
            raise FieldValueError(msg("must have at least %(n)s choices", n=cfg["min_items"]))
        if "max_items" in cfg and len(items) > cfg["max_items"]:
            raise FieldValueError(msg("may have at most %(n)s choices", n=cfg["max_items"]))
        return items

    def parse_form(self, raw: Sequence[str], fld: Mapping) -> Any:
        items = [r.strip() for r in raw if r.strip()]
        return items or None

    # -- storage ------------------------------------------------------------------------------
    def column_type(self, fld: Mapping) -> sa.types.TypeEngine:
        return JSONValue

    def to_row(self, value: Any, fld: Mapping) -> dict[str, Any]:
        # SQL NULL, not the JSON null that a plain None would become in a JSON column
        return {fld["key"]: value or sa.null()}

    def from_row(self, row: Mapping[str, Any], fld: Mapping) -> Any:
        return row[fld["key"]] or None

    def filter_expression(self, table: sa.Table, fld: Mapping, op: str, value: Any
                          ) -> sa.ColumnElement:
        column = table.c[fld["key"]]
        if op in ("isnull", "notnull"):
            return json_is_null(column) if op == "isnull" else ~json_is_null(column)
        if op not in ("contains", "in"):
            return super().filter_expression(table, fld, op, value)
        # one choice, a list of choices, or (for "in") a list of coerced values, which are lists
        wanted = [v for item in (value if isinstance(value, list) else [value])
                  for v in (item if isinstance(item, list) else [item])]
        if not wanted:
            return sa.false()
        # the JSON text holds each choice as a JSON string: "金融" from PostgreSQL's JSONB cast
        # to text, "\\u91d1\\u878d" where the serializer escapes to ASCII (SQLite's default)
        text = sa.cast(column, sa.Text)
        return sa.or_(*(text.like(f"%{like_escape(pattern)}%", escape="\\")
                        for v in wanted for pattern in sorted(_json_texts(str(v)))))

    def search_text(self, value: Any, fld: Mapping) -> list[str]:
        return [label for v in value or [] for label in choice_labels(fld, v)]

    def search_basis(self, fld: Mapping) -> Any:
        return choices_basis(fld)

    def formula_choices(self, fld: Mapping) -> list[Choice]:
        return formula_choices(fld)

    # -- presentation -------------------------------------------------------------------------
    def display(self, value: Any, fld: Mapping, lang: str) -> str:
        return ", ".join(choice_label(fld, v, lang) for v in value or [])

    def widget_context(self, fld: Mapping, value: Any, lang: str) -> dict[str, Any]:
        selected = set(value or [])
        return {"choices": [{"value": c["value"], "label": label_text(c["label"], lang),
                             "color": c.get("color"), "selected": c["value"] in selected}
                            for c in config(fld).get("choices", [])],
                "display": config(fld).get("display", "dropdown")}

    # -- metadata -----------------------------------------------------------------------------
    def check(self, fld: dict, path: str, ctx) -> list[Problem]:
        problems = choices_problems(fld, path)
        cfg = config(fld)
        if cfg.get("min_items", 0) > cfg.get("max_items", 1000):
            problems.append(Problem(path + "/config/min_items",
                                    msg("is larger than max_items")))
        default = fld.get("default")
        if default is not None:
            values = set(choice_values(fld))
            items = default if isinstance(default, list) else [default]
            missing = [v for v in items if not isinstance(v, str) or v not in values]
            if missing:
                problems.append(Problem(path + "/default", msg(
                    "default %(value)s is not among the choices", value=quoted(missing[0]))))
                return problems
        return problems + super().check(fld, path, ctx)

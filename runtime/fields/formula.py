"""Calculated fields: a formula over the record, stored in a real column on every save.

The column's type follows the type inferred from the formula (``config.result_type``, filled
in by the runtime's formula analysis, never written by people); storing and showing a value is
left to the field type of that shape (text, whole number, yes/no, date, date and time), and
fractional numbers get a double-precision column of their own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from metadata.errors import Problem
from metadata.messages import msg
from runtime.fields.base import ORDER_OPS, TEXT_OPS, FieldType, FieldValueError, config
from runtime.fields.roles.storage import SORT

SHAPES = {"text": "text", "integer": "number", "boolean": "boolean", "date": "date",
          "datetime": "datetime"}
NUMBER = msg("must be a number")


class FormulaField(FieldType):
    type = "formula"
    list_index = SORT
    label = {"zh": "公式", "en": "Formula"}
    icon = "ƒx"
    description = ("A value calculated from the record's other fields by a formula such as "
                   "IF({employees} > 500, 25, 0); stored on every save so lists, filters and "
                   "reports can use it.")
    config_schema = {
        "type": "object",
        "required": ["formula"],
        "properties": {
            "formula": {"type": "string", "minLength": 1, "maxLength": 4000,
                        "title": "the formula, e.g. IF({employees} > 500, 25, 0)"},
            "decimals": {"type": "integer", "minimum": 0, "maximum": 10,
                         "title": "decimal places shown for fractional numbers"},
            "unit": {"type": "string", "maxLength": 20},
            "result_type": {"enum": ["text", "integer", "number", "boolean", "date",
                                     "datetime"],
                            "title": "what the formula gives: inferred from it when published",
                            "readOnly": True},
        },
        "additionalProperties": False,
    }
    widget = "readonly"
    generated = True  # nobody sets it: the runtime calculates it
    calculated = True
    can_group_by = True
    aggregations = ("count", "sum", "avg", "min", "max", "distinct")
    filter_ops = tuple(dict.fromkeys((*ORDER_OPS, *TEXT_OPS)))
    sub_field_allowed = False

    def bind(self, registry: Mapping[str, FieldType]) -> None:
        super().bind(registry)
        self._registry = registry

    def calculation(self, fld: Mapping) -> str | None:
        source = config(fld).get("formula")
        return source if isinstance(source, str) else None

    def result_type(self, fld: Mapping) -> str:
        return config(fld).get("result_type", "text")

    def shape(self, fld: Mapping) -> FieldType | None:
        """The field type holding values like this one's (None: fractional numbers)."""
        name = SHAPES.get(self.result_type(fld))
        return None if name is None else self._registry[name]

    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        shape = self.shape(fld)
        schema = {"type": "number"} if shape is None else shape.value_schema(fld)
        return {**schema, "readOnly": True}

    def coerce(self, value: Any, fld: Mapping) -> Any:
        """A calculated (or converted) value in the stored representation of its result type.
        The runtime stores NULL for a result that has none."""
        if value is None:
            return None
        if self.result_type(fld) == "number":
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise FieldValueError(NUMBER)
            try:
                number = float(value)
            except ValueError:
                raise FieldValueError(NUMBER) from None
            if not math.isfinite(number):
                raise FieldValueError(msg("must be a finite number"))
            return number
        if isinstance(value, datetime | date):
            value = value.isoformat()
        return self.shape(fld).coerce(value, {"key": fld["key"], "type": fld["type"]})

    def column_type(self, fld: Mapping) -> sa.types.TypeEngine:
        shape = self.shape(fld)
        return sa.Double() if shape is None else shape.column_type({"key": fld["key"]})

    # stored, read and compared as its shape's values are: a date column binds date objects
    def to_row(self, value: Any, fld: Mapping) -> dict[str, Any]:
        shape = self.shape(fld)
        return {fld["key"]: value} if shape is None else shape.to_row(value, _as(shape, fld))

    def from_row(self, row: Mapping[str, Any], fld: Mapping) -> Any:
        shape = self.shape(fld)
        return row[fld["key"]] if shape is None else shape.from_row(row, _as(shape, fld))

    def filter_expression(self, table: sa.Table, fld: Mapping, op: str, value: Any
                          ) -> sa.ColumnElement:
        shape = self.shape(fld)
        if shape is None:
            return super().filter_expression(table, fld, op, value)
        return shape.filter_expression(table, _as(shape, fld), op, value)

    def operators(self, fld: Mapping) -> tuple[str, ...]:
        shape = self.shape(fld)
        return ORDER_OPS if shape is None else shape.operators(fld)

    def coerce_filter(self, value: Any, fld: Mapping) -> Any:
        shape = self.shape(fld)
        if shape is None:
            try:
                return float(value)
            except (TypeError, ValueError):
                raise FieldValueError(NUMBER) from None
        return shape.coerce_filter(value, {"key": fld["key"], "type": shape.type})

    def display(self, value: Any, fld: Mapping, lang: str) -> str:
        if value is None:
            return ""
        unit = config(fld).get("unit")
        if self.result_type(fld) == "number":
            text = f"{value:,.{config(fld).get('decimals', 2)}f}"
        else:
            text = self.shape(fld).display(value, {"key": fld["key"]}, lang)
        return f"{text} {unit}" if unit else text

    def check(self, fld: dict, path: str, ctx) -> list[Problem]:
        problems = super().check(fld, path, ctx)
        # the generated-field rule above forbids defaults; conditions on calculated fields
        # other than visibility make no sense
        for key in ("required", "unique", "required_if", "readonly_if", "validate"):
            if fld.get(key):
                problems.append(Problem(f"{path}/{key}", msg(
                    "a calculated field is filled in by its formula: %(key)s does not apply",
                    key=key)))
        return problems


def _as(shape: FieldType, fld: Mapping) -> dict[str, Any]:
    """The calculated field as a plain field of its shape (no config: the formula's result
    already satisfies it)."""
    return {"key": fld["key"], "type": shape.type}

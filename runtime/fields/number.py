"""Whole numbers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from metadata.errors import Problem
from metadata.messages import msg
from runtime.fields.base import ORDER_OPS, FieldType, FieldValueError, config
from runtime.fields.roles.storage import SORT

INT_MIN, INT_MAX = -(2**63), 2**63 - 1
WHOLE_NUMBER = msg("must be a whole number")


class NumberField(FieldType):
    type = "number"
    list_index = SORT
    formula_type = "integer"
    converts_from = frozenset({"integer", "text"})
    label = {"zh": "整数", "en": "Number"}
    icon = "123"
    description = "A whole number, with optional minimum and maximum."
    config_schema = {
        "type": "object",
        "properties": {
            "min": {"type": "integer"},
            "max": {"type": "integer"},
            "unit": {"type": "string", "maxLength": 20},
        },
        "additionalProperties": False,
    }
    widget = "number"
    numeric = True
    can_group_by = True
    aggregations = ("count", "sum", "avg", "min", "max", "distinct")
    filter_ops = ORDER_OPS

    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        return {"type": "integer"}

    def coerce(self, value: Any, fld: Mapping) -> Any:
        if isinstance(value, bool):
            raise FieldValueError(WHOLE_NUMBER)
        if isinstance(value, float):
            if not value.is_integer():
                raise FieldValueError(WHOLE_NUMBER)
            value = int(value)
        elif isinstance(value, str):
            text = value.strip().replace(",", "").replace("，", "")
            if not text:
                return None
            try:
                value = int(text)
            except ValueError:
                raise FieldValueError(WHOLE_NUMBER) from None
        elif not isinstance(value, int):
            raise FieldValueError(WHOLE_NUMBER)
        if not INT_MIN <= value <= INT_MAX:
            raise FieldValueError(msg("is too large"))
        cfg = config(fld)
        if "min" in cfg and value < cfg["min"]:
            raise FieldValueError(msg("must be at least %(n)s", n=cfg["min"]))
        if "max" in cfg and value > cfg["max"]:
            raise FieldValueError(msg("must be at most %(n)s", n=cfg["max"]))
        return value

    def parse_form(self, raw: Sequence[str], fld: Mapping) -> Any:
        text = raw[-1].strip() if raw else ""
        return text or None

    def column_type(self, fld: Mapping) -> sa.types.TypeEngine:
        return sa.BigInteger()

    def check(self, fld: dict, path: str, ctx) -> list[Problem]:
        cfg = config(fld)
        problems = []
        if "min" in cfg and "max" in cfg and cfg["min"] > cfg["max"]:
            problems.append(Problem(path + "/config/min", msg("is larger than max")))
        return problems + super().check(fld, path, ctx)

    def display(self, value: Any, fld: Mapping, lang: str) -> str:
        if value is None:
            return ""
        unit = config(fld).get("unit")
        return f"{value:,}" + (f" {unit}" if unit else "")

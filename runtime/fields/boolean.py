"""Yes or no."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from metadata.messages import msg
from runtime.fields.base import FieldType, FieldValueError

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "on", "是", "对", "真"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "off", "否", "不", "假"})


class BooleanField(FieldType):
    type = "boolean"
    formula_type = "boolean"
    converts_from = frozenset({"boolean", "text"})
    label = {"zh": "是/否", "en": "Yes/No"}
    icon = "✓"
    description = "A yes-or-no value, shown as a check box."
    widget = "checkbox"
    can_group_by = True
    aggregations = ("count",)
    filter_ops = ("eq", "ne", "isnull", "notnull")

    def filter_input(self, fld: Mapping, lang: str) -> dict[str, Any]:
        return {"kind": "choice", "choices": [{"value": "true", "label": self.display(True, fld,
                                                                                      lang)},
                                              {"value": "false", "label": self.display(
                                                  False, fld, lang)}]}

    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        return {"type": "boolean"}

    def coerce(self, value: Any, fld: Mapping) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            word = value.strip().lower()
            if not word:
                return None
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
        raise FieldValueError(msg("must be yes or no (true/false)"))

    def parse_form(self, raw: Sequence[str], fld: Mapping) -> Any:
        # an unticked check box posts nothing; a hidden "false" may precede the box's value
        if not raw:
            return False
        return raw[-1].strip().lower() not in FALSE_WORDS | {""}

    def column_type(self, fld: Mapping) -> sa.types.TypeEngine:
        return sa.Boolean(create_constraint=False)

    def display(self, value: Any, fld: Mapping, lang: str) -> str:
        if value is None:
            return ""
        if lang.startswith("zh"):
            return "是" if value else "否"
        return "Yes" if value else "No"

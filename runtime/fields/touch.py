"""A record's first or last arrival, one part of it: the channel, or a campaign part (source,
medium, campaign, term, content). The system fills it from the touch of each arrival
(``runtime.arrivals``): the first touch once, when the record is created; the last touch on
creation and on every later arrival merged into the record. Lists filter and group by it;
formulas and rules read it (``IF({shou_ci_lai_yuan} = "baidu", 10, 0)``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from metadata.messages import msg
from runtime.arrivals import CHANNEL_LABELS, PART_LENGTH, PARTS, Touch, channel_label
from runtime.fields.base import TEXT_OPS, FieldType, FieldValueError, config

TOUCH_PARTS = ("channel", *PARTS)


class TouchField(FieldType):
    type = "touch"
    formula_type = "text"
    label = {"zh": "来源追踪", "en": "Source tracking"}
    icon = "⇲"
    description = ("Where the record came from, filled by the system: the channel (entered, "
                   "API, public form, webhook, import) or a campaign part (source, medium, "
                   "campaign, term, content: utm_* parameters) of its first or its latest "
                   "arrival.")
    config_schema = {
        "type": "object",
        "properties": {
            "touch": {"enum": ["first", "last"]},
            "part": {"enum": list(TOUCH_PARTS)},
        },
        "additionalProperties": False,
    }
    widget = "readonly"
    generated = True
    searchable = True
    can_group_by = True
    aggregations = ("count", "distinct")
    filter_ops = TEXT_OPS
    list_index = "filter"

    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        return {"type": "string", "maxLength": PART_LENGTH, "readOnly": True}

    def coerce(self, value: Any, fld: Mapping) -> Any:
        # Only reached when converting stored values or loading an import that keeps them.
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise FieldValueError(msg("must be a text"))
        return " ".join(str(value).split())[:PART_LENGTH] or None

    def column_type(self, fld: Mapping) -> sa.types.TypeEngine:
        return sa.String(PART_LENGTH)

    def generate(self, fld: Mapping, refs) -> Any:
        """The part of the arrival that creates the record (first and last alike)."""
        return self.of(fld, refs.arrival())

    def of(self, fld: Mapping, touch: Touch | None) -> str | None:
        return None if touch is None else touch.part(part_of(fld))

    def later(self, fld: Mapping) -> bool:
        """Does a later arrival change the value (the last touch), or only the first?"""
        return config(fld).get("touch", "first") == "last"

    def display(self, value: Any, fld: Mapping, lang: str) -> str:
        if part_of(fld) == "channel":
            return channel_label(value, lang)
        return "" if value is None else str(value)

    def filter_input(self, fld: Mapping, lang: str) -> dict[str, Any]:
        if part_of(fld) != "channel":
            return {"kind": "text"}
        return {"kind": "choice", "choices": [{"value": key, "label": channel_label(key, lang)}
                                              for key in CHANNEL_LABELS]}


def part_of(fld: Mapping) -> str:
    return config(fld).get("part", "source")

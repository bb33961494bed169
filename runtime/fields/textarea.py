"""Multi-line text."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from metadata.errors import Problem
from metadata.messages import msg
from runtime.fields.base import TEXT_OPS, FieldType, FieldValueError, config

MAX_LENGTH = 100_000
DEFAULT_MAX_LENGTH = 20_000


def clean_multiline(value: str) -> str:
    """NFC, line breaks as LF, white space stripped at the two ends only; the rest kept exactly."""
    text = unicodedata.normalize("NFC", value)
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


class TextAreaField(FieldType):
    default_column = False
    type = "textarea"
    formula_type = "text"
    converts_from = frozenset({"text", "integer", "number", "date", "datetime"})
    label = {"zh": "多行文本", "en": "Long text"}
    icon = "¶"
    description = "Several lines of text (notes, descriptions), with optional length limits."
    config_schema = {
        "type": "object",
        "properties": {
            "min_length": {"type": "integer", "minimum": 0, "maximum": MAX_LENGTH},
            "max_length": {"type": "integer", "minimum": 1, "maximum": MAX_LENGTH},
            "rows": {"type": "integer", "minimum": 2, "maximum": 40},
        },
        "additionalProperties": False,
    }
    widget = "textarea"
    searchable = True
    free_text = True  # merging records may concatenate it
    aggregations = ("count",)
    filter_ops = TEXT_OPS

    def _max(self, fld: Mapping) -> int:
        return config(fld).get("max_length", DEFAULT_MAX_LENGTH)

    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        return {"type": "string", "maxLength": self._max(fld)}

    def coerce(self, value: Any, fld: Mapping) -> Any:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise FieldValueError(msg("must be a text"))
        if "\x00" in str(value):
            raise FieldValueError(msg("must not contain NUL characters (\\u0000)"))
        text = clean_multiline(str(value))
        if len(text) > self._max(fld):
            raise FieldValueError(msg("must be at most %(n)s characters long", n=self._max(fld)))
        min_length = config(fld).get("min_length", 0)
        if text and len(text) < min_length:
            raise FieldValueError(msg("must be at least %(n)s characters long", n=min_length))
        return text or None

    def parse_form(self, raw: Sequence[str], fld: Mapping) -> Any:
        # leading white space may be meaningful (an indented first line) until coerce decides
        text = raw[-1] if raw else ""
        return text if text.strip() else None

    def column_type(self, fld: Mapping) -> sa.types.TypeEngine:
        return sa.Text()

    def widget_context(self, fld: Mapping, value: Any, lang: str) -> dict[str, Any]:
        return {"rows": config(fld).get("rows", 4), "max_length": self._max(fld)}

    def check(self, fld: dict, path: str, ctx) -> list[Problem]:
        cfg = config(fld)
        problems = []
        if cfg.get("min_length", 0) > cfg.get("max_length", DEFAULT_MAX_LENGTH):
            problems.append(Problem(path + "/config/min_length",
                                    msg("is larger than max_length")))
        return problems + super().check(fld, path, ctx)

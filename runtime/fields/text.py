"""Single-line text."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from metadata.errors import Problem
from metadata.messages import msg
from runtime.cleaning.texts import CASES, clean_options
from runtime.fields.base import TEXT_OPS, FieldType, FieldValueError, config
from runtime.patterns import PatternError, compile_pattern
from runtime.patterns import fullmatch as matches

MAX_LENGTH = 10_000


def clean_text(value: str) -> str:
    """Normalise to NFC, strip surrounding white space; keep everything else byte-exact.
    NUL cannot be stored by PostgreSQL, so it is refused everywhere alike."""
    if "\x00" in value:
        raise FieldValueError(msg("must not contain NUL characters (\\u0000)"))
    return unicodedata.normalize("NFC", value).strip()


class TextField(FieldType):
    type = "text"
    formula_type = "text"
    converts_from = frozenset({"text", "integer", "number", "date", "datetime"})
    label = {"zh": "单行文本", "en": "Text"}
    icon = "Aa"
    description = ("One line of text, with optional length limits and a pattern (a regular "
                   "expression in RE2 syntax, which the whole text must match); cleaned as the "
                   "designer asks: white space collapsed, full-width letters and digits made "
                   "half-width, upper, lower or title case.")
    config_schema = {
        "type": "object",
        "properties": {
            "min_length": {"type": "integer", "minimum": 0, "maximum": MAX_LENGTH},
            "max_length": {"type": "integer", "minimum": 1, "maximum": MAX_LENGTH},
            "pattern": {"type": "string", "maxLength": 500},
            "pattern_message": {"type": "string", "maxLength": 200},
            "collapse_spaces": {"type": "boolean"},
            "half_width": {"type": "boolean"},
            "case": {"enum": list(CASES)},
        },
        "additionalProperties": False,
    }
    widget = "text"
    can_be_title = True
    searchable = True
    free_text = True  # merging records may concatenate it
    can_group_by = True
    aggregations = ("count", "distinct")
    filter_ops = TEXT_OPS
    max_length = 255

    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        return {"type": "string", "maxLength": self._max(fld)}

    def _max(self, fld: Mapping) -> int:
        return config(fld).get("max_length", self.max_length)

    def coerce(self, value: Any, fld: Mapping) -> Any:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise FieldValueError(msg("must be a text"))
        cfg = config(fld)
        text = clean_options(clean_text(str(value)), cfg)
        if len(text) > self._max(fld):
            raise FieldValueError(msg("must be at most %(n)s characters long", n=self._max(fld)))
        if text and len(text) < cfg.get("min_length", 0):
            raise FieldValueError(msg("must be at least %(n)s characters long",
                                      n=cfg["min_length"]))
        pattern = cfg.get("pattern")
        if text and pattern and not matches(pattern, text):
            raise FieldValueError(cfg.get("pattern_message")
                                  or msg("must match %(pattern)s", pattern=pattern))
        return text or None

    def column_type(self, fld: Mapping) -> sa.types.TypeEngine:
        return sa.String(self._max(fld)) if self._max(fld) <= 255 else sa.Text()

    def check(self, fld: dict, path: str, ctx) -> list[Problem]:
        problems = []
        pattern = config(fld).get("pattern")
        if pattern is not None:
            try:
                compile_pattern(pattern)
            except PatternError as exc:
                problems.append(Problem(path + "/config/pattern",
                                        msg("the pattern %(problem)s", problem=exc.message)))
        cfg = config(fld)
        if cfg.get("min_length", 0) > cfg.get("max_length", MAX_LENGTH):
            problems.append(Problem(path + "/config/min_length",
                                    msg("is larger than max_length")))
        return problems + super().check(fld, path, ctx)

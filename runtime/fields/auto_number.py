"""Serial numbers assigned by the system: a prefix (with date parts) and a padded sequence."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from metadata.errors import Problem
from metadata.messages import msg
from runtime.fields.base import TEXT_OPS, FieldType, FieldValueError, config

TOKENS = {"{YYYY}": "%Y", "{YY}": "%y", "{MM}": "%m", "{DD}": "%d"}
TOKEN_RE = re.compile(r"\{[A-Za-z]+\}")


class AutoNumberField(FieldType):
    type = "auto_number"
    formula_type = "text"
    label = {"zh": "流水号", "en": "Auto number"}
    icon = "№"
    description = ("A number the system gives each new record: prefix (may hold {YYYY}, {YY}, "
                   "{MM}, {DD}) plus a zero-padded sequence; the sequence restarts whenever "
                   "the prefix text changes, so {YYYY}{MM} numbers restart monthly.")
    config_schema = {
        "type": "object",
        "properties": {
            "prefix": {"type": "string", "maxLength": 40},
            "digits": {"type": "integer", "minimum": 1, "maximum": 12},
            "start": {"type": "integer", "minimum": 0},
        },
        "additionalProperties": False,
    }
    widget = "readonly"
    can_be_title = True
    generated = True
    searchable = True
    filter_ops = TEXT_OPS

    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        return {"type": "string", "readOnly": True}

    def coerce(self, value: Any, fld: Mapping) -> Any:
        # Only reached when converting stored values or loading an import that keeps numbers.
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise FieldValueError(msg("must be a text"))
        return str(value).strip() or None

    def render_prefix(self, fld: Mapping, now) -> str:
        prefix = config(fld).get("prefix", "")
        for token, fmt in TOKENS.items():
            prefix = prefix.replace(token, now.strftime(fmt))
        return prefix

    def generate(self, fld: Mapping, refs) -> Any:
        prefix = self.render_prefix(fld, refs.now())
        cfg = config(fld)
        name = f"{refs.sequence_scope}.{fld['key']}:{prefix}"
        number = refs.next_in_sequence(name) + cfg.get("start", 1) - 1
        return f"{prefix}{number:0{cfg.get('digits', 4)}d}"

    def columns(self, fld: Mapping) -> list[sa.Column]:
        return [sa.Column(fld["key"], sa.String(64), nullable=True, unique=True, index=True)]

    def check(self, fld: dict, path: str, ctx) -> list[Problem]:
        problems = super().check(fld, path, ctx)
        for token in TOKEN_RE.findall(config(fld).get("prefix", "")):
            if token not in TOKENS:
                problems.append(Problem(path + "/config/prefix",
                                        msg("unknown date part %(token)s; use %(tokens)s",
                                            token=token, tokens=", ".join(TOKENS))))
        return problems

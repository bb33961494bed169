"""One choice from a list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from metadata.errors import Problem
from metadata.messages import msg, quoted
from runtime.fields.base import EQUALITY_OPS, FieldType, FieldValueError, config, label_text
from runtime.fields.roles.storage import FILTER
from runtime.formula.types import Choice, label_texts

CHOICES_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "maxItems": 1000,
    "items": {
        "type": "object",
        "required": ["value", "label"],
        "properties": {
            "value": {"type": "string", "minLength": 1, "maxLength": 100},
            "label": {"$ref": "#/$defs/label"},
            "color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
        },
        "additionalProperties": False,
    },
}


def choice_values(fld: Mapping) -> list[str]:
    return [c["value"] for c in config(fld).get("choices", [])]


def choices_problems(fld: Mapping, path: str) -> list[Problem]:
    problems, seen = [], set()
    for i, choice in enumerate(config(fld).get("choices", [])):
        if choice["value"] in seen:
            problems.append(Problem(f"{path}/config/choices/{i}/value",
                                    msg("choice %(value)s appears twice",
                                        value=quoted(choice["value"]))))
        seen.add(choice["value"])
    return problems


def not_a_choice(value: str, values: list[str]) -> FieldValueError:
    return FieldValueError(msg("%(value)s is not one of the choices (%(allowed)s)",
                               value=quoted(value), allowed=", ".join(values[:20])))


def choice_label(fld: Mapping, value: str, lang: str) -> str:
    for choice in config(fld).get("choices", []):
        if choice["value"] == value:
            return label_text(choice["label"], lang)
    return value


def choice_labels(fld: Mapping, value: str) -> list[str]:
    """The labels of a choice in every language it has (its value when it is none)."""
    for choice in config(fld).get("choices", []):
        if choice["value"] == value:
            label = choice["label"]
            texts = label.values() if isinstance(label, dict) else [label]
            return list(dict.fromkeys(t for t in texts if t))
    return [value]


def formula_choices(fld: Mapping) -> list[Choice]:
    """The choices as formulas see them: each value with its labels by language."""
    return [Choice(c["value"], label_texts(c.get("label")))
            for c in config(fld).get("choices", [])]


def choices_basis(fld: Mapping) -> list[list]:
    """What the labels found by search depend on: each choice's value and label."""
    return [[c["value"], c["label"]] for c in config(fld).get("choices", [])]


class SelectField(FieldType):
    type = "select"
    list_index = FILTER
    formula_type = "text"
    converts_from = frozenset({"text", "list of text"})
    label = {"zh": "下拉单选", "en": "Select"}
    icon = "◉"
    description = "One value from a list of choices, each with a label and a colour."
    config_schema = {
        "type": "object",
        "required": ["choices"],
        "properties": {"choices": CHOICES_SCHEMA,
                       "display": {"enum": ["dropdown", "radio"]}},
        "additionalProperties": False,
    }
    widget = "select"
    searchable = True  # by its labels, in both languages
    can_group_by = True
    aggregations = ("count", "distinct")
    filter_ops = EQUALITY_OPS

    def filter_input(self, fld: Mapping, lang: str) -> dict[str, Any]:
        return {"kind": "choice", "choices": [{"value": v, "label": label or str(v)}
                                              for v, label in self.default_choices(fld, lang)]}

    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        return {"type": "string", "enum": choice_values(fld)}

    def coerce(self, value: Any, fld: Mapping) -> Any:
        if not isinstance(value, str):
            raise FieldValueError(msg("must be one of the choices"))
        if value == "":
            return None
        if value not in choice_values(fld):
            # a person may type the label instead of the value
            for choice in config(fld).get("choices", []):
                labels = choice["label"].values() if isinstance(choice["label"], dict) else [
                    choice["label"]]
                if value.strip() in labels:
                    return choice["value"]
            raise not_a_choice(value, choice_values(fld))
        return value

    def column_type(self, fld: Mapping) -> sa.types.TypeEngine:
        return sa.String(100)

    def display(self, value: Any, fld: Mapping, lang: str) -> str:
        return "" if value is None else choice_label(fld, value, lang)

    def widget_context(self, fld: Mapping, value: Any, lang: str) -> dict[str, Any]:
        return {"choices": [{"value": c["value"], "label": label_text(c["label"], lang),
                             "color": c.get("color"), "selected": c["value"] == value}
                            for c in config(fld).get("choices", [])],
                "display": config(fld).get("display", "dropdown")}

    def search_text(self, value: Any, fld: Mapping) -> list[str]:
        return [] if value is None else choice_labels(fld, value)

    def formula_choices(self, fld: Mapping) -> list[Choice]:
        return formula_choices(fld)

    def search_basis(self, fld: Mapping) -> Any:
        return choices_basis(fld)

    def default_choices(self, fld: Mapping, lang: str) -> list[tuple[Any, str]]:
        return [(c["value"], label_text(c.get("label"), lang))
                for c in config(fld).get("choices", [])]

    def check(self, fld: dict, path: str, ctx) -> list[Problem]:
        problems = choices_problems(fld, path)
        default = fld.get("default")
        if default is not None and default not in choice_values(fld):
            problems.append(Problem(path + "/default", msg(
                "default %(value)s is not among the choices", value=quoted(default))))
            return problems
        return problems + super().check(fld, path, ctx)

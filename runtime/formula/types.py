"""Formula value types, and the types of a form's fields as formulas see them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from metadata.labels import label_text
from metadata.messages import Message, msg


class FType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"  # any number: integers, and decimals computed as IEEE doubles
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    TEXT_LIST = "list of text"
    ROWS = "rows"  # a sub-table's rows ({items}): only inside SUM, AVG and COUNT
    NULL = "null"  # the literal NULL, which fits anywhere


NUMERIC = frozenset({FType.INTEGER, FType.NUMBER})
ORDERED = frozenset({FType.TEXT, FType.INTEGER, FType.NUMBER, FType.DATE, FType.DATETIME})

DESCRIPTIONS = {
    FType.TEXT: msg("text"), FType.INTEGER: msg("a whole number"), FType.NUMBER: msg("a number"),
    FType.BOOLEAN: msg("TRUE/FALSE"), FType.DATE: msg("a date"),
    FType.DATETIME: msg("a date and time"), FType.TEXT_LIST: msg("a list of choices"),
    FType.ROWS: msg("the rows of a sub-table"), FType.NULL: msg("NULL"),
}


def describe(ftype: FType) -> Message:
    return DESCRIPTIONS[ftype]


def unify(a: FType, b: FType) -> FType | None:
    """The type holding values of both ``a`` and ``b`` (IF branches, COALESCE), or None."""
    if a == b or b == FType.NULL:
        return a
    if a == FType.NULL:
        return b
    if a in NUMERIC and b in NUMERIC:
        return FType.NUMBER
    return None


def comparable(a: FType, b: FType) -> bool:
    return unify(a, b) is not None


@dataclass(frozen=True)
class Choice:
    """One choice of a select or multi-select field: the ``value`` stored, and its
    ``labels`` by language ({"zh": "金融", "en": "Finance"}; "" for a label of no language)."""

    value: str
    labels: Mapping[str, str] = field(default_factory=dict)

    def label(self, lang: str) -> str:
        """The label a reader of ``lang`` sees (the value when it has none)."""
        return label_text(self.labels, lang) or next(iter(self.labels.values()), self.value)

    def names(self) -> tuple[str, ...]:
        """What a formula may write for the choice: its value, then its labels."""
        return tuple(dict.fromkeys((self.value, *(t for t in self.labels.values() if t))))


@dataclass(frozen=True)
class Scope:
    """The fields a formula may name: ``{key}`` here, ``{relation.key}`` through ``related``,
    and ``{sub_table.key}`` (inside SUM, AVG and COUNT) through ``rows``, which maps each
    sub-table field to the scope of its rows.

    ``labels`` gives each field's labels by language (a formula may name a field by its
    label: ``{行业}``), ``choices`` the choices of select and multi-select fields (a text
    compared with such a field may be a choice's label or its value)."""

    label: str  # the form's name, for messages ("... is not a field of 联系人")
    fields: Mapping[str, FType]
    related: Callable[[str], Scope | None] = field(default=lambda key: None)
    rows: Mapping[str, Scope] = field(default_factory=dict)
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    choices: Mapping[str, tuple[Choice, ...]] = field(default_factory=dict)


def field_label(label: Any) -> str:
    if isinstance(label, dict):
        return label.get("zh") or label.get("en") or ""
    return "" if label is None else str(label)


def label_texts(label: Any) -> dict[str, str]:
    """A label's texts by language; a plain string is of no language ("")."""
    if isinstance(label, dict):
        return {lang: str(text).strip() for lang, text in label.items()
                if isinstance(text, str) and text.strip()}
    return {"": str(label).strip()} if isinstance(label, str) and label.strip() else {}


class FieldTypeSpec(Protocol):
    """What the scope needs of a field type: its ``formula_type``, its ``formula_link``, and
    whether it ``holds_rows`` of sub-fields (``row_fields``), which formulas total."""

    formula_type: str | None
    holds_rows: bool

    def formula_link(self, fld: Mapping) -> str | None: ...
    def row_fields(self, fld: Mapping) -> list[dict]: ...
    def formula_choices(self, fld: Mapping) -> list[Choice] | None: ...


def scope_of_form(form: Mapping, load_form: Callable[[str], Mapping | None],
                  field_types: Mapping[str, FieldTypeSpec], _hop: bool = True) -> Scope:
    """The scope of a form document, the field types telling how formulas see each field;
    ``load_form`` finds the forms that single relations point at (one hop). Sub-tables give
    the scopes of their rows; relations and sub-tables inside those are left out."""
    types: dict[str, FType] = {}
    relations: dict[str, str] = {}
    rows: dict[str, Scope] = {}
    labels: dict[str, dict[str, str]] = {}
    choices: dict[str, tuple[Choice, ...]] = {}
    for fld in form.get("fields", []):
        ftype = field_types.get(fld["type"])
        if ftype is None:
            continue
        labels[fld["key"]] = label_texts(fld.get("label"))
        if ftype.formula_type is not None:
            types[fld["key"]] = FType(ftype.formula_type)
            listed = ftype.formula_choices(fld)
            if listed is not None:
                choices[fld["key"]] = tuple(listed)
        elif ftype.holds_rows and _hop:
            label = field_label(fld.get("label")) or fld["key"]
            rows[fld["key"]] = scope_of_form({"label": label, "fields": ftype.row_fields(fld)},
                                             load_form, field_types, _hop=False)
        elif _hop and ftype.formula_link(fld):
            relations[fld["key"]] = ftype.formula_link(fld)

    def related(key: str) -> Scope | None:
        target = load_form(relations[key]) if key in relations else None
        return None if target is None else scope_of_form(target, load_form, field_types,
                                                         _hop=False)

    return Scope(field_label(form.get("label")) or form.get("key", ""), types, related, rows,
                 labels, choices)

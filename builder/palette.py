"""The form builder's palette: every registered field type, with the field a drop creates."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from builder.keys import derive_key
from runtime.fields.base import FieldType, label_text

MAX_CHOICE = 100  # the longest value a choice may have


@dataclass
class PaletteItem:
    type: str
    label: str
    description: str
    icon: str
    template: str  # JSON of the field a drop creates (key made unique by the page)


def starter_config(ftype: FieldType, lang: str, forms: list[str], own_form: str,
                   types: Mapping[str, FieldType], texts: Sequence[str] = ()
                   ) -> dict[str, Any]:
    """A config that passes the type's schema: its required options filled with examples
    (choices: ``texts``, when a field that holds them changes type)."""
    schema = ftype.config_schema
    props = schema.get("properties", {})
    out: dict[str, Any] = {}
    for name in schema.get("required", []):
        prop = props.get(name, {})
        if name == "target_form":
            others = [f for f in forms if f != own_form]
            out[name] = (others or [own_form])[0]
        elif prop.get("type") == "array" and "#/$defs/field" in json.dumps(prop):
            out[name] = [sub_field_starter(types, lang)]
        elif prop.get("type") == "array":
            out[name] = example_choices(lang, texts)
    return out


def example_choices(lang: str, texts: Sequence[str] = ()) -> list[dict]:
    """Three placeholder choices, labelled in the designer's language only: a label the
    designer renames is then the designer's word in every language until translated. When a
    field holding ``texts`` becomes a choice: those texts."""
    chosen = [t for t in texts if 0 < len(t) <= MAX_CHOICE]
    if chosen:
        return [{"value": t, "label": t} for t in chosen]
    word = _("Option")
    sep = "" if lang == "zh" else " "
    return [{"value": f"{word}{sep}{n}", "label": {lang: f"{word}{sep}{n}"}} for n in (1, 2, 3)]


def sub_field_starter(types: Mapping[str, FieldType], lang: str) -> dict:
    """The first sub-field of a new sub-table: of the first type a row may hold that needs
    no options (text)."""
    plain = next(t for t in types.values() if t.sub_field_allowed and not t.separate_storage
                 and not t.generated and not t.config_schema.get("required"))
    label = label_text(plain.label, lang)
    return {"key": derive_key(label, ()), "type": plain.type, "label": {lang: label}}


def palette(types: Iterable[FieldType], lang: str, forms: list[str], own_form: str
            ) -> list[PaletteItem]:
    registry = {t.type: t for t in types}
    items = []
    for ftype in registry.values():
        label = label_text(ftype.label, lang) or ftype.type
        field: dict[str, Any] = {"key": derive_key(label, ()), "type": ftype.type,
                                 "label": {lang: label}}
        cfg = starter_config(ftype, lang, forms, own_form, registry)
        if cfg:
            field["config"] = cfg
        items.append(PaletteItem(type=ftype.type, label=label, description=ftype.description,
                                 icon=ftype.icon,
                                 template=json.dumps(field, ensure_ascii=False)))
    return items

"""Changing a field's type in the designer: the types it may become, and the field as it becomes.

A field keeps its key (so its stored data follows it: publishing converts every stored value
and names the records that do not convert), its label, help and rules; of its options, those
the new type has too; the options the new type needs are filled in, choices from the texts its
records hold. A field already stored may become only the types its values convert to
(``FieldType.converts_from``); a field not yet published, any type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from builder.palette import starter_config
from metadata.errors import NotFound
from runtime.context import Runtime
from runtime.fields.base import FieldType, FieldValueError, config, formula_default
from runtime.storage.checks import distinct_texts
from runtime.storage.tables import build_tables

MAX_CHOICES = 50  # choices made from the texts records hold
# what only a value people enter has: a calculated or generated field takes none of it
ENTERED_ONLY = ("required", "unique", "default", "required_if", "readonly_if", "validate")


def switch_targets(fld: Mapping, types: Iterable[FieldType], stored: bool) -> list[FieldType]:
    """The types ``fld`` may become: those its values convert to once it is ``stored``."""
    current = next(t for t in types if t.type == fld["type"])
    if not stored:
        return [t for t in types if t is not current]
    return [t for t in types if t.takes_values_of(current)]


def may_be_unique(ftype: FieldType, fld: Mapping) -> bool:
    """Whether a field's value sits in one column of its row (only such values are unique)."""
    try:
        return ftype.single_column(fld)
    except (KeyError, TypeError, ValueError):
        return False


def switched_field(fld: Mapping, target: FieldType, types: Mapping[str, FieldType], lang: str,
                   forms: list[str], own_form: str, texts: Sequence[str] = ()) -> dict:
    """``fld`` as a field of type ``target`` (``texts``: what its records hold, for choices)."""
    new: dict[str, Any] = {k: v for k, v in fld.items() if k not in ("type", "config")}
    new["type"] = target.type
    props = target.config_schema.get("properties", {})
    kept = {name: value for name, value in config(fld).items()
            if name in props and not props[name].get("readOnly")}
    options = {**starter_config(target, lang, forms, own_form, types, texts), **kept}
    if options:
        new["config"] = options
    if target.calculated or target.generated:
        for name in ENTERED_ONLY:
            new.pop(name, None)
    if new.get("unique") and not may_be_unique(target, new):
        del new["unique"]
    if new.get("default") is not None and formula_default(new) is None:
        try:
            target.coerce(new["default"], new)
        except (FieldValueError, TypeError, ValueError):
            del new["default"]
    return new


def stored_texts(rt: Runtime, session: Session, app_key: str, form_key: str, key: str
                 ) -> list[str]:
    """The different texts the records of a form hold in field ``key`` as it is stored."""
    try:
        table = rt.form_table(session, app_key, form_key)
    except NotFound:
        return []
    entry = next((e for e in table.fields if e["key"] == key), None)
    if entry is None or entry["type"] not in rt.fields:
        return []
    main = build_tables(table.table_name, table.fields, rt.fields).main
    texts = distinct_texts(session.connection(), main, entry, rt.fields[entry["type"]],
                           MAX_CHOICES + 1)
    return [] if len(texts) > MAX_CHOICES else texts

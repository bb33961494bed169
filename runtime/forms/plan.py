"""A published form version compiled once into everything the runtime needs to use it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import marshmallow as ma

from metadata.errors import Problem, pointer
from metadata.keys import SYSTEM_FIELD_KEYS
from runtime.fields.base import FieldType, FieldValueError, label_text
from runtime.permissions import Access
from runtime.storage.tables import FormTables, build_tables

IGNORED_KEYS = SYSTEM_FIELD_KEYS - {"owner"}


@dataclass
class FormPlan:
    app_key: str
    form_key: str
    version: int
    doc: dict
    layout: list[dict]
    types: Mapping[str, FieldType]
    tables: FormTables
    fields: list[dict] = field(init=False)
    by_key: dict[str, dict] = field(init=False)
    archived: frozenset[str] = field(init=False)
    _defaults: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.fields = list(self.doc["fields"])
        self.by_key = {f["key"]: f for f in self.fields}
        self.archived = frozenset(e["key"] for e in self.layout if e.get("archived"))
        self._defaults = {}
        for fld in self.fields:
            ftype = self.types[fld["type"]]
            if fld.get("default") is not None and not ftype.generated:
                self._defaults[fld["key"]] = ftype.coerce(fld["default"], fld)

    @property
    def table(self):
        return self.tables.main

    def ftype(self, key: str) -> FieldType:
        return self.types[self.by_key[key]["type"]]

    def label(self, lang: str) -> str:
        return label_text(self.doc.get("label"), lang)

    @property
    def title_field(self) -> str | None:
        if self.doc.get("title_field"):
            return self.doc["title_field"]
        for fld in self.fields:
            if fld["type"] in ("text", "auto_number", "email", "phone"):
                return fld["key"]
        return None

    def load(self, payload: Any, *, partial: bool, access: Access, prefix: str = ""
             ) -> tuple[dict[str, Any], list[Problem]]:
        """Coerce and check an incoming record (all of it, or a patch when ``partial``)."""
        if not isinstance(payload, dict):
            return {}, [Problem(prefix, "a record must be a JSON object of field values")]
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        for key, raw in payload.items():
            fld = self.by_key.get(key)
            at = prefix + pointer(key)
            if fld is None:
                if key not in IGNORED_KEYS:
                    problems.append(Problem(at, self._unknown(key)))
                continue
            ftype = self.types[fld["type"]]
            if ftype.generated:
                if raw is not None:
                    problems.append(Problem(at, "is assigned automatically and cannot be set"))
                continue
            if key in access.readonly:
                problems.append(Problem(at, "you may not set this field"))
                continue
            try:
                value = None if raw is None else ftype.coerce(raw, fld)
            except FieldValueError as exc:
                problems.append(Problem(at, str(exc)))
                continue
            if fld.get("required") and ftype.is_empty(value):
                problems.append(Problem(at, "is required"))
                continue
            values[key] = value
        if not partial:
            for fld in self.fields:
                key = fld["key"]
                if key in values or key in payload:
                    continue
                if key in self._defaults:
                    values[key] = self._defaults[key]
                elif fld.get("required") and not self.types[fld["type"]].generated:
                    problems.append(Problem(prefix + pointer(key), "is required"))
        return values, problems

    def _unknown(self, key: str) -> str:
        if key in self.archived:
            return f"{key!r} was removed from {self.form_key} (archived); it cannot be set"
        return f"{key!r} is not a field of {self.form_key}"

    def marshmallow_schema(self) -> ma.Schema:
        """The generic path: a marshmallow schema whose fields coerce like the compiled one."""
        fields = {f["key"]: self.types[f["type"]].marshmallow_field(f) for f in self.fields}
        return ma.Schema.from_dict(fields, name=f"{self.form_key}_v{self.version}")()


def compile_plan(app_key: str, form_key: str, version: int, doc: dict, table_name: str,
                 layout: Sequence[dict], types: Mapping[str, FieldType]) -> FormPlan:
    tables = build_tables(table_name, layout, types)
    return FormPlan(app_key, form_key, version, doc, list(layout), types, tables)

"""A published form version compiled once into everything the runtime needs to use it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from metadata.errors import Problem, pointer
from metadata.keys import SYSTEM_FIELD_KEYS
from metadata.messages import msg
from runtime.fields.base import (
    REQUIRED,
    FieldType,
    FieldValueError,
    formula_default,
    label_text,
)
from runtime.forms.behaviour import Behaviour
from runtime.forms.formulas import Analysis
from runtime.formula.functions import FunctionRegistry
from runtime.formula.types import Scope
from runtime.permissions import Access
from runtime.storage.tables import FormTables, build_tables

# the system keys a record carries; "owner" is checked by the storage layer (runtime.storage)
IGNORED_KEYS = SYSTEM_FIELD_KEYS
GENERATED = msg("is assigned automatically and cannot be set")
READONLY = msg("you may not set this field")


@dataclass(frozen=True, eq=False)
class FormPlan:
    """Everything about one form version the runtime uses, fixed once compiled (plans are
    cached and shared by every request): build one with ``compile_plan``."""

    app_key: str
    form_key: str
    version: int
    doc: dict
    layout: list[dict]
    types: Mapping[str, FieldType]
    tables: FormTables
    behaviour: Behaviour | None
    # the published plan of another form of the app (for {relation.field})
    plan_of: Callable[[Session, str], FormPlan] | None
    # what formula filters over this form's records check and compile against
    scope: Scope | None
    functions: FunctionRegistry
    timezone: tzinfo  # the one TODAY() gives the date in
    fields: list[dict] = field(init=False)
    by_key: dict[str, dict] = field(init=False)
    archived: frozenset[str] = field(init=False)
    _defaults: dict[str, Any] = field(init=False)
    _entries: dict[str, tuple] = field(init=False)
    _calculated: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        derive = object.__setattr__  # frozen: what follows from the fields is set here only
        derive(self, "fields", list(self.doc["fields"]))
        derive(self, "by_key", {f["key"]: f for f in self.fields})
        derive(self, "archived", frozenset(e["key"] for e in self.layout if e.get("archived")))
        # required fields with conditions are checked by the behaviour, on the whole record
        deferred = self.behaviour.deferred_required if self.behaviour else frozenset()
        derive(self, "_entries", {
            f["key"]: (f, self.types[f["type"]].coerce, self.types[f["type"]].is_empty,
                       bool(f.get("required")) and f["key"] not in deferred,
                       self.types[f["type"]].generated)
            for f in self.fields})
        derive(self, "_calculated", frozenset(f["key"] for f in self.fields
                                              if self.types[f["type"]].calculated))
        derive(self, "_defaults", {})
        for fld in self.fields:
            ftype = self.types[fld["type"]]
            if (fld.get("default") is not None and not ftype.generated
                    and formula_default(fld) is None):
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
            if self.types[fld["type"]].can_be_title:
                return fld["key"]
        return None

    def load(self, payload: Any, *, partial: bool, access: Access, prefix: str = ""
             ) -> tuple[dict[str, Any], list[Problem]]:
        """Coerce and check an incoming record (all of it, or a patch when ``partial``)."""
        if not isinstance(payload, dict):
            return {}, [Problem(prefix, "a record must be a JSON object of field values")]
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        entries, readonly = self._entries, access.readonly
        for key, raw in payload.items():
            entry = entries.get(key)
            if entry is None:
                if key not in IGNORED_KEYS:
                    problems.append(Problem(prefix + pointer(key), self._unknown(key)))
                continue
            fld, coerce, is_empty, required, generated = entry
            if key in self._calculated:
                continue  # calculated on the server, whatever the client thinks it is
            if generated or key in readonly:
                if raw is not None or not generated:
                    problems.append(Problem(prefix + pointer(key),
                                            GENERATED if generated else READONLY))
                continue
            try:
                value = None if raw is None else coerce(raw, fld)
            except FieldValueError as exc:
                problems.append(Problem(prefix + pointer(key), exc.message))
                continue
            if required and is_empty(value):
                problems.append(Problem(prefix + pointer(key), REQUIRED))
                continue
            values[key] = value
        if not partial and len(values) < len(entries):
            for key, (_fld, _c, _e, required, generated) in entries.items():
                if key in values or key in payload:
                    continue
                if key in self._defaults:
                    values[key] = self._defaults[key]
                elif required and not generated:
                    problems.append(Problem(prefix + pointer(key), REQUIRED))
        return values, problems

    def _unknown(self, key: str) -> str:
        if key in self.archived:
            return f"{key!r} was removed from {self.form_key} (archived); it cannot be set"
        return f"{key!r} is not a field of {self.form_key}"


@dataclass(frozen=True)
class PlanSettings:
    """What every plan of an installation compiles with: its field types, formula functions,
    clock and time zone (the one TODAY() gives the date in)."""

    types: Mapping[str, FieldType]
    functions: FunctionRegistry
    now: Callable[[], datetime]
    timezone: tzinfo


def compile_plan(settings: PlanSettings, app_key: str, form_key: str, version: int, doc: dict,
                 analysis: Analysis, table_name: str, layout: Sequence[dict],
                 plan_of: Callable[[Session, str], FormPlan] | None) -> FormPlan:
    """The plan of form ``doc`` (its calculated fields typed) whose formulas ``analysis``
    checked, stored in ``table_name`` as ``layout`` says; ``plan_of`` gives the published
    plans of the app's other forms. The one way to compile a plan: the runtime's published
    forms and the builder's preview of a draft both come here."""
    behaviour = Behaviour(doc["fields"], settings.types, analysis, settings.functions,
                          settings.now, settings.timezone, doc.get("cleaning"))
    return FormPlan(app_key, form_key, version, doc, list(layout), settings.types,
                    build_tables(table_name, layout, settings.types),
                    behaviour if behaviour.active else None, plan_of=plan_of,
                    scope=analysis.scope, functions=settings.functions,
                    timezone=settings.timezone)

"""What a form's formulas do to a record being saved, compiled once per published version.

The server is the authority: on every create and update (UI and API alike) the calculated
fields are recomputed, hidden fields lose whatever the client sent, conditional requirements and
validation formulas are checked, and read-only conditions refuse changes. A formula that fails
at run time (a division by zero, a missing value) gives NULL and never breaks a submission.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from metadata.errors import Problem, pointer
from runtime.fields.base import REQUIRED, FieldType, label_text
from runtime.forms.formulas import (
    CALCULATED,
    CONDITIONS,
    Analysis,
    calculation_reads,
    cleaning_pointer,
    refs,
)
from runtime.formula.functions import Fn, FunctionRegistry
from runtime.formula.python import compile_python

# loads {"relation.field": value} for the one-hop references of a record
RelatedLoader = Callable[[Mapping[str, Any], frozenset[str]], dict[str, Any]]


def evaluate(fn: Fn, record: Mapping) -> Any:
    try:
        return fn(record)
    except (ArithmeticError, ValueError, TypeError, KeyError, RecursionError):
        return None  # a defined result: formulas never break a submission


def as_input(value: Any) -> Any:
    """A formula result in the form field types accept from the API."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


@dataclass
class FieldRules:
    visible: Fn | None = None
    required: Fn | None = None
    readonly: Fn | None = None
    default: Fn | None = None
    validate: list[tuple[Fn, Any]] = field(default_factory=list)


@dataclass
class FormState:
    """The formula-driven state of a record being filled in (for the live form)."""

    hidden: set[str]
    required: set[str]
    readonly: set[str]
    values: dict[str, Any]


@dataclass(frozen=True)
class CleaningRule:
    """A form's cleaning rule, compiled: the field it writes, its formula, only when blank."""

    key: str
    formula: Fn
    if_blank: bool


class Behaviour:
    def __init__(self, fields: list[dict], types: Mapping[str, FieldType], analysis: Analysis,
                 registry: FunctionRegistry, now: Callable[[], datetime], tz: tzinfo = UTC,
                 cleaning: list[dict] | None = None):
        self.by_key = {f["key"]: f for f in fields}
        self.types = types
        self.rules: dict[str, FieldRules] = {}
        self.related_paths = frozenset(path for checked in analysis.checked.values()
                                       for path in refs(checked.node) if "." in path)
        compiled = {p: compile_python(c, now, registry, tz)
                    for p, c in analysis.checked.items()}
        by_pointer = {s.pointer: s for s in analysis.sites}
        for ptr, fn in compiled.items():
            site = by_pointer[ptr]
            rules = self.rules.setdefault(site.field, FieldRules())
            if site.role in CONDITIONS:
                setattr(rules, site.role.removesuffix("_if"), fn)
            elif site.role == "default":
                rules.default = fn
            elif site.role == "validate":
                message = self.by_key[site.field]["validate"][site.index]["message"]
                rules.validate.append((fn, message))
        formula_of = {s.field: s.pointer for s in analysis.sites if s.role == CALCULATED}
        # inputs first: analysis.order is the dependency order
        self.calculated: list[tuple[str, Fn]] = [(key, compiled[formula_of[key]])
                                                 for key in analysis.order]
        # what each calculated field reads: who may see it follows from that
        self.reads = calculation_reads(analysis)
        # the form's cleaning rules, in order (checked ones: a draft may hold others)
        self.cleaning = [CleaningRule(rule["field"], compiled[cleaning_pointer(i)],
                                      bool(rule.get("if_blank")))
                         for i, rule in enumerate(cleaning or [])
                         if cleaning_pointer(i) in compiled and rule["field"] in self.by_key]
        # required fields checked on the whole record: conditional ones, and those cleaning
        # rules may fill in
        self.deferred_required = frozenset(
            key for key, rules in self.rules.items() if rules.visible or rules.required
        ) | {rule.key for rule in self.cleaning if self.by_key[rule.key].get("required")}

    @property
    def active(self) -> bool:
        return bool(self.rules or self.calculated or self.cleaning)

    # -- saving ---------------------------------------------------------------------------------
    def apply(self, values: dict, before: Mapping | None, payload_keys: set[str],
              load_related: RelatedLoader, lang: str = "en",
              system: Mapping[str, Any] | None = None) -> list[Problem]:
        """Complete ``values`` (a create's full record or an update's changes) with defaults
        and calculated values, drop hidden fields, and return the problems that stop the save.
        ``system`` holds a new record's system values ({created_at}, {owner}, ...)."""
        if before is None:
            self.fill_defaults(values, payload_keys, load_related, system)
        record = {**(system or {}), **(before or {}), **values}
        record.update(load_related(record, self.related_paths))
        self.clean(values, before, record)
        problems = self._readonly_problems(values, before, payload_keys, record, load_related)
        self.calculate(record)
        hidden = self._hidden(record)
        cleared = self._clear(hidden, record)
        if cleared:
            self.calculate(record)
        for key in cleared | {k for k, _ in self.calculated}:
            if before is None or before.get(key) != record.get(key):
                values[key] = record.get(key)
        return problems + self._required_problems(record, hidden) + \
            self._validation_problems(record, hidden, lang)

    def fill_defaults(self, values: dict, payload_keys: set[str],
                      load_related: RelatedLoader,
                      system: Mapping[str, Any] | None = None) -> None:
        """Work out the default formulas of the fields a new record leaves out."""
        record = None
        for key, rules in self.rules.items():
            if rules.default is None or key in payload_keys:
                continue
            if record is None:
                record = {**(system or {}), **values}
                record.update(load_related(record, self.related_paths))
            fld = self.by_key[key]
            value = evaluate(rules.default, record)
            try:
                values[key] = None if value is None else \
                    self.types[fld["type"]].coerce(as_input(value), fld)
            except (ValueError, TypeError):
                values[key] = None  # a default that does not fit leaves the field empty
            record[key] = values[key]

    def clean(self, values: dict, before: Mapping | None, record: dict) -> None:
        """Apply the form's cleaning rules in order to ``record`` (the values of a save over
        the stored record), putting what they change into ``values``. A result goes through
        its field's own cleaning; one the field cannot take leaves the value as it was."""
        for rule in self.cleaning:
            fld = self.by_key[rule.key]
            ftype = self.types[fld["type"]]
            if rule.if_blank and not ftype.is_empty(record.get(rule.key)):
                continue
            result = evaluate(rule.formula, record)
            if result is None and rule.if_blank:
                continue  # nothing to fill in with
            try:
                value = None if result is None else ftype.coerce(as_input(result), fld)
            except (ValueError, TypeError):
                continue
            record[rule.key] = value
            if rule.key in values or before is None or before.get(rule.key) != value:
                values[rule.key] = value

    def _readonly_problems(self, values: dict, before: Mapping | None, payload_keys: set[str],
                           record: Mapping, load_related: RelatedLoader) -> list[Problem]:
        problems = []
        basis = None
        for key, rules in self.rules.items():
            if rules.readonly is None or key not in payload_keys or key not in values:
                continue
            if before is not None and before.get(key) == values[key]:
                continue  # sent back unchanged
            if before is None and values[key] in (None, []):
                continue  # a new record leaving it empty sets nothing
            if basis is None:  # an update is judged by the record as it was
                basis = record if before is None else {
                    **before, **load_related(before, self.related_paths)}
            if evaluate(rules.readonly, basis) is True:
                problems.append(Problem(pointer(key), "is read-only at the moment "
                                                      "(its read-only condition holds)"))
        return problems

    def calculate(self, record: dict) -> None:
        for key, fn in self.calculated:
            fld = self.by_key[key]
            try:
                # calculated fields take formula results (dates included) as they come
                record[key] = self.types[fld["type"]].coerce(evaluate(fn, record), fld)
            except (ValueError, TypeError):
                record[key] = None  # e.g. a text result too long for its column

    def _hidden(self, record: Mapping) -> set[str]:
        return {key for key, rules in self.rules.items()
                if rules.visible is not None and evaluate(rules.visible, record) is not True}

    def _clear(self, hidden: set[str], record: dict) -> set[str]:
        """Empty the hidden fields people fill in (calculated fields keep their value)."""
        cleared = set()
        for key in hidden:
            fld = self.by_key[key]
            ftype = self.types[fld["type"]]
            if ftype.generated:
                continue
            empty = [] if ftype.separate(fld) else None
            if record.get(key) not in (None, empty):
                cleared.add(key)
            record[key] = empty
        return cleared

    def _required_problems(self, record: Mapping, hidden: set[str]) -> list[Problem]:
        problems = []
        for key in self.deferred_required - hidden:
            fld, rules = self.by_key[key], self.rules.get(key)
            needed = fld.get("required") or (
                rules is not None and rules.required is not None
                and evaluate(rules.required, record) is True)
            if needed and self.types[fld["type"]].is_empty(record.get(key)):
                problems.append(Problem(pointer(key), REQUIRED))
        return problems

    def _validation_problems(self, record: Mapping, hidden: set[str], lang: str
                             ) -> list[Problem]:
        problems = []
        for key, rules in self.rules.items():
            if key in hidden:
                continue
            for fn, message in rules.validate:
                if evaluate(fn, record) is False:
                    problems.append(Problem(pointer(key), label_text(message, lang)))
                    break
        return problems

    # -- filling in -----------------------------------------------------------------------------
    def state(self, record: dict, load_related: RelatedLoader) -> FormState:
        """Which fields show, are required or read-only, and the calculated values, for a
        record as it is being filled in."""
        record = {**record, **load_related(record, self.related_paths)}
        self.calculate(record)
        hidden = self._hidden(record)
        if self._clear(hidden, record):
            self.calculate(record)
        required = {key for key, rules in self.rules.items()
                    if key not in hidden and (self.by_key[key].get("required") or (
                        rules.required is not None
                        and evaluate(rules.required, record) is True))}
        readonly = {key for key, rules in self.rules.items()
                    if rules.readonly is not None and evaluate(rules.readonly, record) is True}
        return FormState(hidden, required, readonly,
                         {key: record.get(key) for key, _ in self.calculated})

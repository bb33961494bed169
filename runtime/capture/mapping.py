"""From a webhook's payload to a record's values: a pure core (no I/O, no Flask).

A mapping names, per field, where its value comes from (``capture.webhooks[].mapping``):

- ``"$.field_data[0].values[0]"`` — a JSONPath (RFC 9535, by python-jsonpath): nested
  objects, arrays by index, wildcards and filters such as
  ``$.field_data[?@.name == 'email'].values[0]``. A singular path gives its value (or none);
  one that may match several gives the list of what it matched.
- ``{"value": "meta"}`` — a constant.
- ``{"path": "$.mobile", "formula": "\\"+86\\" & {value}"}``
  — a formula transform over what the path picked (``{value}``) and what the other path
  entries picked (``{field_key}``), all as text; a formula alone (no path) reads the others.
  A path that finds nothing gives its ``value`` (or nothing): the formula is not run.

The mapping may be an object ``{field: entry}`` or a list ``[{"field": ..., ...entry}]``.
Values then go through the form's own coercion and checks like any other submission.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

import jsonpath
from jsonpath.exceptions import JSONPathError

from metadata.errors import Problem, pointer
from metadata.messages import msg
from runtime.formula.checker import Checked, check
from runtime.formula.errors import FormulaError
from runtime.formula.functions import FunctionRegistry
from runtime.formula.python import compile_python
from runtime.formula.types import FType, Scope

VALUE = "value"  # the name of what an entry's own path picked, in its formula
MAX_PICKED_TEXT = 10_000


class MappingError(ValueError):
    """An entry that cannot be compiled, with the JSON Pointer (inside the entry) at fault."""

    def __init__(self, at: str, message: str):
        super().__init__(message)
        self.at = at
        self.message = message


def entries(mapping: Any) -> list[tuple[str, str, dict]]:
    """``(target, pointer inside the mapping, entry as an object)`` of a mapping written as
    an object or as a list; a bare string is a path."""
    if isinstance(mapping, dict):
        items = [(key, pointer(key), raw) for key, raw in mapping.items()]
    elif isinstance(mapping, list):
        items = [(raw.get("field"), pointer(i), {k: v for k, v in raw.items() if k != "field"})
                 for i, raw in enumerate(mapping) if isinstance(raw, dict)]
    else:
        items = []
    return [(target, at, {"path": raw} if isinstance(raw, str) else dict(raw))
            for target, at, raw in items if isinstance(target, str)]


def compile_path(text: str) -> jsonpath.JSONPath:
    try:
        compiled = jsonpath.compile(text)
    except JSONPathError as exc:
        raise MappingError("/path", msg("%(path)s is not a JSONPath: %(why)s", path=text,
                                        why=str(exc).splitlines()[0])) from None
    if not isinstance(compiled, jsonpath.JSONPath):  # a compound query (a | b)
        raise MappingError("/path", msg("%(path)s must be one JSONPath", path=text))
    return compiled


@dataclass
class Entry:
    target: str
    at: str  # the entry's pointer inside the mapping
    path_text: str | None = None
    path: jsonpath.JSONPath | None = None
    constant: Any = None
    has_constant: bool = False
    formula: Callable[[Mapping], Any] | None = None
    formula_text: str | None = None


def transform_scope(path_targets: list[str]) -> Scope:
    """What a transform formula may name: ``{value}`` and every path entry's target, as text."""
    return Scope("webhook", {**dict.fromkeys(path_targets, FType.TEXT), VALUE: FType.TEXT})


def check_transform(source: str, scope: Scope, registry: FunctionRegistry) -> Checked:
    try:
        return check(source, scope, registry, None, source=source)
    except FormulaError as exc:
        raise MappingError("/formula", exc.message) from None


def compile_entry(target: str, at: str, raw: dict, scope: Scope, registry: FunctionRegistry,
                  now: Callable[[], datetime], tz: tzinfo) -> Entry:
    entry = Entry(target, at)
    if not ({"path", "value", "formula"} & set(raw)):
        raise MappingError("", msg("give a path, a value or a formula"))
    if raw.get("path") is not None:
        entry.path_text = str(raw["path"])
        entry.path = compile_path(entry.path_text)
    if "value" in raw:
        entry.constant, entry.has_constant = raw["value"], True
    if raw.get("formula") is not None:
        entry.formula_text = str(raw["formula"])
        checked = check_transform(entry.formula_text, scope, registry)
        entry.formula = compile_python(checked, now, registry, tz)
    return entry


@dataclass
class Applied:
    """What a payload became: the values per target, what each path picked (for the builder's
    test view) and the problems, each at the entry's pointer inside the mapping."""

    values: dict[str, Any] = field(default_factory=dict)
    picked: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


class PayloadMapping:
    """A compiled mapping: ``apply(payload)`` gives the values of one record."""

    def __init__(self, mapping: Any, registry: FunctionRegistry, now: Callable[[], datetime],
                 tz: tzinfo, base: str = "", lists: frozenset[str] = frozenset()):
        items = entries(mapping)
        self.lists = lists  # targets that take a list of values (multi-selects)
        scope = transform_scope([t for t, _at, raw in items if raw.get("path") is not None])
        self.base = base
        self.entries: list[Entry] = []
        self.problems: list[Problem] = []
        for target, at, raw in items:
            try:
                self.entries.append(compile_entry(target, at, raw, scope, registry, now, tz))
            except MappingError as exc:
                self.problems.append(Problem(base + at + exc.at, exc.message))

    def apply(self, payload: Any) -> Applied:
        out = Applied()
        for entry in self.entries:
            if entry.path is not None:
                out.picked[entry.target] = self.shaped(entry.target, pick(entry.path, payload))
        texts = {k: as_text(v) for k, v in out.picked.items()}
        for entry in self.entries:
            value = out.picked.get(entry.target) if entry.path is not None else None
            if entry.has_constant and (entry.path is None or value is None):
                value = entry.constant
            if entry.formula is not None and (entry.path is None or value is not None):
                try:
                    value = entry.formula({**texts, VALUE: as_text(value)})
                except (ArithmeticError, TypeError, ValueError) as exc:
                    out.problems.append(Problem(self.base + entry.at + "/formula", str(exc)))
                    continue
            out.values[entry.target] = self.shaped(entry.target, plain(value))
        return out

    def shaped(self, target: str, value: Any) -> Any:
        """A list for a target that takes one; the one item of a list of one for the others."""
        if target in self.lists:
            return value if isinstance(value, list) or value is None else [value]
        if isinstance(value, list) and len(value) <= 1:
            return value[0] if value else None
        return value

    def sources(self) -> dict[str, str]:
        """Where each target's value comes from, as the designer wrote it (for messages)."""
        return {e.target: e.path_text or e.formula_text or "value" for e in self.entries}


def pick(path: jsonpath.JSONPath, payload: Any) -> Any:
    """The value a singular path finds (None: nothing there), or the list of all matches."""
    try:
        if path.singular_query():
            found = path.match(payload)
            return None if found is None else found.obj
        return path.findall(payload)
    except JSONPathError:
        return None


def as_text(value: Any) -> str | None:
    """A picked value as formulas see it: text (objects and lists as JSON)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)[:MAX_PICKED_TEXT]


def plain(value: Any) -> Any:
    """A formula's result as a JSON value the form's fields coerce (dates as ISO text)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value.__class__.__name__ == "Decimal":
        return str(value)
    return value

"""The runtime's checks of a ``ruleset`` document: its formulas (typed against the form), its
actions (each type's own checks), its decision tables' cells and hit policies.

Formulas of rules see the record's fields, and ``{old.<field>}``: the value the field had
before the write that fired the rule (blank for a new record; ``{new.<field>}`` is the same
as ``{<field>}``). A form's own field or relation called ``old`` or ``new`` wins over these
names. Behaviour rules of a scoring model see the fields of the related record (the event).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from metadata.errors import Problem, pointer
from metadata.messages import msg, quoted
from runtime.forms.formulas import refs
from runtime.formula.checker import Checked, check
from runtime.formula.errors import FormulaError
from runtime.formula.functions import FunctionRegistry
from runtime.formula.types import NUMERIC, FType, Scope
from runtime.rules.actions import FormulaSite
from runtime.rules.analysis import analyse
from runtime.rules.decisions import Column, choice_value, parse_rows

PAST = ("old", "new")  # the names of the record before and after the write
WITH_OLD = ("updated", "field_changed")  # the triggers for which {old.x} has a value


@dataclass(frozen=True)
class Site:
    pointer: str
    source: str
    expected: FType | None  # None: any type
    scope: str = ""  # "": the ruleset's form (with old/new); else a related form's key
    trigger: str | None = None  # the rule's trigger (``old`` needs an update)


def rule_scope(scope: Scope) -> Scope:
    """``scope`` with ``{old.x}`` and ``{new.x}``: the form's own fields before and after."""
    own = replace(scope, related=lambda key: None, rows={})
    named = set(scope.fields) | set(scope.rows) | set(scope.labels)

    def related(key: str) -> Scope | None:
        if key in PAST and key not in named:
            return own
        return scope.related(key)
    return replace(scope, related=related)


def ruleset_sites(doc: Mapping, form: Mapping, actions: Mapping, field_type: Callable
                  ) -> Iterator[Site]:
    """Every formula of the ruleset, with the type it must give."""
    for i, rule in enumerate(doc.get("rules") or []):
        on = (rule.get("trigger") or {}).get("on")
        at = pointer("rules", i)
        if isinstance(rule.get("condition"), str):
            yield Site(at + "/condition", rule["condition"], FType.BOOLEAN, "", on)
        for j, action in enumerate(rule.get("actions") or []):
            kind = actions.get(action.get("type"))
            for fs in kind.formulas(action, f"{at}/actions/{j}") if kind else ():
                yield _action_site(fs, form, field_type, on)
    for m, model in enumerate(doc.get("scoring") or []):
        for i, attr in enumerate(model.get("attributes") or []):
            if isinstance(attr.get("when"), str):
                yield Site(pointer("scoring", m, "attributes", i, "when"), attr["when"],
                           FType.BOOLEAN)
        for i, rule in enumerate(model.get("behaviours") or []):
            if isinstance(rule.get("when"), str):
                yield Site(pointer("scoring", m, "behaviours", i, "when"), rule["when"],
                           FType.BOOLEAN, rule.get("form", ""))
    for t, table in enumerate(doc.get("tables") or []):
        yield from _table_sites(table, pointer("tables", t))


def _action_site(fs: FormulaSite, form: Mapping, field_type: Callable, on: str | None) -> Site:
    if fs.any_type:
        expected = None
    elif fs.field is None:
        expected = FType.BOOLEAN
    else:
        wanted = field_type(fs.target or form.get("key"), fs.field)
        expected = FType(wanted) if wanted else None
    return Site(fs.pointer, fs.source, expected, "", on)


def _table_sites(table: Mapping, at: str) -> Iterator[Site]:
    for i, column in enumerate(table.get("inputs") or []):
        if isinstance(column.get("formula"), str):
            yield Site(f"{at}/inputs/{i}/formula", column["formula"], None)
    for r, row in enumerate(table.get("rows") or []):
        for c, cell in enumerate(row.get("then") or []):
            if isinstance(cell, Mapping) and isinstance(cell.get("formula"), str):
                yield Site(f"{at}/rows/{r}/then/{c}/formula", cell["formula"], None)


def check_site(site: Site, scope: Scope, registry: FunctionRegistry
               ) -> tuple[Checked | None, Problem | None]:
    try:
        checked = check(site.source, scope, registry, site.expected)
    except FormulaError as exc:
        where = None
        if exc.position is not None:
            err = exc if exc.line is not None else FormulaError.at(exc.message, site.source,
                                                                   exc.position)
            where = {"position": err.position, "line": err.line, "column": err.column}
        return None, Problem(site.pointer, exc.message, where)
    if site.trigger not in (None, *WITH_OLD) and _reads_old(checked, scope):
        return None, Problem(site.pointer, msg(
            "{old.…} has a value only in rules run when a record is updated or a field changes"))
    return checked, None


def _reads_old(checked: Checked, scope: Scope) -> bool:
    named = set(scope.fields) | set(scope.labels)
    return "old" not in named and any(r.startswith("old.") for r in refs(checked.node))


def columns_of(table: Mapping, form: Mapping, field_types: Mapping,
               types: Mapping[str, FType], tables: Mapping[str, Mapping],
               read: Callable[[Mapping, int, str], Callable]) -> list[Column]:
    """The input columns of ``table`` as the compiler and the analyser see them: the kind of
    value each holds (from its field's type, its formula's ``types`` by pointer, or the
    values another table's output lists) and how it is read (``read(column, index, kind)``)."""
    fields = {f.get("key"): f for f in form.get("fields", [])}
    out = []
    for i, column in enumerate(table.get("inputs") or []):
        kind, choices, integer = "text", (), False
        fld = fields.get(column.get("field"))
        ftype = field_types.get(fld.get("type")) if fld else None
        if ftype is not None:
            listed = ftype.formula_choices(fld)
            if listed:
                kind, choices = "choice", tuple((c.value, dict(c.labels)) for c in listed)
            kind, integer = _kind(FType(ftype.formula_type) if ftype.formula_type else None,
                                  kind)
        elif column.get("formula") is not None:
            kind, integer = _kind(types.get(f"/inputs/{i}/formula"), kind)
        elif column.get("values"):
            kind, choices = "choice", tuple((v, None) for v in column["values"])
        elif column.get("table") in tables:
            outputs = {o.get("key"): o for o in tables[column["table"]].get("outputs", [])}
            values = (outputs.get(column.get("output")) or {}).get("values") or ()
            kind, choices = ("choice", tuple((v, None) for v in values)) if values else (
                kind, ())
        out.append(Column(column.get("key", ""), column.get("label") or column.get("key"),
                          read(column, i, kind), kind, choices, integer, column.get("field")))
    return out


def _kind(ftype: FType | None, current: str) -> tuple[str, bool]:
    if ftype in NUMERIC:
        return "number", ftype == FType.INTEGER
    if ftype == FType.BOOLEAN:
        return "boolean", False
    return current, False


def cell_problems(table: Mapping, columns: list[Column], at: str) -> list[Problem]:
    """Cells that do not parse (with their position), name no choice of a select input, or
    compare a number input with text; and rows that break a UNIQUE or ANY hit policy."""
    rows, errors = parse_rows(table)
    problems = [Problem(f"{at}/rows/{r}/when/{c}", exc.message, _where(exc.position))
                for r, c, exc in errors]
    bad = {(r, c) for r, c, _exc in errors}
    for r, row in enumerate(rows):
        for c, (test, column) in enumerate(zip(row, columns, strict=False)):
            if (r, c) not in bad:
                problems += _value_problems(test.values(), column, f"{at}/rows/{r}/when/{c}")
    if problems:
        return problems
    return [Problem(at + f.path, f.message) for f in analyse(table, columns)
            if f.severity == "error"]


def _value_problems(values: tuple, column: Column, at: str) -> list[Problem]:
    problems = []
    for value in values:
        if column.kind == "choice" and column.choices and value is not None and \
                choice_value(column.choices, value) not in [v for v, _l in column.choices]:
            problems.append(Problem(at, msg("%(value)s is not a choice of %(column)s",
                                            value=quoted(value), column=quoted(column.key))))
        elif column.kind == "number" and not isinstance(value, int | float | None):
            problems.append(Problem(at, msg("%(column)s holds numbers: %(value)s is not one",
                                            column=quoted(column.key), value=quoted(value))))
    return problems


def _where(position: int) -> dict[str, Any]:
    return {"position": position, "line": 1, "column": position + 1}

"""The formulas of a form document: where they sit, what each must give, and their analysis.

A form holds formulas in five places per field — ``visible_if``, ``required_if``,
``readonly_if`` (conditions), ``default: {"formula": ...}``, ``validate[].formula`` — and, in a
field of a calculated type, the formula that type names (``calculation``: its
``config.formula``). ``analyze_form`` parses and type-checks every one against the form's
fields, infers the result type of each calculated field (in dependency order, refusing circles)
and returns the problems with their JSON Pointers and positions, plus what the document store
keeps beside the source: ``{pointer: {source, ast, type}}``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from metadata.errors import Problem, pointer
from metadata.messages import msg
from runtime.fields.base import formula_default
from runtime.formula.ast import FieldRef, Node, from_json
from runtime.formula.checker import Checked, check
from runtime.formula.errors import FormulaError
from runtime.formula.functions import FunctionRegistry
from runtime.formula.grammar import parse
from runtime.formula.types import FType, Scope, describe, scope_of_form
from runtime.permissions import FormFacts

CONDITIONS = ("visible_if", "required_if", "readonly_if")
# the system columns every record has, as formulas see them ({created_at}, {owner}, ...)
SYSTEM_FIELDS = {"id": FType.INTEGER, "created_at": FType.DATETIME,
                 "updated_at": FType.DATETIME, "owner": FType.INTEGER,
                 "created_by": FType.INTEGER, "version": FType.INTEGER}
CALCULATED = "formula"  # the role of a calculated field's own formula
CLEANING = "cleaning"  # the role of a form's cleaning rules (``cleaning[].formula``)
# what a calculated field may give: each becomes a real column
STORABLE = frozenset({FType.TEXT, FType.INTEGER, FType.NUMBER, FType.BOOLEAN, FType.DATE,
                      FType.DATETIME})


@dataclass(frozen=True)
class Site:
    """One formula of a form: where it is and what it is for."""

    pointer: str  # JSON Pointer of the source text in the form document
    field: str  # the key of the field it belongs to
    role: str  # visible_if, required_if, readonly_if, default, validate, formula
    source: str
    index: int = 0  # position in ``validate``


def sites(form: Mapping, field_types: Mapping) -> Iterator[Site]:
    for i, fld in enumerate(form.get("fields", [])):
        key = fld.get("key", "")
        for role in CONDITIONS:
            if isinstance(fld.get(role), str):
                yield Site(pointer("fields", i, role), key, role, fld[role])
        source = formula_default(fld)
        if source is not None:
            yield Site(pointer("fields", i, "default", "formula"), key, "default", source)
        for j, rule in enumerate(fld.get("validate") or []):
            if isinstance(rule, dict) and isinstance(rule.get("formula"), str):
                yield Site(pointer("fields", i, "validate", j, "formula"), key, "validate",
                           rule["formula"], j)
        ftype = field_types.get(fld.get("type"))
        source = ftype.calculation(fld) if ftype is not None and ftype.calculated else None
        if source is not None:
            yield Site(calculation_pointer(i), key, CALCULATED, source)
    for i, rule in enumerate(form.get("cleaning") or []):
        if isinstance(rule, dict) and isinstance(rule.get("formula"), str):
            yield Site(cleaning_pointer(i), str(rule.get("field", "")), CLEANING,
                       rule["formula"], i)


def cleaning_pointer(index: int) -> str:
    """Where the formula of the form's cleaning rule at ``index`` is."""
    return pointer("cleaning", index, "formula")


def calculation_pointer(index: int) -> str:
    """Where the formula of the calculated field at ``index`` is (its ``config.formula``)."""
    return pointer("fields", index, "config", "formula")


def refs(node: Node) -> set[str]:
    """The field paths a formula names (``key`` or ``relation.key``)."""
    found, stack = set(), [node]
    while stack:
        current = stack.pop()
        if isinstance(current, FieldRef):
            found.add(current.path)
        stack.extend(current.children())
    return found


@dataclass
class Analysis:
    """Every formula of a form, checked; or the problems that stop it."""

    checked: dict[str, Checked] = field(default_factory=dict)  # by pointer
    sites: list[Site] = field(default_factory=list)
    result_types: dict[str, FType] = field(default_factory=dict)  # calculated field → type
    order: list[str] = field(default_factory=list)  # calculated fields, inputs first
    scope: Scope | None = None
    problems: list[Problem] = field(default_factory=list)

    def stored(self) -> dict[str, dict]:
        """What the store keeps beside the document: source, AST and type per pointer."""
        return {p: c.stored() for p, c in self.checked.items()}


def calculation_reads(analysis: Analysis) -> dict[str, frozenset[str]]:
    """The field paths each calculated field's formula names (checked ones only)."""
    pointers = {s.field: s.pointer for s in analysis.sites if s.role == CALCULATED}
    return {key: frozenset(refs(analysis.checked[pointers[key]].node))
            for key in analysis.order if pointers.get(key) in analysis.checked}


def document_facts(form: Mapping, field_types: Mapping) -> FormFacts:
    """What derived hiding needs of a form document (a draft): its calculated fields' reads,
    parsed from their source (one that does not parse reads nothing), and its links."""
    reads: dict[str, frozenset[str]] = {}
    for site in sites(form, field_types):
        if site.role == CALCULATED:
            try:
                reads[site.field] = frozenset(refs(parse(site.source)))
            except FormulaError:
                reads[site.field] = frozenset()
    links = {}
    for fld in form.get("fields", []):
        ftype = field_types.get(fld.get("type"))
        link = ftype.formula_link(fld) if ftype is not None else None
        if link is not None:
            links[fld["key"]] = link
    return FormFacts(form, reads, links)


def problem(site: Site, exc: FormulaError) -> Problem:
    where = None
    if exc.position is not None:
        where = {"position": exc.position, "line": exc.line, "column": exc.column}
    return Problem(site.pointer, exc.message, where)


class _Analyzer:
    def __init__(self, form: Mapping, scope: Scope, field_types: Mapping,
                 registry: FunctionRegistry, stored: Mapping[str, dict]):
        self.form, self.field_types, self.registry = form, field_types, registry
        self.stored = stored
        self.result = Analysis(sites=list(sites(form, field_types)))
        self.calculated = {s.field: s for s in self.result.sites if s.role == CALCULATED}
        self.fields = dict(scope.fields)
        self.scope = scope
        self.by_key = {f.get("key"): f for f in form.get("fields", [])}

    def node(self, site: Site) -> Node:
        kept = self.stored.get(site.pointer)
        if kept and kept.get("source") == site.source and "ast" in kept:
            return from_json(kept["ast"])
        return parse(site.source)

    def check(self, site: Site, expected: FType | None) -> Checked | None:
        try:
            checked = check(self.node(site), replace(self.scope, fields=self.fields),
                            self.registry, expected, source=site.source)
        except FormulaError as exc:
            if exc.position is not None and exc.line is None:
                exc = FormulaError.at(exc.message, site.source, exc.position)
            self.result.problems.append(problem(site, exc))
            return None
        self.result.checked[site.pointer] = checked
        return checked

    def infer(self, key: str, visiting: list[str]) -> None:
        """Type the calculated field ``key`` after the calculated fields it reads."""
        if key in self.result.result_types or key in self.failed:
            return
        site = self.calculated[key]
        if key in visiting:
            circle = " → ".join(f"{{{k}}}" for k in [*visiting[visiting.index(key):], key])
            self.result.problems.append(Problem(site.pointer, "calculated fields refer to "
                                                              f"each other in a circle: {circle}"))
            self.failed.add(key)
            return
        try:
            inputs = refs(self.node(site)) & set(self.calculated)
        except FormulaError as exc:
            self.result.problems.append(problem(site, exc))
            self.failed.add(key)
            return
        for other in sorted(inputs):
            self.infer(other, [*visiting, key])
        if inputs & self.failed:
            self.failed.add(key)
            return
        checked = self.check(site, None)
        if checked is None:
            self.failed.add(key)
        elif checked.type not in STORABLE:
            self.result.problems.append(Problem(site.pointer, (
                "a calculated field must give a number, text, a date or TRUE/FALSE, "
                f"not {describe(checked.type)}")))
            self.failed.add(key)
        else:
            self.result.result_types[key] = checked.type
            self.fields[key] = checked.type
            self.result.order.append(key)

    def run(self) -> Analysis:
        self.failed: set[str] = set()
        for key in self.calculated:
            self.infer(key, [])
        for site in self.result.sites:
            if site.role in CONDITIONS or site.role == "validate":
                self.check(site, FType.BOOLEAN)
            elif site.role == "default":
                self.check_default(site)
            elif site.role == CLEANING:
                self.check_cleaning(site)
        self.result.scope = replace(self.scope, fields=self.fields)
        return self.result

    def check_default(self, site: Site) -> None:
        fld = self.by_key.get(site.field, {})
        ftype = self.field_types.get(fld.get("type"))
        wanted = ftype.formula_type if ftype is not None else None
        if wanted is None or ftype.calculated:
            self.result.problems.append(Problem(site.pointer, (
                f"a {fld.get('type')} field cannot take a default formula")))
            return
        self.check(site, FType(wanted))


    def check_cleaning(self, site: Site) -> None:
        """A cleaning rule gives a value of its field's kind (a field that must exist: the
        document's own checks say so where it does not)."""
        fld = self.by_key.get(site.field)
        ftype = self.field_types.get(fld.get("type")) if fld is not None else None
        if ftype is None:
            return
        wanted = ftype.cleaning_input()
        if wanted is None or ftype.calculated or ftype.generated:
            self.result.problems.append(Problem(site.pointer, msg(
                "a %(type)s field cannot be set by a cleaning rule", type=fld.get("type"))))
            return
        self.check(site, FType(wanted))


def analyze_form(form: Mapping, load_form: Callable[[str], Mapping | None],
                 field_types: Mapping, registry: FunctionRegistry,
                 stored: Mapping[str, dict] | None = None) -> Analysis:
    """Check every formula of ``form``; ``stored`` (ASTs kept from before) spares re-parsing."""
    scope = scope_of_form(form, load_form, field_types)
    scope = replace(scope, fields={**SYSTEM_FIELDS, **scope.fields})
    return _Analyzer(form, scope, field_types, registry, stored or {}).run()


def analyze_filter(source: str, scope: Scope, registry: FunctionRegistry,
                   at: str = "/filter") -> tuple[Checked | None, list[Problem]]:
    """A list filter: a formula giving TRUE/FALSE over a form's fields."""
    site = Site(at, "", "filter", source)
    try:
        return check(source, scope, registry, FType.BOOLEAN), []
    except FormulaError as exc:
        return None, [problem(site, exc)]


def reader_scope(scope: Scope, hidden: Collection[str],
                 related_hidden: Callable[[str], Collection[str] | None]) -> Scope:
    """``scope`` as a reader sees it: without the fields ``hidden`` from the reader, and one
    hop away without those ``related_hidden(relation)`` gives (None: a form the reader may
    not read, whose fields cannot be named at all)."""

    def related(key: str) -> Scope | None:
        inner = None if key in hidden else scope.related(key)
        if inner is None:
            return None
        concealed = related_hidden(key)
        if concealed is None:
            return replace(inner, fields={}, rows={}, labels={}, choices={})
        return _without(inner, concealed)

    return replace(_without(scope, hidden), related=related,
                   rows={k: s for k, s in scope.rows.items() if k not in hidden})


def _without(scope: Scope, hidden: Collection[str]) -> Scope:
    """``scope`` without the fields ``hidden`` (their labels and choices too)."""
    return replace(scope, fields={k: t for k, t in scope.fields.items() if k not in hidden},
                   labels={k: v for k, v in scope.labels.items() if k not in hidden},
                   choices={k: v for k, v in scope.choices.items() if k not in hidden})


def with_result_types(form: Mapping, types: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``form`` whose calculated fields say their ``result_type`` (``types``: the
    calculated fields' keys → type, e.g. ``Analysis.result_types``, ``layout_types`` or
    ``stored_types`` of the same form) in their config: what their columns are made from."""
    fields = []
    for fld in form.get("fields", []):
        if types.get(fld.get("key")):
            fld = {**fld, "config": {**(fld.get("config") or {}),
                                     "result_type": str(types[fld["key"]])}}
        fields.append(fld)
    return {**form, "fields": fields}


def layout_types(layout: list[Mapping]) -> dict[str, str]:
    """The result types of calculated fields in a table layout (as their columns were made)."""
    return {e["key"]: e["config"]["result_type"] for e in layout
            if (e.get("config") or {}).get("result_type")}


def stored_types(form: Mapping, stored: Mapping[str, dict]) -> dict[str, str]:
    """The result types of calculated fields as the store kept them beside ``form`` (only
    calculated fields have a formula at ``calculation_pointer``)."""
    out = {}
    for i, fld in enumerate(form.get("fields", [])):
        kept = stored.get(calculation_pointer(i))
        if kept:
            out[fld["key"]] = kept["type"]
    return out


def document_formulas(registry: FunctionRegistry, rulesets: Callable | None = None,
                      workflows: Callable | None = None) -> Callable:
    """The document store's formula check (metadata.checks.FormulaCheck) for forms and views,
    and with ``rulesets`` (``runtime.rules.checks.RulesetCheck``) for rulesets."""

    def check_formulas(kind: str, doc: dict, ctx) -> tuple[list[Problem], dict]:
        if kind == "ruleset" and rulesets is not None:
            return rulesets(doc, ctx)
        if kind == "workflow" and workflows is not None:
            return workflows(doc, ctx)
        if kind == "app" and doc.get("todo"):
            from runtime.todo.settings import check_todo

            return check_todo(doc, ctx, registry), {}
        if kind == "form":
            analysis = analyze_form(doc, ctx.forms.get, ctx.field_types, registry)
            return analysis.problems, analysis.stored()
        if kind == "view" and isinstance(doc.get("filter"), str):
            form = ctx.forms.get(doc.get("form")) or {}
            scope = analyze_form(form, ctx.forms.get, ctx.field_types, registry).scope
            checked, problems = analyze_filter(doc["filter"], scope, registry)
            if checked is None:
                return problems, {}
            return [], {"/filter": checked.stored()}
        return [], {}

    return check_formulas


"""The formula check of ``ruleset`` documents (the document store's FormulaCheck for that kind):
every formula typed, every action checked by its type, every decision table's cells."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from metadata.errors import Problem, pointer
from metadata.registry import Registry
from runtime.forms.formulas import SYSTEM_FIELDS, analyze_form
from runtime.formula.checker import Checked
from runtime.formula.functions import FunctionRegistry
from runtime.formula.types import Scope
from runtime.rules.actions import ActionContext, ActionType
from runtime.rules.analysis import analyse
from runtime.rules.document import (
    cell_problems,
    check_site,
    columns_of,
    rule_scope,
    ruleset_sites,
)


class RulesetCheck:
    """Checks a ruleset against its app's forms: ``(problems, {pointer: stored formula})``."""

    def __init__(self, registry: FunctionRegistry, actions: Registry[ActionType]):
        self.registry = registry
        self.actions = actions

    def __call__(self, doc: dict, ctx) -> tuple[list[Problem], dict]:
        problems, checked = self.checked(doc, ctx)
        if problems:
            return problems, {}
        form = ctx.forms.get(doc.get("form")) or {}
        types = {p: c.type for p, c in checked.items()}
        return self.table_problems(doc, form, ctx, types), {p: c.stored()
                                                            for p, c in checked.items()}

    def checked(self, doc: Mapping, ctx) -> tuple[list[Problem], dict[str, Checked]]:
        """The problems of the actions and formulas, or every formula checked, by pointer."""
        form = ctx.forms.get(doc.get("form")) or {}
        scopes: dict[str, Scope | None] = {"": rule_scope(self.scope(form, ctx))}
        actx = ActionContext(form, ctx.forms, ctx.field_types, doc)
        problems: list[Problem] = []
        for i, rule in enumerate(doc.get("rules") or []):
            for j, action in enumerate(rule.get("actions") or []):
                kind = self.actions.get(action.get("type"))
                if kind is not None:
                    problems += kind.check(action, pointer("rules", i, "actions", j), actx)
        if problems:
            return problems, {}
        checked: dict[str, Checked] = {}
        for site in ruleset_sites(doc, form, self.actions, self.field_type(ctx)):
            if site.scope not in scopes:
                scopes[site.scope] = self.scope(ctx.forms.get(site.scope) or {}, ctx)
            found, problem = check_site(site, scopes[site.scope], self.registry)
            if problem is not None:
                problems.append(problem)
            else:
                checked[site.pointer] = found
        return problems, checked

    def scope(self, form: Mapping, ctx) -> Scope:
        scope = analyze_form(form, ctx.forms.get, ctx.field_types, self.registry).scope
        return replace(scope, fields={**SYSTEM_FIELDS, **scope.fields})

    def field_type(self, ctx):
        """(form, field) -> the formula type of the value the field takes (None: unknown)."""
        def wanted(form_key: str, key: str) -> str | None:
            fld = next((f for f in (ctx.forms.get(form_key) or {}).get("fields", [])
                        if f.get("key") == key), None)
            ftype = ctx.field_types.get(fld.get("type")) if fld else None
            return ftype.formula_type if ftype is not None else None
        return wanted

    def table_problems(self, doc: dict, form: Mapping, ctx, types: Mapping) -> list[Problem]:
        return [p for at, table, columns in self.table_columns(doc, form, ctx, types)
                for p in cell_problems(table, columns, at)]

    def table_columns(self, doc: Mapping, form: Mapping, ctx, types: Mapping
                      ) -> list[tuple[str, Mapping, list]]:
        """Each decision table with its pointer and its input columns (as the analyser sees
        them: ``types`` are the checked formulas' types by pointer)."""
        tables = {t.get("key"): t for t in doc.get("tables") or []}
        out = []
        for t, table in enumerate(doc.get("tables") or []):
            at = pointer("tables", t)
            local = {p[len(at):]: ty for p, ty in types.items() if p.startswith(at + "/")}
            out.append((at, table, columns_of(table, form, ctx.field_types, local, tables,
                                              lambda column, i, kind: (lambda record: None))))
        return out

    def analysis(self, doc: Mapping, ctx) -> list[tuple[str, Mapping, list]]:
        """Each decision table's pointer, document and findings (``runtime.rules.analysis``)."""
        _problems, checked = self.checked(doc, ctx)
        form = ctx.forms.get(doc.get("form")) or {}
        types = {p: c.type for p, c in checked.items()}
        return [(at, table, analyse(table, columns))
                for at, table, columns in self.table_columns(doc, form, ctx, types)]

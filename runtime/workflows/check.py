"""The runtime's checks of a ``workflow`` document (the document store's formula check for
that kind): the graph's shape, each node's own checks, every formula typed against the
workflow's form; and its compilation into a ``Graph`` of closures."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime, tzinfo

from metadata.errors import Problem, pointer
from metadata.messages import msg, quoted
from metadata.registry import Registry
from runtime.forms.formulas import SYSTEM_FIELDS, analyze_form
from runtime.formula.checker import Checked
from runtime.formula.functions import FunctionRegistry
from runtime.formula.python import compile_python
from runtime.formula.types import FType, Scope
from runtime.rules.document import Site, check_site
from runtime.workflows.graph import Graph, build_graph, graph_problems
from runtime.workflows.nodes.base import CheckContext, NodeType


class WorkflowError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))
        self.problems = problems


class WorkflowCheck:
    """Checks a workflow against its app's forms: ``(problems, {pointer: stored formula})``."""

    def __init__(self, functions: FunctionRegistry, nodes: Registry[NodeType]):
        self.functions = functions
        self.nodes = nodes

    def __call__(self, doc: dict, ctx) -> tuple[list[Problem], dict]:
        problems, checked = self.checked(doc, ctx)
        return problems, ({} if problems else {p: c.stored() for p, c in checked.items()})

    def checked(self, doc: Mapping, ctx) -> tuple[list[Problem], dict[str, Checked]]:
        form = ctx.forms.get(doc.get("form"))
        if form is None:
            return [Problem("/form", msg("form %(form)s does not exist in this app",
                                         form=quoted(doc.get("form"))))], {}
        problems = graph_problems(doc, self.nodes)
        nctx = CheckContext(form, ctx.forms, ctx.field_types,
                            getattr(ctx, "workflows", None))
        for i, node in enumerate(doc.get("nodes") or []):
            problems += self.nodes[node["type"]].check(node, pointer("nodes", i), nctx)
        if problems:
            return problems, {}
        scopes: dict[str, Scope] = {}
        checked: dict[str, Checked] = {}
        for site, form_key in self.sites(doc, ctx):
            if form_key not in scopes:
                scopes[form_key] = self.scope(ctx.forms.get(form_key) or {}, ctx)
            found, problem = check_site(site, scopes[form_key], self.functions)
            if problem is not None:
                problems.append(problem)
            else:
                checked[site.pointer] = found
        return problems, checked

    def sites(self, doc: Mapping, ctx) -> Iterator[tuple[Site, str]]:
        own = doc["form"]
        for i, node in enumerate(doc.get("nodes") or []):
            for s in self.nodes[node["type"]].formulas(node):
                at = f"/nodes/{i}/config/{s.name}"
                if s.any_type:
                    expected = None
                elif s.field is None:
                    expected = FType.BOOLEAN
                else:
                    expected = _field_type(ctx, s.form or own, s.field)
                yield Site(at, s.source, expected), own
        for i, edge in enumerate(doc.get("edges") or []):
            if edge.get("when"):
                yield Site(f"/edges/{i}/when", edge["when"], FType.BOOLEAN), own
        for i, rule in enumerate(doc.get("exit") or []):
            yield Site(f"/exit/{i}/when", rule["when"], FType.BOOLEAN), own

    def scope(self, form: Mapping, ctx) -> Scope:
        scope = analyze_form(form, ctx.forms.get, ctx.field_types, self.functions).scope
        return replace(scope, fields={**SYSTEM_FIELDS, **scope.fields})


def _field_type(ctx, form_key: str, key: str) -> FType | None:
    fld = next((f for f in (ctx.forms.get(form_key) or {}).get("fields", [])
                if f.get("key") == key), None)
    ftype = ctx.field_types.get(fld.get("type")) if fld else None
    return FType(ftype.formula_type) if ftype is not None and ftype.formula_type else None


def compile_workflow(doc: Mapping, version: int, check: WorkflowCheck, ctx,
                     now: Callable[[], datetime], tz: tzinfo) -> Graph:
    """A workflow version as a graph of closures (compiled once per version)."""
    problems, checked = check.checked(doc, ctx)
    if problems:
        raise WorkflowError(problems)
    formulas = {at: compile_python(c, now, tz=tz) for at, c in checked.items()}
    return build_graph(doc, version, check.nodes, formulas)


def node_specs(nodes: Registry[NodeType]) -> list[Mapping]:
    """What the metadata schema needs of each node type (type, description, config)."""
    return list(nodes)

"""The checks of an app document's ``todo`` settings at save (each problem at its path): the
forms, relation and note fields they name exist, and every formula types against its form
(a priority a number, a condition TRUE/FALSE)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from metadata.errors import Problem
from metadata.messages import msg, quoted
from runtime.formula.functions import FunctionRegistry
from runtime.formula.types import FType
from runtime.rules.document import Site, check_site

NUMBER = FType.NUMBER


def _relation_to(form: Mapping, key: str, target: str | None) -> bool:
    fld = next((f for f in form.get("fields", []) if f.get("key") == key), None)
    linked = ((fld or {}).get("config") or {}).get("target_form")
    return bool(linked) and (target is None or linked == target)


def _sites(todo: Mapping) -> Iterator[tuple[str, str, str, FType | None]]:
    """(form, pointer, formula, expected type) of every formula of the settings."""
    for form, source in (todo.get("priority") or {}).items():
        yield form, f"/todo/priority/{form}", source, None
    for i, hint in enumerate(todo.get("hints") or []):
        if hint.get("when"):
            yield hint["form"], f"/todo/hints/{i}/when", hint["when"], FType.BOOLEAN
        related = hint.get("related") or {}
        if related.get("when"):
            yield (related["form"], f"/todo/hints/{i}/related/when", related["when"],
                   FType.BOOLEAN)


def _form_problems(todo: Mapping, forms: Mapping) -> list[Problem]:
    def missing(key: Any, at: str) -> list[Problem]:
        return [] if key in forms else [Problem(at, msg(
            "form %(form)s does not exist in this app", form=quoted(key)))]
    out = [p for form in todo.get("priority") or {}
           for p in missing(form, f"/todo/priority/{form}")]
    for i, hint in enumerate(todo.get("hints") or []):
        out += missing(hint["form"], f"/todo/hints/{i}/form")
        related = hint.get("related")
        if related and not missing(related["form"], f"/todo/hints/{i}/related/form"):
            if not _relation_to(forms[related["form"]], related["link"], hint["form"]):
                out.append(Problem(f"/todo/hints/{i}/related/link", msg(
                    "%(key)s is not a relation field to %(form)s", key=quoted(related["link"]),
                    form=quoted(hint["form"]))))
        elif related:
            out += missing(related["form"], f"/todo/hints/{i}/related/form")
    follow = todo.get("follow_up")
    if follow and not (out := out + missing(follow["form"], "/todo/follow_up/form")):
        form = forms[follow["form"]]
        if not _relation_to(form, follow["link"], None):
            out.append(Problem("/todo/follow_up/link", msg(
                "%(key)s is not a relation field", key=quoted(follow["link"]))))
        if not any(f.get("key") == follow["note"] for f in form.get("fields", [])):
            out.append(Problem("/todo/follow_up/note", msg(
                "%(key)s is not a field of this form", key=quoted(follow["note"]))))
    return out


def check_todo(doc: Mapping, ctx, functions: FunctionRegistry) -> list[Problem]:
    """The problems of an app document's ``todo`` settings (none without them)."""
    from runtime.forms.formulas import SYSTEM_FIELDS, analyze_form

    todo = doc.get("todo")
    if not todo:
        return []
    problems = _form_problems(todo, ctx.forms)
    if problems:
        return problems
    scopes: dict[str, Any] = {}
    for form, at, source, expected in _sites(todo):
        if form not in scopes:
            scope = analyze_form(ctx.forms[form], ctx.forms.get, ctx.field_types,
                                 functions).scope
            scopes[form] = replace(scope, fields={**SYSTEM_FIELDS, **scope.fields})
        checked, problem = check_site(Site(at, source, expected), scopes[form], functions)
        if problem is not None:
            problems.append(problem)
        elif expected is None and checked.type_of(checked.node) not in (
                FType.NUMBER, FType.INTEGER):
            problems.append(Problem(at, msg("a priority must be a number")))
    return problems

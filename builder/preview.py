"""The live preview: the generated form of a draft that is not published, rendered by the
runtime's own view models from a plan compiled on a synthetic table layout (no table needed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from metadata.errors import InvalidDocument, Problem
from runtime.context import Runtime
from runtime.fields.base import FieldValueError, formula_default
from runtime.forms.behaviour import FormState, RelatedLoader
from runtime.forms.formulas import analyze_form, with_result_types
from runtime.forms.plan import FormPlan
from runtime.permissions import ACTIONS, Access, Principal
from runtime.storage.migrate import layout_entry
from runtime.storage.reader import ReaderView
from runtime.storage.related import related_loader
from runtime.web.forms.layout import layout_tabs
from runtime.web.forms.live import apply_state
from runtime.web.forms.references import References
from runtime.web.forms.viewmodels import FormVM, PageContext, form_fields

PREVIEW_TABLE = "builder_preview"


def draft_plan(rt: Runtime, session: Session, app_key: str, form_key: str, doc: Any
               ) -> FormPlan:
    """The plan of ``doc`` with its formula behaviour, as publishing it would compile it;
    raises InvalidDocument with every problem the API would name."""
    ctx = rt.store.context(session, app_key, {form_key: doc})
    stored = rt.store.check("form", doc, ctx)
    if doc.get("key") != form_key:
        raise InvalidDocument([Problem("/key", f"must be {form_key!r}")])
    # relations reach the app's drafts (as the formula check did); their records, published
    analysis = analyze_form(doc, ctx.forms.get, rt.fields, rt.functions, stored)
    if analysis.problems:
        raise InvalidDocument(analysis.problems)
    body = with_result_types(doc, analysis.result_types)
    layout = [layout_entry(f) for f in body["fields"]]
    return rt.compile_plan(app_key, form_key, 0, body, analysis, PREVIEW_TABLE, layout)


def starting_values(plan: FormPlan) -> dict[str, Any]:
    """Fixed defaults, as a new record starts (formula defaults are the runtime's to show)."""
    out = {}
    for fld in plan.fields:
        ftype = plan.types[fld["type"]]
        if fld.get("default") is None or ftype.generated or formula_default(fld):
            continue
        try:
            out[fld["key"]] = ftype.coerce(fld["default"], fld)
        except FieldValueError:
            continue
    return out


def designer_access() -> Access:
    """The designer sees every field and may type into each."""
    return Access({action: "all" for action in ACTIONS})


def preview_related(rt: Runtime, session: Session, plan: FormPlan, principal: Principal
                    ) -> RelatedLoader:
    """Related values as the designer may read them (records they may not read: empty)."""
    return related_loader(session, plan, ReaderView(session, plan, principal, rt.directory))


def starting_state(rt: Runtime, session: Session, plan: FormPlan, values: dict[str, Any],
                   principal: Principal) -> FormState | None:
    """Fill in the default formulas of ``values``; the state a new record starts in."""
    if plan.behaviour is None:
        return None
    load = preview_related(rt, session, plan, principal)
    plan.behaviour.fill_defaults(values, set(), load)
    return plan.behaviour.state(dict(values), load)


def preview_form(rt: Runtime, session: Session, plan: FormPlan, principal: Principal,
                 lang: str, state_url: str = "") -> FormVM:
    """The generated form of the draft as a new record starts: hidden fields hidden, default
    formulas filled in, calculated values shown; ``state_url`` answers it as people type."""
    refs = References(rt, session, plan, principal, lang)
    values = starting_values(plan)
    state = starting_state(rt, session, plan, values, principal)
    refs.add_records(plan.fields, [values])
    refs.load()
    page = PageContext(plan, designer_access(), refs, lang, validate_url=None)
    fields = form_fields(page, values, None)
    apply_state(plan, fields, state, lang)
    vm = FormVM(title=plan.label(lang), action="", cancel_url="", validate_url="",
                fields=fields, submit_label=_("Submit"))
    vm.tabs = layout_tabs(plan.doc.get("layout"), fields, lang, prefix="preview-tab")
    vm.state_url = state_url if plan.behaviour is not None else ""
    return vm


def problem_list(problems: list[Problem], fields: list[Mapping]) -> list[str]:
    """Problems in words that name the field they are about."""
    out = []
    for problem in problems:
        parts = problem.path.split("/")
        where = ""
        if len(parts) > 2 and parts[1] == "fields" and parts[2].isdigit():
            index = int(parts[2])
            if index < len(fields):
                where = str(fields[index].get("key", "")) + ": "
        out.append(where + problem.message)
    return out

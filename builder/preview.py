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
from runtime.forms.layout import layout_tabs
from runtime.forms.plan import FormPlan, compile_plan
from runtime.forms.references import References
from runtime.forms.viewmodels import FormVM, PageContext, form_fields
from runtime.permissions import ACTIONS, Access, Principal
from runtime.storage.migrate import layout_entry

PREVIEW_TABLE = "builder_preview"


def draft_plan(rt: Runtime, session: Session, app_key: str, form_key: str, doc: Any
               ) -> FormPlan:
    """The plan of ``doc``; raises InvalidDocument with every problem the API would name."""
    rt.store.check("form", doc, rt.store.context(session, app_key, {form_key: doc}))
    if doc.get("key") != form_key:
        raise InvalidDocument([Problem("/key", f"must be {form_key!r}")])
    layout = [layout_entry(f) for f in doc["fields"]]
    return compile_plan(app_key, form_key, 0, doc, PREVIEW_TABLE, layout, rt.fields)


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


def preview_form(rt: Runtime, session: Session, plan: FormPlan, principal: Principal,
                 lang: str) -> FormVM:
    access = Access({action: "all" for action in ACTIONS})  # the designer sees every field
    refs = References(rt, session, plan, principal, lang)
    values = starting_values(plan)
    refs.add_records(plan.fields, [values])
    refs.load()
    page = PageContext(plan, access, refs, lang, validate_url=None)
    fields = form_fields(page, values, None)
    vm = FormVM(title=plan.label(lang), action="", cancel_url="", validate_url="",
                fields=fields, submit_label=_("Submit"))
    vm.tabs = layout_tabs(plan.doc.get("layout"), fields, lang, prefix="preview-tab")
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

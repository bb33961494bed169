"""The list-view designer: columns, default sort, per-page, saved filters and a formula filter.

The page prints the view's draft document; static/js/builder-views.js edits that same document
and saves it through the API (PUT with If-Match, publish), so the builder keeps no state of its
own. Creating a view saves its first draft here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.keys import derive_document_key
from metadata.errors import TrellisError
from metadata.keys import key_problem
from metadata.models import Document
from runtime.fields.base import label_text
from runtime.web import current_runtime, db_session, transaction
from runtime.web.forms.list_vm import DEFAULT_COLUMNS, op_labels, system_labels
from runtime.web.forms.preferences import SYSTEM_COLUMNS
from runtime.web.messages import translate, ui_lang
from runtime.web.routes import GET, GET_POST, Route

MAX_SORT = 5
NO_VALUE_OPS = ("isnull", "notnull")  # a flag filter takes a flag's code, or none for any
SYSTEM_OPS = {"id": "eq,ne,lt,lte,gt,gte,in,nin", "created_at": "eq,ne,lt,lte,gt,gte",
              "updated_at": "eq,ne,lt,lte,gt,gte", "owner": "eq,ne,in,nin,isnull,notnull"}


@dataclass
class FieldChoice:
    key: str
    label: str
    type_label: str
    ops: str  # comma-separated filter operators the field supports
    sortable: bool = True


@dataclass
class DesignerVM:
    app_key: str
    view_key: str
    form_key: str
    form_label: str
    label_zh: str
    label_en: str
    document_json: str
    revision: int
    published_version: int | None
    draft_dirty: bool
    shown: list[FieldChoice]
    hidden: list[FieldChoice]
    fields: list[FieldChoice]
    sort: list[dict]
    filters: list[dict]
    formula: str
    per_page: int | str
    ops: list[dict]
    urls: dict[str, str] = field(default_factory=dict)
    max_sort: int = MAX_SORT


def field_choices(form_body: dict, lang: str) -> list[FieldChoice]:
    """The form's fields, then the system columns, as the designer offers them."""
    types = current_runtime().fields
    out = []
    for fld in form_body.get("fields", []):
        ftype = types.get(fld["type"])
        if ftype is None:
            continue
        ops = ftype.operators(fld)
        out.append(FieldChoice(fld["key"], label_text(fld.get("label"), lang) or fld["key"],
                               label_text(ftype.label, lang), ",".join(ops), ftype.sortable))
    system = system_labels()
    out += [FieldChoice(key, system[key], _("system") + f" · {key}", SYSTEM_OPS[key])
            for key in SYSTEM_COLUMNS]
    return out


def value_text(value: object) -> str:
    if value is None:
        return ""
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def designer_vm(doc: Document) -> DesignerVM:
    rt, session, lang = current_runtime(), db_session(), ui_lang()
    body = doc.draft
    form = rt.store.find(session, doc.app_key, "form", body.get("form", ""))
    form_body = form.draft if form is not None else {"fields": []}
    choices = field_choices(form_body, lang)
    by_key = {c.key: c for c in choices}
    columns = [k for k in body.get("columns", []) if k in by_key]
    label = body.get("label")
    published = rt.store.published_body(session, doc)
    vm = DesignerVM(
        app_key=doc.app_key, view_key=doc.key, form_key=body.get("form", ""),
        form_label=label_text(form_body.get("label"), lang) or body.get("form", ""),
        label_zh=label.get("zh", "") if isinstance(label, dict) else str(label or ""),
        label_en=label.get("en", "") if isinstance(label, dict) else "",
        document_json=json.dumps(body, ensure_ascii=False), revision=doc.revision,
        published_version=doc.published_version, draft_dirty=published != body,
        shown=[by_key[k] for k in columns],
        hidden=[c for c in choices if c.key not in columns], fields=choices,
        sort=list(body.get("sort", []))[:MAX_SORT],
        filters=[{**f, "value_text": value_text(f.get("value"))}
                 for f in body.get("filters", [])],
        formula=body.get("filter", ""), per_page=body.get("per_page", ""),
        ops=[{"value": k, "label": v, "needs_value": k not in NO_VALUE_OPS}
             for k, v in op_labels().items()])
    api = f"/api/v1/apps/{doc.app_key}/views/{doc.key}"
    vm.urls = {"api": api, "publish": api + "/publish",
               "preview": url_for("forms.record_list", app_key=doc.app_key,
                                  form_key=vm.form_key, view=doc.key),
               "history": url_for("builder.history", app_key=doc.app_key, kinds="views",
                                  key=doc.key)}
    return vm


def view_designer(app_key: str, view_key: str):
    doc = current_runtime().store.get(db_session(), app_key, "view", view_key)
    return render_template("builder/view_designer.html", vm=designer_vm(doc))


@dataclass
class NewViewVM:
    app_key: str
    form_key: str
    form_label: str
    key: str = ""
    label_zh: str = ""
    label_en: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def first_columns(form_body: dict) -> list[str]:
    """A new view's columns: those of the form's list without a view."""
    types = current_runtime().fields
    fit = [f["key"] for f in form_body.get("fields", []) if not f.get("archived")
           and f.get("type") in types and types[f["type"]].default_column
           and not f.get("visible_if")]
    return fit[:DEFAULT_COLUMNS] + ["updated_at"]


def _key_of(vm: NewViewVM, taken: list[str]) -> str:
    """The key typed, or one derived from the name (as forms' keys are)."""
    if vm.key or not (vm.label_zh or vm.label_en):
        return vm.key
    return derive_document_key(vm.label_zh or vm.label_en, taken, "view")


def new_view(app_key: str, form_key: str):
    rt, session, lang = current_runtime(), db_session(), ui_lang()
    form = rt.store.find(session, app_key, "form", form_key)
    if form is None:
        abort(404)
    vm = NewViewVM(app_key, form_key, label_text(form.draft.get("label"), lang) or form_key)
    if request.method == "GET":
        return render_template("builder/view_new.html", vm=vm)
    vm.key = request.form.get("key", "").strip()
    vm.label_zh = request.form.get("label_zh", "").strip()
    vm.label_en = request.form.get("label_en", "").strip()
    vm.key = _key_of(vm, [d.key for d in rt.store.list(session, app_key, "view")])
    why = key_problem(vm.key, "view key")
    if why:
        vm.errors["key"] = translate(why)
    elif rt.store.find(session, app_key, "view", vm.key) is not None:
        vm.errors["key"] = _("A view with this key exists already.")
    if not (vm.label_zh or vm.label_en):
        vm.errors["label"] = _("Give the view a name.")
    if vm.errors:
        return render_template("builder/view_new.html", vm=vm), 422
    label = {k: v for k, v in (("zh", vm.label_zh), ("en", vm.label_en)) if v}
    body = {"kind": "view", "key": vm.key, "form": form_key, "label": label,
            "columns": first_columns(form.draft),
            "sort": [{"field": "updated_at", "direction": "desc"}]}
    try:
        with transaction():
            rt.store.save_draft(session, app_key, "view", vm.key, body, None, current_user.id)
    except TrellisError as exc:
        vm.errors["key"] = "; ".join(translate(p.message) for p in exc.problems)
        return render_template("builder/view_new.html", vm=vm), exc.status
    return redirect(url_for("builder.view_designer", app_key=app_key, view_key=vm.key), 303)


ROUTES: tuple[Route, ...] = (  # the list-view designer
    ("/<app_key>/views/<view_key>", "view_designer", view_designer, GET),
    ("/<app_key>/forms/<form_key>/new-view", "view_new", new_view, GET_POST),
)

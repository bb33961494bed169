"""Builder pages: the builder's home and the drag-and-drop form designer.

The designer keeps the draft document in the page and saves it through the documents API
(``PUT /api/v1/apps/<app>/forms/<form>``); the routes here only render: the property panel
of one field, the live preview of a draft, the publish summary, and keys derived from labels.
"""

from __future__ import annotations

import json
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.designer import designer_vm, published_field, summary_names, table_keys
from builder.effects import effect_vm, record_links
from builder.home import home_vm, new_app_doc, new_form_doc
from builder.keys import derive_key
from builder.preview import (
    designer_access,
    draft_plan,
    preview_form,
    preview_related,
    problem_list,
)
from builder.properties import PanelContext, Placement, build_panel
from builder.switching import stored_texts, switch_targets, switched_field
from metadata.errors import Conflict, InvalidDocument, Problem, TrellisError
from metadata.keys import field_key_problem
from runtime.api.documents import base_revision
from runtime.web import (
    current_principal,
    current_runtime,
    current_widgets,
    db_session,
    read_only,
    transaction,
)
from runtime.web.forms.live import state_response
from runtime.web.messages import translate, ui_lang
from runtime.web.routes import GET, POST, Route

MAX_BODY = 2 * 1024 * 1024
DRAFT_INPUT = "__draft"  # the preview form's copy of the draft; never a field key


def home():
    return render_template("builder/home.html",
                           apps=home_vm(current_runtime(), db_session(), ui_lang()))


def _created(problems: list[Problem]) -> None:
    for problem in problems:
        flash(translate(problem.message), "error")


def new_app():
    rt, session = current_runtime(), db_session()
    label = (request.form.get("label") or "").strip()
    if not label:
        flash(_("Give the app a name."), "error")
        return redirect(url_for("builder.home"))
    doc = new_app_doc(rt, session, label, (request.form.get("key") or "").strip(), ui_lang())
    if rt.store.find(session, doc["key"], "app", doc["key"]) is not None:
        flash(_("An app with the key %(key)s exists already.", key=doc["key"]), "error")
        return redirect(url_for("builder.home"))
    try:
        with transaction():
            saved = rt.store.save_draft(session, doc["key"], "app", doc["key"], doc, None,
                                        current_user.id)
            rt.publish(session, saved, current_user.id, "created")
    except TrellisError as exc:
        _created(exc.problems)
        return redirect(url_for("builder.home"))
    flash(_("App %(name)s created: add its first form.", name=label), "success")
    return redirect(url_for("builder.home", _anchor=f"app-{doc['key']}"))


def new_form(app_key: str):
    rt, session = current_runtime(), db_session()
    rt.store.get(session, app_key, "app", app_key)
    label = (request.form.get("label") or "").strip()
    if not label:
        flash(_("Give the form a name."), "error")
        return redirect(url_for("builder.home", _anchor=f"app-{app_key}"))
    doc = new_form_doc(rt, session, app_key, label, (request.form.get("key") or "").strip(),
                       ui_lang())
    if rt.store.find(session, app_key, "form", doc["key"]) is not None:
        flash(_("A form with the key %(key)s exists already.", key=doc["key"]), "error")
        return redirect(url_for("builder.home", _anchor=f"app-{app_key}"))
    try:
        with transaction():
            rt.store.save_draft(session, app_key, "form", doc["key"], doc, None,
                                current_user.id)
    except TrellisError as exc:
        _created(exc.problems)
        return redirect(url_for("builder.home", _anchor=f"app-{app_key}"))
    return redirect(url_for("builder.form_designer", app_key=app_key, form_key=doc["key"]))


def designer(app_key: str, form_key: str):
    rt, session = current_runtime(), db_session()
    app = rt.store.get(session, app_key, "app", app_key)
    doc = rt.store.get(session, app_key, "form", form_key)
    vm = designer_vm(rt, session, app, doc, ui_lang())
    return render_template("builder/designer.html", vm=vm)


def _json_arg(name: str) -> Any:
    raw = request.form.get(name)
    if raw is None or len(raw) > MAX_BODY:
        abort(400)
    try:
        return json.loads(raw)
    except ValueError:
        abort(400)


def properties(app_key: str, form_key: str):
    rt, session = current_runtime(), db_session()
    fld = _json_arg("field")
    if not isinstance(fld, dict) or fld.get("type") not in rt.fields:
        abort(400)
    index = request.form.get("index", type=int) or 0
    locked, _archived = table_keys(rt, session, app_key, form_key)
    forms = {d.key: d.draft for d in rt.store.list(session, app_key, "form")}
    ctx = PanelContext(lang=ui_lang(), forms=forms, locked_keys=frozenset(locked),
                       types=rt.fields, widgets=current_widgets(),
                       published=published_field(rt, session, app_key, form_key,
                                                 fld.get("key")))
    placement = Placement(columns=request.form.get("columns", type=int) or 1,
                          span=request.form.get("span", type=int) or 1)
    return render_template("builder/_properties.html",
                           panel=build_panel(fld, index, ctx, placement),
                           app_key=app_key, form_key=form_key,
                           seq=request.form.get("seq", type=int) or 0)


def preview(app_key: str, form_key: str):
    rt, session, lang = current_runtime(), db_session(), ui_lang()
    doc = _json_arg("doc")
    try:
        plan = draft_plan(rt, session, app_key, form_key, doc)
    except InvalidDocument as exc:
        fields = doc.get("fields", []) if isinstance(doc, dict) else []
        return render_template("builder/_preview.html", form=None,
                               problems=problem_list(exc.problems, fields))
    state_url = url_for("builder.form_preview_state", app_key=app_key, form_key=form_key)
    form = preview_form(rt, session, plan, current_principal(), lang, state_url)
    return render_template("builder/_preview.html", form=form, problems=[],
                           draft=json.dumps(doc, ensure_ascii=False), draft_input=DRAFT_INPUT)


def preview_state(app_key: str, form_key: str):
    """The formula state of the preview for what has been typed into it (form-behaviour.js)."""
    rt, session = current_runtime(), db_session()
    try:
        plan = draft_plan(rt, session, app_key, form_key, _json_arg(DRAFT_INPUT))
    except InvalidDocument as exc:
        return jsonify(exc.as_dict()), exc.status
    return state_response(plan, None, designer_access(), ui_lang(),
                          preview_related(rt, session, plan, current_principal()))


def derived_key(app_key: str, form_key: str):
    body = request.get_json(silent=True) or {}
    taken = [t for t in body.get("taken") or [] if isinstance(t, str)]
    locked, archived = table_keys(current_runtime(), db_session(), app_key, form_key)
    if isinstance(body.get("key"), str):
        key = body["key"]
        problem = field_key_problem(key)
        if problem is None and key in taken:
            problem = _("another field of this form uses the key %(key)s", key=key)
        elif problem is None and key in archived:
            problem = _("%(key)s belongs to an archived field: its old data comes back",
                        key=key)
        return jsonify({"key": key, "problem": translate(problem) if problem else None})
    label = str(body.get("label") or "")
    return jsonify({"key": derive_key(label, [*taken, *archived]), "problem": None})


@read_only
def publish_summary(app_key: str, form_key: str):
    """The publish dialog's summary of the saved draft (HTML): what publishing does to the
    stored data, how it converts, which records share values it makes unique; the API's
    problems (JSON, as the dry run gives them) when it cannot be published."""
    rt, session, lang = current_runtime(), db_session(), ui_lang()
    doc = rt.store.get(session, app_key, "form", form_key)
    expected = base_revision()
    try:
        if expected is not None and expected != doc.revision:
            raise Conflict(_("The form was changed elsewhere since this page loaded it: "
                             "reload it before publishing."))
        rt.store.check("form", doc.draft, rt.store.context(session, app_key, {}))
        plan, _problems = rt.publish_preview(session, doc)
    except TrellisError as exc:
        return jsonify({"errors": [{**p.as_dict(), "message": translate(p.message)}
                                   for p in exc.problems]}), exc.status
    effect = effect_vm(plan.summary(), summary_names(rt, session, doc, plan, lang), rt.fields,
                       lang, record_links(app_key, form_key))
    return render_template("builder/_publish_summary.html", effect=effect)


@read_only
def switch_type(app_key: str, form_key: str):
    """A field as it becomes of another type (``{"field", "type"}`` in, ``{"field"}`` out);
    a stored field may become only the types its values convert to."""
    rt, session = current_runtime(), db_session()
    body = request.get_json(silent=True) or {}
    fld, target = body.get("field"), body.get("type")
    if not isinstance(fld, dict) or fld.get("type") not in rt.fields or target not in rt.fields:
        abort(400)
    locked, _archived = table_keys(rt, session, app_key, form_key)
    stored = fld.get("key") in locked
    if target not in {t.type for t in switch_targets(fld, rt.fields, stored)}:
        message = _("The values of this field cannot be converted to that type.")
        return jsonify({"errors": [{"path": "/type", "message": message}]}), 422
    texts = stored_texts(rt, session, app_key, form_key, fld["key"]) if stored else []
    forms = [d.key for d in rt.store.list(session, app_key, "form")]
    return jsonify({"field": switched_field(fld, rt.fields[target], rt.fields, ui_lang(), forms,
                                            form_key, texts)})


FORM = "/<app_key>/forms/<form_key>"
ROUTES: tuple[Route, ...] = (  # the home and the form designer
    ("/", "home", home, GET),
    ("/apps", "new_app", new_app, POST),
    ("/<app_key>/forms", "new_form", new_form, POST),
    (FORM, "form_designer", designer, GET),
    (FORM + "/_properties", "form_properties", properties, POST),
    (FORM + "/_preview", "form_preview", preview, POST),
    (FORM + "/_preview/state", "form_preview_state", preview_state, POST),
    (FORM + "/_key", "form_key", derived_key, POST),
    (FORM + "/_publish_summary", "publish_summary", publish_summary, POST),
    (FORM + "/_switch_type", "switch_type", switch_type, POST),
)

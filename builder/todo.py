"""The to-do settings editor of an app (/build/<app>/todo): how each person's to-do list
(每日待办) ranks the app's tasks — a priority formula per form — the hints shown with them
and the form a logged follow-up becomes a record of, all in the app document's ``todo``.

The page prints the app draft and what the scripts need (builder/todo_vm.py);
builder-todo*.js edit its ``todo`` and autosave the whole draft through the documents API (PUT
with If-Match: 409 keeps the edits, 422 marks the control each problem's JSON Pointer names)
and publish it. The one route here that answers JSON works the settings out on one stored
record the reader may read (runtime.todo.hints), writing nothing."""

from __future__ import annotations

from collections.abc import Mapping

from flask import jsonify, render_template, request, url_for
from flask_babel import gettext as _

from builder.todo_vm import todo_config, todo_vm
from metadata.errors import NotFound, Problem, TrellisError
from runtime.todo.hints import work_out
from runtime.web import current_principal, current_runtime, db_session
from runtime.web.messages import translate, ui_lang
from runtime.web.routes import GET, POST, Route


def page(app_key: str):
    rt, session, lang = current_runtime(), db_session(), ui_lang()
    doc = rt.store.get(session, app_key, "app", app_key)
    forms = {d.key: d.draft for d in rt.store.list(session, app_key, "form")}
    api = f"/api/v1/apps/{app_key}"
    urls = {"api": api, "publish": api + "/publish", "home": url_for("builder.home"),
            "workflows": url_for("builder.workflows", app_key=app_key),
            "history": url_for("builder.history", app_key=app_key, kinds="apps",
                               key=app_key),
            "preview": url_for("builder.todo_preview", app_key=app_key),
            "records": f"/api/v1/apps/{app_key}/forms/{{form}}/records",
            "todo": url_for("todo.page")}
    vm = todo_vm(doc.draft, rt.store.published_body(session, doc),
                 todo_config(forms, rt.fields, lang), lang, app_key=app_key,
                 revision=doc.revision, published_version=doc.published_version, urls=urls)
    return render_template("builder/todo.html", vm=vm)


def _problems(problems: list[Problem], status: int):
    return jsonify({"errors": [{"path": p.path, "message": translate(p.message)}
                               for p in problems]}), status


def _asked(body: object, draft: Mapping) -> tuple[Mapping, str, int]:
    """(the settings to work out, the form, the record id) of a preview request."""
    if not isinstance(body, dict):
        raise TrellisError([Problem("", _("send a JSON object"))], 422)
    settings = body.get("todo", draft.get("todo") or {})
    form, record_id = body.get("form"), body.get("record_id")
    if not isinstance(settings, dict):
        raise TrellisError([Problem("/todo", _("must be an object"))], 422)
    if not isinstance(form, str) or not form:
        raise TrellisError([Problem("/form", _("choose a form"))], 422)
    if not isinstance(record_id, int) or isinstance(record_id, bool) or record_id < 1:
        raise TrellisError([Problem("/record_id", _("must be a record id"))], 422)
    return settings, form, record_id


def preview(app_key: str):
    """The priority and hint the settings sent (or the draft's) give a task on one record."""
    rt, session = current_runtime(), db_session()
    try:
        doc = rt.store.get(session, app_key, "app", app_key)
        settings, form_key, record_id = _asked(request.get_json(silent=True), doc.draft)
        rt.store.check("app", {**doc.draft, "todo": settings},
                       rt.store.context(session, app_key))
        plan = rt.plan(session, app_key, form_key)
        record = rt.records(session, plan, current_principal()).get_all(record_id)
        worked = work_out(rt, session, settings, plan, record, ui_lang())
    except NotFound as exc:
        return _problems(exc.problems, 404)
    except TrellisError as exc:
        return _problems(exc.problems, exc.status if 400 <= exc.status < 500 else 422)
    return jsonify({"form": form_key, "record_id": record_id, "priority": worked.priority,
                    "hint": worked.hint, "rule": worked.rule})


ROUTES: tuple[Route, ...] = (
    ("/<app_key>/todo", "todo_settings", page, GET),
    ("/<app_key>/todo/preview", "todo_preview", preview, POST),
)

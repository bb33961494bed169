"""The workflow designer: an app's workflows (/build/<app>/workflows), the canvas of one
(/build/<app>/workflows/<key>), its simulation and its instance view.

The pages print the draft and what the scripts need (builder/workflows_vm.py);
builder-workflow*.js draw the graph, edit it and autosave it through the documents API (PUT
with If-Match: 409 keeps the edits, 422 marks the node or edge each problem's JSON Pointer
names), publish it, and read the instances API. The one route here that answers JSON runs the
draft in memory with a virtual clock (builder/workflows_sim.py)."""

from __future__ import annotations

from flask import jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.pickers import people
from builder.workflows_sim import parse_start, simulate
from builder.workflows_vm import (
    WorkflowCard,
    designer_config,
    designer_vm,
    new_workflow_doc,
)
from metadata.errors import NotFound, Problem, TrellisError
from metadata.labels import label_text
from runtime.web import current_principal, current_runtime, db_session, transaction
from runtime.web.messages import translate, ui_lang
from runtime.web.routes import GET, POST, Route
from runtime.workflows.check import WorkflowError

MAX_DECISIONS = 500


def _card(app_key: str, doc, forms: dict, lang: str, published: dict | None) -> WorkflowCard:
    keys = {"app_key": app_key, "key": doc.key}
    form = forms.get(doc.draft.get("form")) or {}
    return WorkflowCard(
        key=doc.key, label=label_text(doc.draft.get("label"), lang) or doc.key,
        form=label_text(form.get("label"), lang) or doc.draft.get("form", ""),
        url=url_for("builder.workflow_designer", **keys),
        instances_url=url_for("builder.workflow_instances", **keys),
        history_url=url_for("builder.history", kinds="workflows", **keys),
        nodes=len(doc.draft.get("nodes") or []), published_version=doc.published_version,
        changed=published is not None and published != doc.draft)


def index(app_key: str):
    rt, session, lang = current_runtime(), db_session(), ui_lang()
    rt.store.get(session, app_key, "app", app_key)
    forms = {d.key: d.draft for d in rt.store.list(session, app_key, "form")}
    cards = [_card(app_key, d, forms, lang, rt.store.published_body(session, d))
             for d in rt.store.list(session, app_key, "workflow")]
    choices = [(k, label_text(f.get("label"), lang) or k) for k, f in forms.items()]
    return render_template("builder/workflows.html", cards=cards, app_key=app_key,
                           forms=choices, todo=url_for("builder.todo_settings", app_key=app_key),
                           create=url_for("builder.workflow_new", app_key=app_key))


def new_workflow(app_key: str):
    rt, session, lang = current_runtime(), db_session(), ui_lang()
    form_key = request.form.get("form", "")
    form = rt.store.get(session, app_key, "form", form_key)
    taken = [d.key for d in rt.store.list(session, app_key, "workflow")]
    label = (request.form.get("label") or "").strip()[:100] or _(
        "%(form)s workflow", form=label_text(form.draft.get("label"), lang) or form_key)
    doc = new_workflow_doc(form_key, label, taken, lang)
    with transaction():
        rt.store.save_draft(session, app_key, "workflow", doc["key"], doc, None,
                            current_user.id)
    return redirect(url_for("builder.workflow_designer", app_key=app_key, key=doc["key"]))


def _config(app_key: str, doc, forms: dict, lang: str) -> dict:
    rt, session = current_runtime(), db_session()
    workflows = [[d.key, label_text(d.draft.get("label"), lang) or d.key]
                 for d in rt.store.list(session, app_key, "workflow") if d.key != doc.key]
    choices = {"workflows": workflows,
               "strategies": [[s.key, _(s.label)] for s in rt.routing.strategies],
               "teams": [[t, t] for t in rt.directory.teams(session).values()],
               "roles": [[k, label_text(v, lang) or k]
                         for k, v in rt.directory.roles(session).items()],
               "people": people(session, rt.directory, doc.draft)}
    form = forms.get(doc.draft.get("form")) or {}
    return designer_config(form, forms, rt.fields, lang, rt.nodes, choices)


def _urls(app_key: str, key: str, form_key: str) -> dict[str, str]:
    api = f"/api/v1/apps/{app_key}/workflows/{key}"
    keys = {"app_key": app_key, "key": key}
    return {"api": api, "publish": api + "/publish", "instances": api + "/instances",
            "home": url_for("builder.home"),
            "list": url_for("builder.workflows", app_key=app_key),
            "designer": url_for("builder.workflow_designer", **keys),
            "instancesPage": url_for("builder.workflow_instances", **keys),
            "simulate": url_for("builder.workflow_simulate", **keys),
            "history": url_for("builder.history", kinds="workflows", **keys),
            "records": f"/api/v1/apps/{app_key}/forms/{form_key}/records",
            "users": url_for("forms.user_search")}


def _page(app_key: str, key: str, template: str):
    rt, session, lang = current_runtime(), db_session(), ui_lang()
    doc = rt.store.get(session, app_key, "workflow", key)
    forms = {d.key: d.draft for d in rt.store.list(session, app_key, "form")}
    config = _config(app_key, doc, forms, lang)
    if template.endswith("instances.html"):
        config["published"] = rt.store.published_body(session, doc)
        config["publishedVersion"] = doc.published_version
    vm = designer_vm(doc, forms, config, lang, _urls(app_key, key, doc.draft.get("form", "")))
    return render_template(template, vm=vm)


def designer(app_key: str, key: str):
    return _page(app_key, key, "builder/workflow.html")


def instances(app_key: str, key: str):
    return _page(app_key, key, "builder/workflow_instances.html")


def _problems(problems: list[Problem], status: int):
    return jsonify({"errors": [{"path": p.path, "message": translate(p.message)}
                               for p in problems]}), status


def _sim_record(rt, session, form_key: str, app_key: str, body: dict) -> dict:
    record: dict = {"id": None, "owner": None}
    record_id = body.get("record_id")
    if record_id not in (None, ""):
        if not isinstance(record_id, int) or isinstance(record_id, bool):
            raise TrellisError([Problem("/record_id", _("must be a record id"))], 422)
        plan = rt.plan(session, app_key, form_key)
        record = rt.records(session, plan, current_principal()).get_all(record_id)
    values = body.get("values") or {}
    if not isinstance(values, dict):
        raise TrellisError([Problem("/values", _("must be an object"))], 422)
    return {**record, **values}


def simulation(app_key: str, key: str):
    """Run the draft (or the workflow ``doc`` sent) on a record in memory."""
    rt, session = current_runtime(), db_session()
    doc = rt.store.get(session, app_key, "workflow", key)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _problems([Problem("", _("send a JSON object"))], 422)
    draft = body.get("doc") if isinstance(body.get("doc"), dict) else doc.draft
    decisions = body.get("decisions") or {}
    start = parse_start(body.get("start"), rt.clock.now())
    if start is None or not isinstance(decisions, dict) or len(decisions) > MAX_DECISIONS:
        return _problems([Problem("/start" if start is None else "/decisions",
                                  _("not understood"))], 422)
    try:
        ctx = rt.store.context(session, app_key)
        rt.store.check("workflow", draft, ctx)
        record = _sim_record(rt, session, draft.get("form", ""), app_key, body)
        return jsonify(simulate(rt, ctx, draft, record, start, decisions))
    except NotFound as exc:
        return _problems(exc.problems, 404)
    except (TrellisError, WorkflowError) as exc:
        return _problems(exc.problems, 422)


ROUTES: tuple[Route, ...] = (
    ("/<app_key>/workflows", "workflows", index, GET),
    ("/<app_key>/workflows/new", "workflow_new", new_workflow, POST),
    ("/<app_key>/workflows/<key>", "workflow_designer", designer, GET),
    ("/<app_key>/workflows/<key>/instances", "workflow_instances", instances, GET),
    ("/<app_key>/workflows/<key>/simulate", "workflow_simulate", simulation, POST),
)

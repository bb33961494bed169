"""Workflows at work: an app's instances of a workflow (where each is, its history), starting
one by hand, cancelling one, what an admin does with a step that kept failing; human tasks
(approve, reject, return, complete, reassign) and the caller's to-do list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Response, jsonify, request

from metadata.checks import Validators
from metadata.errors import NotFound, Problem, TrellisError
from metadata.labels import label_text
from metadata.orm import MAX_INTEGER
from runtime.api.access import DESIGNERS, require
from runtime.api.errors import json_body
from runtime.api.rules_runtime import ADMINS, reader_lang
from runtime.rules.incidents import get_incident
from runtime.storage.records import iso as iso_time
from runtime.todo.follow_up import log_follow_up
from runtime.todo.listing import open_tasks
from runtime.web import current_runtime, db_session, transaction
from runtime.web.routes import GET, POST, Route
from runtime.workflows import incidents as wf_incidents
from runtime.workflows import tasks as wf_tasks
from runtime.workflows.migrate import migrate
from runtime.workflows.runner import graph_of, launcher, start_on
from runtime.workflows.store import INSTANCES, STEPS, TASKS, TOKENS, Rows

STATUSES = ("running", "completed", "rejected", "cancelled", "exited", "failed")
MIGRATION = {"type": "object", "additionalProperties": False, "required": ["from_version"],
             "properties": {
                 "from_version": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                 "to_version": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                 "mapping": {"type": "object", "maxProperties": 500,
                             "additionalProperties": {"type": "string", "minLength": 1,
                                                      "maxLength": 63}},
                 "instances": {"type": "array", "maxItems": 10000, "uniqueItems": True,
                               "items": {"type": "integer", "minimum": 1,
                                         "maximum": MAX_INTEGER}},
                 "dry_run": {"type": "boolean"}}}


BODIES = Validators({"migration": MIGRATION})


def migration_request(body: Any) -> dict:
    """The body of a migration, or 422 with each problem at its path."""
    problems = BODIES.schema_problems("migration", body)
    if problems:
        raise TrellisError(problems, 422)
    return body


def _current(session, instance_ids: list[int]) -> dict[int, list[str]]:
    rows = session.execute(sa.select(TOKENS.c.instance_id, TOKENS.c.node).where(
        TOKENS.c.instance_id.in_(instance_ids), TOKENS.c.status.in_(("active", "waiting")))
        .order_by(TOKENS.c.id)).all()
    out: dict[int, list[str]] = {}
    for row in rows:
        out.setdefault(row.instance_id, []).append(row.node)
    return out


def instance_json(row, current: list[str]) -> dict[str, Any]:
    return {"id": row["id"], "workflow": row["workflow"], "version": row["version"],
            "record": {"app": row["app_key"], "form": row["form_key"], "id": row["record_id"]},
            "status": row["status"], "current": current, "reason": row["reason"],
            "started_at": iso_time(row["created_at"]),
            "ended_at": iso_time(row["ended_at"]) if row["ended_at"] else None}


def list_instances(app_key: str, key: str) -> Response:
    require("metadata:read", DESIGNERS)
    rt, session = current_runtime(), db_session()
    rt.store.get(session, app_key, "workflow", key)
    status = request.args.get("status")
    if status is not None and status not in STATUSES:
        raise TrellisError([Problem("/status", "must be one of " + ", ".join(STATUSES))])
    query = sa.select(INSTANCES).where(INSTANCES.c.app_key == app_key,
                                       INSTANCES.c.workflow == key)
    if status is not None:
        query = query.where(INSTANCES.c.status == status)
    rows = list(session.execute(query.order_by(INSTANCES.c.id.desc()).limit(500)).mappings())
    current = _current(session, [r["id"] for r in rows])
    return jsonify({"instances": [instance_json(r, current.get(r["id"], [])) for r in rows]})


def _instance(app_key: str, key: str, instance_id: int):
    row = db_session().execute(sa.select(INSTANCES).where(
        INSTANCES.c.id == instance_id, INSTANCES.c.app_key == app_key,
        INSTANCES.c.workflow == key)).mappings().first()
    if row is None:
        raise NotFound([Problem("", f"no instance {instance_id} of workflow {key!r}")])
    return row


def get_instance(app_key: str, key: str, instance_id: int) -> Response:
    require("metadata:read", DESIGNERS)
    session = db_session()
    row = _instance(app_key, key, instance_id)
    out = instance_json(row, _current(session, [instance_id]).get(instance_id, []))
    steps = session.execute(sa.select(STEPS).where(STEPS.c.instance_id == instance_id)
                            .order_by(STEPS.c.id)).mappings()
    out["history"] = [{"step": s["id"], "node": s["node"], "kind": s["kind"],
                       "status": s["status"], "attempts": s["attempts"],
                       "due_at": iso_time(s["due_at"]),
                       "done_at": iso_time(s["done_at"]) if s["done_at"] else None,
                       "error": s["error"], "result": s["result"]} for s in steps]
    tasks = session.execute(sa.select(TASKS).where(TASKS.c.instance_id == instance_id)
                            .order_by(TASKS.c.id)).mappings()
    out["tasks"] = [task_json(t) for t in tasks]
    return jsonify(out)


def start(app_key: str, key: str) -> Response:
    principal = require("records:write")
    rt, session = current_runtime(), db_session()
    body = json_body(16 * 1024)
    record_id = body.get("record_id") if isinstance(body, dict) else None
    if not isinstance(record_id, int) or isinstance(record_id, bool) \
            or not 0 < record_id <= MAX_INTEGER:
        raise TrellisError([Problem("/record_id", "must be a record id")], 422)
    doc = rt.store.get(session, app_key, "workflow", key)
    if doc.published_version is None:
        raise TrellisError([Problem("", f"workflow {key!r} is not published")], 409)
    form = rt.store.version(session, doc, doc.published_version).body["form"]
    plan = rt.plan(session, app_key, form)
    rt.records(session, plan, principal).get(record_id)  # 404 unless the caller reads it
    with transaction():
        instance_id = start_on(rt, Rows(session, rt.clock.now(), launcher(rt)), app_key, key,
                               record_id, started_by=principal.user_id)
    if instance_id is None:
        raise TrellisError([Problem("", "the workflow runs on this record already")], 409)
    row = _instance(app_key, key, instance_id)
    return jsonify(instance_json(row, [])), 201


def cancel(app_key: str, key: str, instance_id: int) -> Response:
    require("metadata:write", ADMINS)
    rt, session = current_runtime(), db_session()
    _instance(app_key, key, instance_id)
    with transaction():
        done = wf_incidents.cancel_instance(rt, session, instance_id, rt.clock.now())
    if not done:
        raise TrellisError([Problem("", "the instance is not running")], 409)
    row = _instance(app_key, key, instance_id)
    return jsonify(instance_json(row, []))


def migrate_instances(app_key: str, key: str) -> Response:
    """Running instances of one version moved to another (the published one by default)
    with a node mapping; ``dry_run`` says what would move and moves nothing."""
    require("metadata:write", ADMINS)
    rt, session = current_runtime(), db_session()
    body = json_body(64 * 1024)
    ask = migration_request(body)
    doc = rt.store.get(session, app_key, "workflow", key)
    to = ask.get("to_version") or doc.published_version
    graphs = {}
    for name, number in (("from_version", ask["from_version"]), ("to_version", to)):
        try:
            graphs[name] = graph_of(rt, session, app_key, key, number)
        except NotFound as exc:
            raise TrellisError([Problem(f"/{name}", "no such version of the workflow")],
                               422) from exc
    with transaction():
        rows = Rows(session, rt.clock.now(), launcher(rt))
        problems, done = migrate(rows, app_key, graphs["from_version"], graphs["to_version"],
                                 ask.get("mapping") or {}, ask.get("instances"))
        if problems:
            raise TrellisError(problems, 422)
        if ask.get("dry_run"):
            session.rollback()
    return jsonify({"from_version": ask["from_version"], "to_version": to,
                    "instances": done.instances, "reentered": done.reentered,
                    "kept": done.kept, "dry_run": bool(ask.get("dry_run"))})


def incident_action(app_key: str, incident_id: int, action: str) -> Response:
    require("metadata:write", ADMINS)
    rt, session = current_runtime(), db_session()
    found = get_incident(session, app_key, incident_id)
    if found is None or found["kind"] != "workflow_step":
        raise NotFound([Problem("", f"no workflow incident {incident_id} in this app")])
    if found["status"] == "resolved":
        raise TrellisError([Problem("", "the incident is resolved already")], 409)
    now = rt.clock.now()
    with transaction():
        if action == "retry":
            wf_incidents.retry_step(session, found["job_id"], now)
        elif action == "skip":
            wf_incidents.skip_step(rt, session, found, now)
        else:
            wf_incidents.cancel_from_incident(rt, session, found, now)
    return jsonify({"id": incident_id, "action": action,
                    "status": get_incident(session, app_key, incident_id)["status"]})


def task_json(row) -> dict[str, Any]:
    lang = reader_lang()
    return {"id": row["id"], "kind": row["kind"], "node": row["node"],
            "instance": row["instance_id"], "title": label_text(row["title"], lang),
            "record": {"app": row["app_key"], "form": row["form_key"], "id": row["record_id"]},
            "assignee": row["assignee_id"], "status": row["status"], "outcome": row["outcome"],
            "due_at": iso_time(row["due_at"]) if row["due_at"] else None,
            "priority": row["priority"], "hint": row["hint"],
            "escalated": bool(row["escalated"]), "editable": row["editable"] or [],
            "reminded": row["reminded_at"] is not None,
            "snoozed_until": iso_time(row["snoozed_until"]) if row["snoozed_until"] else None}


def todo() -> Response:
    principal = require("records:read")
    rt = current_runtime()
    rows = open_tasks(rt, db_session(), principal.user_id, reader_lang())
    return jsonify({"tasks": [task_json(r) | {"overdue": r["overdue"],
                                              "workflow": r["workflow"]} for r in rows],
                    "count": len(rows)})


def task_action(task_id: int, action: str) -> Response:
    principal = require("records:write")
    rt, session = current_runtime(), db_session()
    body = json_body(64 * 1024) if request.content_length else {}
    if not isinstance(body, dict):
        raise TrellisError([Problem("", "send a JSON object")], 422)
    with transaction():
        if action in ("snooze", "follow_up"):
            row = _later(rt, session, task_id, principal, action, body)
        elif action == "reassign":
            user = body.get("user")
            if not isinstance(user, int) or isinstance(user, bool) or not 0 < user \
                    <= MAX_INTEGER:
                raise TrellisError([Problem("/user", "must be a user id")], 422)
            row = wf_tasks.reassign(rt, session, task_id, principal, user)
        else:
            comment, values = body.get("comment"), body.get("values")
            if comment is not None and not isinstance(comment, str):
                raise TrellisError([Problem("/comment", "must be a text")], 422)
            if values is not None and not isinstance(values, dict):
                raise TrellisError([Problem("/values", "must be an object")], 422)
            row = wf_tasks.decide(rt, session, task_id, principal, action, comment, values)
    return jsonify(task_json(row))


def _later(rt, session, task_id: int, principal, action: str, body: dict):
    """Snooze a task until a time, or log a follow-up on it."""
    if action == "follow_up":
        return log_follow_up(rt, session, task_id, principal, body.get("text"))
    until = body.get("until")
    try:
        moment = datetime.fromisoformat(until.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        raise TrellisError([Problem("/until", "must be a date and time (ISO 8601)")],
                           422) from None
    if moment.tzinfo is None:
        raise TrellisError([Problem("/until", "must name its time zone (Z or +08:00)")], 422)
    return wf_tasks.snooze(session, task_id, principal, moment, rt.clock.now())


BASE = "/apps/<app_key>/workflows/<key>"
ACTIONS = "<any(approve, reject, return, complete, reassign, snooze, follow_up):action>"
ROUTES: tuple[Route, ...] = (
    (BASE + "/instances", "list_workflow_instances", list_instances, GET),
    (BASE + "/instances/<int:instance_id>", "get_workflow_instance", get_instance, GET),
    (BASE + "/instances/<int:instance_id>/cancel", "cancel_workflow_instance", cancel, POST),
    (BASE + "/start", "start_workflow", start, POST),
    (BASE + "/migrate", "migrate_workflow_instances", migrate_instances, POST),
    ("/apps/<app_key>/workflow-incidents/<int:incident_id>/<any(retry, skip, cancel):action>",
     "workflow_incident_action", incident_action, POST),
    ("/todo", "todo", todo, GET),
    (f"/tasks/<int:task_id>/{ACTIONS}", "task_action", task_action, POST),
)

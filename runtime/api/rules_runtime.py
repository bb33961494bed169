"""What rules did and may do to records: a record's point ledger, running a manual rule on a
record, the app's incidents (and retrying them), and the reader's in-app notifications."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Response, jsonify, request
from flask_babel import get_locale, gettext

from metadata.errors import Forbidden, NotFound, Problem, TrellisError
from metadata.labels import label_text
from metadata.messages import Message
from metadata.orm import MAX_INTEGER
from runtime.api.access import require
from runtime.api.errors import json_body
from runtime.api.records import BASE, records_for
from runtime.rules.incidents import get_incident, incidents, retry_incident
from runtime.rules.ledger import Ledger
from runtime.rules.manual import MAX_RUN, ManualRun, counts
from runtime.rules.models import Notification
from runtime.storage.bulk_changes import chosen_ids
from runtime.storage.records import iso as iso_time
from runtime.web import current_runtime, db_session, transaction
from runtime.web.routes import GET, POST, Route

ADMINS = frozenset({"admin"})
NOTES = Notification.__table__


def reader_lang() -> str:
    """Programs (tokens) read English; people read their own language."""
    if request.headers.get("Authorization"):
        return "en"
    return str(get_locale() or "zh")


def ledger(app_key: str, form_key: str, record_id: int) -> Response:
    records = records_for(app_key, form_key, require("records:read"))
    records.get(record_id)  # 404 unless the reader may read the record (its row scope)
    entries = Ledger(records.session, app_key, form_key, records.now).entries(record_id)
    return jsonify({"entries": [ledger_json(e, reader_lang()) for e in entries],
                    "totals": totals(entries)})


def ledger_json(entry: dict, lang: str) -> dict[str, Any]:
    points = entry["points"]
    return {"id": entry["id"], "at": iso_time(entry["at"]), "model": entry["model"],
            "kind": entry["kind"], "rule": entry["key"], "ruleset": entry["ruleset"],
            "points": int(points) if float(points).is_integer() else points,
            "reason": label_text(entry["reason"], lang) or entry["key"] or entry["kind"],
            "event": entry["event_id"], "related": entry["related_id"],
            "actor": entry["actor_id"]}


def totals(entries: list[dict]) -> dict[str, float]:
    out: dict[str, float] = {}
    for e in entries:
        out[e["model"]] = out.get(e["model"], 0) + e["points"]
    return {k: int(v) if float(v).is_integer() else v for k, v in out.items()}


def run_rule(app_key: str, form_key: str, record_id: int, rule: str) -> Response:
    principal = require("records:write")
    records = records_for(app_key, form_key, principal)
    records.get(record_id)  # 404 unless the reader may read the record
    if not records.may("update", record_id):
        raise Forbidden([Problem("", "you may not change this record")])
    run = ManualRun(current_runtime(), records, rule, principal.user_id)
    with transaction():
        outcome = run.execute(record_id)
    return jsonify({"rule": run.name, "status": outcome.status,
                    "record": records.get(record_id)})


def run_rule_bulk(app_key: str, form_key: str, rule: str) -> Response:
    """Run a manual rule on chosen records (at most ``MAX_RUN``): what it did to each."""
    principal = require("records:write")
    records = records_for(app_key, form_key, principal)
    payload = json_body(64 * 1024)
    if not isinstance(payload, dict) or set(payload) - {"ids"}:
        raise TrellisError([Problem("", "send {\"ids\": [...]}")], 422)
    ids = chosen_ids(payload.get("ids"), "/ids", MAX_RUN)
    run = ManualRun(current_runtime(), records, rule, principal.user_id)
    with transaction():
        outcomes = run.run_chosen(ids)
    lang = reader_lang()
    return jsonify({"rule": run.name, **counts(outcomes), "results": [
        {"id": o.id, "status": o.status, "changed": o.changed, "failed": o.failed,
         "error": localized(o.reason, lang)} for o in outcomes]})


def localized(reason: Message | str | None, lang: str) -> str | None:
    if isinstance(reason, Message):
        return reason.localized(gettext, lang) if lang != "en" else str(reason)
    return reason


def list_incidents(app_key: str) -> Response:
    require("metadata:read", ADMINS)
    statuses = request.args.getlist("status")
    if len(statuses) > 1 or not set(statuses) <= {"open", "retrying", "resolved"}:
        raise TrellisError([Problem("/status", "must be open, retrying or resolved")], 400)
    current_runtime().store.get(db_session(), app_key, "app", app_key)  # 404: no such app
    found = incidents(db_session(), app_key, statuses[0] if statuses else None)
    return jsonify({"incidents": [incident_json(i) for i in found]})


def incident_json(row: dict) -> dict[str, Any]:
    return {"id": row["id"], "kind": row["kind"], "status": row["status"],
            "form": row["form_key"], "record_id": row["record_id"], "rule": row["rule"],
            "summary": row["summary"], "error": row["error"], "attempts": row["attempts"],
            "retryable": row["retryable"], "opened_at": iso_time(row["opened_at"]),
            "updated_at": iso_time(row["updated_at"])}


def retry(app_key: str, incident_id: int) -> Response:
    require("metadata:write", ADMINS)
    rt, session = current_runtime(), db_session()
    rt.store.get(session, app_key, "app", app_key)  # 404: no such app
    found = get_incident(session, app_key, incident_id)
    if found is None:
        raise NotFound([Problem("", f"no incident {incident_id} in this app")])
    with transaction():
        job_id = retry_incident(session, found, rt.clock.now())
    if job_id is None and found["kind"] != "workflow_step":
        raise TrellisError([Problem("", "this incident cannot be retried: fix the rules and "
                                        "write the record again")], 409)
    if job_id is not None:
        rt.launch_rule_job(job_id)  # a workflow step: the sweeper hands it out
    return jsonify(incident_json(get_incident(session, app_key, incident_id)))


def notifications() -> Response:
    principal = require("records:read")
    session = db_session()
    query = (sa.select(NOTES).where(NOTES.c.user_id == principal.user_id)
             .order_by(NOTES.c.id.desc()).limit(100))
    unread_only = request.args.getlist("unread")
    if len(unread_only) > 1 or not set(unread_only) <= {"0", "1", "true", "false"}:
        raise TrellisError([Problem("/unread", "must be 1, 0, true or false")], 400)
    if unread_only and unread_only[0] in ("1", "true"):
        query = query.where(NOTES.c.read_at.is_(None))
    lang = reader_lang()
    found = [{"id": n["id"], "title": label_text(n["title"], lang),
              "message": label_text(n["message"], lang) or None, "priority": n["priority"],
              "app": n["app_key"], "form": n["form_key"], "record_id": n["record_id"],
              "created_at": iso_time(n["created_at"]), "read": n["read_at"] is not None}
             for n in session.execute(query).mappings()]
    unread = session.scalar(sa.select(sa.func.count()).select_from(NOTES).where(
        NOTES.c.user_id == principal.user_id, NOTES.c.read_at.is_(None)))
    return jsonify({"notifications": found, "unread": unread})


def read_notifications() -> Response:
    principal = require("records:read")
    rt, session = current_runtime(), db_session()
    payload = json_body(64 * 1024) if request.content_length else {}
    if not isinstance(payload, dict) or set(payload) - {"ids"}:
        raise TrellisError([Problem("", "send {\"ids\": [...]} or nothing")], 422)
    ids = payload.get("ids")
    if "ids" in payload and (not isinstance(ids, list) or len(ids) > 1000 or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_INTEGER
            for i in ids)):
        raise TrellisError([Problem("/ids", "must be a list of at most 1000 notification "
                                            "ids")], 422)
    where = sa.and_(NOTES.c.user_id == principal.user_id, NOTES.c.read_at.is_(None))
    if ids is not None:
        where = sa.and_(where, NOTES.c.id.in_(ids))
    with transaction():
        done = session.execute(NOTES.update().where(where).values(read_at=rt.clock.now()))
    return jsonify({"read": done.rowcount})


ROUTES: tuple[Route, ...] = (
    (BASE + "/<int:record_id>/ledger", "ledger", ledger, GET),
    (BASE + "/<int:record_id>/rules/<rule>/run", "run_rule", run_rule, POST),
    (BASE + "/rules/<rule>/run", "run_rule_bulk", run_rule_bulk, POST),
    ("/apps/<app_key>/incidents", "incidents", list_incidents, GET),
    ("/apps/<app_key>/incidents/<int:incident_id>/retry", "retry_incident", retry, POST),
    ("/notifications", "notifications", notifications, GET),
    ("/notifications/read", "read_notifications", read_notifications, POST),
)

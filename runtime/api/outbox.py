"""The outbox over the API (admins): outgoing messages newest first, filtered by status,
channel and app, one message, and a retry of a failed, bounced or held one."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from metadata.errors import NotFound, Problem, TrellisError
from metadata.keys import KEY_RE
from metadata.orm import whole_number
from runtime.api.access import require
from runtime.notify import outbox
from runtime.storage.records import iso as iso_time
from runtime.web import current_runtime, db_session, transaction
from runtime.web.routes import GET, POST, Route

ADMINS = frozenset({"admin"})
CHANNELS = ("email", "sms", "webhook")
MAX_LIMIT = 500


def list_outbox() -> Response:
    require("metadata:read", ADMINS)
    args = {"status": _one("status", outbox.STATUSES), "channel": _one("channel", CHANNELS),
            "app_key": _one("app", None)}
    limit = _number("limit", 100, MAX_LIMIT)
    before = _number("before", None)
    found = outbox.messages(db_session(), **args, before=before, limit=limit)
    return jsonify({"messages": [message_json(m) for m in found],
                    "next": found[-1]["id"] if len(found) == limit else None})


def _one(name: str, allowed: tuple[str, ...] | None) -> str | None:
    given = request.args.getlist(name)
    if len(given) > 1 or (given and allowed is not None and given[0] not in allowed):
        choices = f"one of {', '.join(allowed)}" if allowed else "given once"
        raise TrellisError([Problem(f"/{name}", f"must be {choices}")], 400)
    if given and allowed is None and not KEY_RE.match(given[0]):
        raise TrellisError([Problem(f"/{name}", "must be an app's key")], 400)
    return given[0] if given else None


def _number(name: str, default: int | None, most: int | None = None) -> int | None:
    given = request.args.getlist(name)
    if not given:
        return default
    number = whole_number(given[0]) if len(given) == 1 else None
    if number is None or number < 1 or (most is not None and number > most):
        upper = most or "2147483647"
        raise TrellisError([Problem(f"/{name}", f"must be a whole number from 1 to {upper}")],
                           400)
    return number


def message_json(row: dict) -> dict[str, Any]:
    record = ({"app": row["app_key"], "form": row["form_key"], "id": row["record_id"]}
              if row["record_id"] is not None else None)
    return {"id": row["id"], "app": row["app_key"], "channel": row["channel"],
            "to": row["to"], "subject": row["subject"], "body_text": row["body_text"],
            "body_html": row["body_html"], "status": row["status"],
            "attempts": row["attempts"], "last_error": row["last_error"], "record": record,
            "source": row["source"], "idempotency_key": row["idempotency_key"],
            "created_at": iso_time(row["created_at"]),
            "updated_at": iso_time(row["updated_at"]),
            "sent_at": iso_time(row["sent_at"]) if row["sent_at"] else None,
            "next_attempt_at": iso_time(row["due_at"]) if row["due_at"] else None}


def get_message(message_id: int) -> Response:
    require("metadata:read", ADMINS)
    found = outbox.message(db_session(), message_id)
    if found is None:
        raise NotFound([Problem("", f"no message {message_id} in the outbox")])
    return jsonify(message_json(found))


def retry_message(message_id: int) -> Response:
    require("metadata:write", ADMINS)
    rt, session = current_runtime(), db_session()
    found = outbox.message(session, message_id)
    if found is None:
        raise NotFound([Problem("", f"no message {message_id} in the outbox")])
    with transaction():
        done = outbox.retry(session, message_id, rt.clock.now())
    if not done:
        raise TrellisError([Problem("/status", f"a message that is {found['status']} is not "
                                               "retried (only failed, bounced or held ones)")],
                           409)
    rt.notify.launch(message_id)
    return jsonify(message_json(outbox.message(session, message_id)))


ROUTES: tuple[Route, ...] = (
    ("/outbox", "outbox", list_outbox, GET),
    ("/outbox/<int:message_id>", "outbox_message", get_message, GET),
    ("/outbox/<int:message_id>/retry", "retry_message", retry_message, POST),
)

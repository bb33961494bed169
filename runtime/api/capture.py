"""Webhook endpoints for admins: a webhook's address and secret (and rotating them), its
deliveries with what each became, and replaying refused ones after the mapping is fixed."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from metadata.errors import Conflict, NotFound, Problem, TrellisError
from metadata.orm import whole_number
from runtime.api.access import require
from runtime.api.errors import json_body
from runtime.capture.deliveries import REPLAYABLE, Deliveries, as_json
from runtime.capture.endpoints import MAX_GIVEN_SECRET
from runtime.web import current_runtime, db_session
from runtime.web.capture.service import (
    active_user,
    endpoints,
    ensure_endpoint,
    external_url,
    records_of,
    webhook,
)
from runtime.web.routes import GET, POST, Route

ADMINS = frozenset({"admin"})
HOOK = "/apps/<app_key>/forms/<form_key>/webhooks/<hook_key>"
STATUSES = ("received", "applied", "refused", "duplicate", "unauthorized", "malformed",
            "too_large")


def hook_json(app_key: str, form_key: str, hook_key: str) -> dict[str, Any]:
    hook = webhook(app_key, form_key, hook_key)
    ensure_endpoint(app_key, form_key, hook_key)
    store = endpoints()
    revealed = store.reveal(store.get(app_key, form_key, hook_key))
    return {"key": hook_key, "url": external_url(f"/hooks/{revealed.token}")
            if revealed.token else None, "secret": revealed.secret,
            "signature": hook.config.get("signature"),
            "delivery_id": hook.config.get("delivery_id")}


def read(app_key: str, form_key: str, hook_key: str) -> Response:
    require("metadata:read", ADMINS)
    return jsonify(hook_json(app_key, form_key, hook_key))


def rotate(app_key: str, form_key: str, hook_key: str) -> Response:
    require("metadata:write", ADMINS)
    body = json_body(current_runtime().settings["max_json_bytes"]) \
        if request.content_length else {}
    if not isinstance(body, dict) or set(body) - {"url", "secret"}:
        raise TrellisError([Problem("", "send {\"url\": true|false, \"secret\": true|false|"
                                        "\"the secret the sender signs with\"}")], status=422)
    secret = body.get("secret", True)
    if not isinstance(body.get("url", True), bool) or not (
            isinstance(secret, bool) or isinstance(secret, str)
            and 8 <= len(secret) <= MAX_GIVEN_SECRET):
        raise TrellisError([Problem("/secret", f"must be true, false or a text of 8 to "
                                               f"{MAX_GIVEN_SECRET} characters")], status=422)
    webhook(app_key, form_key, hook_key)
    store = endpoints()
    store.rotate(store.ensure(app_key, form_key, hook_key), body.get("url", True), secret)
    db_session().commit()
    return jsonify(hook_json(app_key, form_key, hook_key))


def deliveries_of(app_key: str, form_key: str, hook_key: str) -> Deliveries:
    hook = webhook(app_key, form_key, hook_key)
    return Deliveries(db_session(), hook, current_runtime().clock.now,
                      records_of(app_key, form_key, "webhook"), active_user)


def deliveries(app_key: str, form_key: str, hook_key: str) -> Response:
    require("metadata:read", ADMINS)
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        raise TrellisError([Problem("/status", "must be one of " + ", ".join(STATUSES))])
    limit = whole_number(request.args.get("limit", "50"), 200) or 50
    before = whole_number(request.args.get("before", "")) if "before" in request.args \
        else None
    found = deliveries_of(app_key, form_key, hook_key).latest(status, limit, before)
    return jsonify({"deliveries": [as_json(d) for d in found]})


def delivery(app_key: str, form_key: str, hook_key: str, delivery_id: int) -> Response:
    require("metadata:read", ADMINS)
    found = deliveries_of(app_key, form_key, hook_key).one(delivery_id)
    if found is None:
        raise NotFound([Problem("", f"webhook {hook_key} has no delivery {delivery_id}")])
    return jsonify(as_json(found, with_body=True))


def replay(app_key: str, form_key: str, hook_key: str, delivery_id: int) -> Response:
    require("metadata:write", ADMINS)
    service = deliveries_of(app_key, form_key, hook_key)
    found = service.one(delivery_id)
    if found is None:
        raise NotFound([Problem("", f"webhook {hook_key} has no delivery {delivery_id}")])
    if found.status not in REPLAYABLE:
        raise Conflict([Problem("", f"delivery {delivery_id} is {found.status}: only "
                                    "refused or unfinished deliveries are replayed")])
    return jsonify(as_json(service.replay(found, _secret(app_key, form_key, hook_key))))


def replay_all(app_key: str, form_key: str, hook_key: str) -> Response:
    require("metadata:write", ADMINS)
    service = deliveries_of(app_key, form_key, hook_key)
    secret = _secret(app_key, form_key, hook_key)
    done = [service.replay(row, secret) for row in service.refused()]
    applied = sum(1 for row in done if row.status == "applied")
    return jsonify({"replayed": len(done), "applied": applied,
                    "refused": len(done) - applied,
                    "deliveries": [as_json(row) for row in done]})


def _secret(app_key: str, form_key: str, hook_key: str) -> str | None:
    store = endpoints()
    endpoint = store.get(app_key, form_key, hook_key)
    return store.reveal(endpoint).secret if endpoint is not None else None


ROUTES: tuple[Route, ...] = (
    (HOOK, "webhook", read, GET),
    (HOOK + "/rotate", "webhook_rotate", rotate, POST),
    (HOOK + "/deliveries", "webhook_deliveries", deliveries, GET),
    (HOOK + "/deliveries/<int:delivery_id>", "webhook_delivery", delivery, GET),
    (HOOK + "/deliveries/<int:delivery_id>/replay", "webhook_replay", replay, POST),
    (HOOK + "/replay", "webhook_replay_all", replay_all, POST),
)

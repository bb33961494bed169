"""The address webhooks post to: ``POST /hooks/<token>``. The payload is stored before it is
answered (runtime.capture.deliveries); the answer says what it became."""

from __future__ import annotations

from flask import Response, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from metadata.errors import NotFound
from runtime.capture.deliveries import Arrival, Deliveries
from runtime.capture.webhooks import Webhook
from runtime.web import current_runtime, db_session
from runtime.web.capture.service import active_user, endpoints, records_of
from runtime.web.routes import POST, Route


def not_found() -> Response:
    response = jsonify({"errors": [{"path": "", "message": "there is no webhook at this "
                                                           "address"}]})
    response.status_code = 404
    return response


def read_body(limit: int) -> tuple[bytes, int | None]:
    """At most ``limit`` + 1 bytes of the body (enough to know it is too large), and the
    length it declared."""
    declared = request.content_length
    try:
        return request.stream.read(limit + 1), declared
    except RequestEntityTooLarge:
        return b"", declared


def receive(token: str) -> Response:
    rt, session = current_runtime(), db_session()
    store = endpoints()
    endpoint = store.find(token)
    if endpoint is None:
        return not_found()
    try:
        plan = rt.plan(session, endpoint.app_key, endpoint.form_key)
    except NotFound:
        return not_found()
    hook = Webhook.all_of(endpoint.app_key, plan.doc).get(endpoint.hook_key)
    if hook is None:
        return not_found()
    limit = hook.config.get("max_bytes") or rt.settings["webhook_max_bytes"]
    body, declared = read_body(limit)
    secret = store.reveal(endpoint).secret
    session.commit()  # only read so far: the deliveries take their own transactions
    deliveries = Deliveries(session, hook, rt.clock.now,
                            records_of(hook.app_key, hook.form_key, "webhook"), active_user)
    answer = deliveries.receive(Arrival(body, declared, request.headers, request.content_type),
                                secret, limit)
    response = jsonify(answer.body)
    response.status_code = answer.status
    return response


ROUTES: tuple[Route, ...] = (
    ("/hooks/<token>", "receive", receive, POST),
)

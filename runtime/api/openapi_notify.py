"""The OpenAPI operations and schemas of notify: the outbox (admins)."""

from __future__ import annotations

from metadata.keys import KEY_PATTERN
from runtime.api.openapi_paths import answer, op, param
from runtime.api.openapi_schemas import ID, UTC_TIME, nullable, obj, ref
from runtime.notify.outbox import STATUSES

MESSAGE = param("message_id", schema={"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                description="the message's id")


def outbox_paths() -> dict[str, dict]:
    number = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    filters = [
        param("status", "query", {"enum": list(STATUSES)}, "only messages of this status"),
        param("channel", "query", {"enum": ["email", "sms", "webhook"]},
              "only messages of this channel"),
        param("app", "query", {"type": "string", "pattern": KEY_PATTERN},
              "only messages of this app"),
        param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 500},
              "at most this many (100 when left out)"),
        param("before", "query", number, "only messages older than this id (the next page)")]
    return {
        "/outbox": {"get": op(
            "get", "listOutbox", "Outgoing messages (e-mail, SMS, webhook), newest first, with "
            "their status (admins); held: no SMTP configured, would have been sent", "notify",
            {"200": answer(ref("OutboxMessages"))}, scope="metadata:read", params=filters)},
        "/outbox/{message_id}": {"get": op(
            "get", "getOutboxMessage", "One outgoing message (admins)", "notify",
            {"200": answer(ref("OutboxMessage"))}, scope="metadata:read", params=[MESSAGE])},
        "/outbox/{message_id}/retry": {"post": op(
            "post", "retryOutboxMessage", "Send a failed, bounced or held message again, with "
            "its attempts back (admins); 409 for other messages", "notify",
            {"200": answer(ref("OutboxMessage"))}, scope="metadata:write", params=[MESSAGE],
            errors=["409"])},
    }


def outbox_schemas() -> dict[str, dict]:
    text = nullable({"type": "string"})
    when = nullable(UTC_TIME)
    message = obj({
        "id": ID, "app": {"type": "string"},
        "channel": {"enum": ["email", "sms", "webhook"]}, "to": {"type": "string"},
        "subject": text, "body_text": text, "body_html": text,
        "status": {"enum": list(STATUSES)}, "attempts": {"type": "integer", "minimum": 0},
        "last_error": text,
        "record": nullable(obj({"app": {"type": "string"}, "form": text, "id": ID})),
        "source": text, "idempotency_key": {"type": "string"}, "created_at": UTC_TIME,
        "updated_at": UTC_TIME, "sent_at": when, "next_attempt_at": when})
    return {"OutboxMessage": message,
            "OutboxMessages": obj({"messages": {"type": "array", "items": message},
                                   "next": nullable(ID)})}

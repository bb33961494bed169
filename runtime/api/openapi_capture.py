"""The webhook endpoints of the OpenAPI document (runtime.api.capture): a webhook's address
and secret, its deliveries, replays."""

from __future__ import annotations

from typing import Any

from metadata.keys import KEY_PATTERN
from runtime.api.capture import STATUSES
from runtime.api.openapi_paths import answer, op, param, pref
from runtime.api.openapi_schemas import ID, UTC_TIME, nullable, obj, ref

HOOK = "/apps/{app_key}/forms/{form_key}/webhooks/{hook_key}"
ADMIN = " Admins only."


def capture_schemas() -> dict[str, dict]:
    error = obj({"path": {"type": "string"}, "message": {"type": "string"},
                 "source": {"type": "string"}}, required=["path", "message"])
    delivery = {
        "id": ID, "received_at": UTC_TIME, "status": {"enum": list(STATUSES)},
        "http_status": {"type": "integer"}, "delivery_id": nullable({"type": "string"}),
        "duplicate_of": nullable(ID), "record": nullable(ID),
        "outcome": nullable({"type": "string"}), "errors": {"type": "array", "items": error},
        "attempts": {"type": "integer", "minimum": 0}, "size": {"type": "integer"},
        "truncated": {"type": "boolean"}, "applied_at": nullable(UTC_TIME)}
    return {
        "Webhook": obj({"key": {"type": "string"}, "url": nullable({"type": "string"}),
                        "secret": nullable({"type": "string"}),
                        "signature": nullable({"type": "object"}),
                        "delivery_id": nullable({"type": "string"})},
                       required=["key", "url", "secret"]),
        "WebhookRotation": obj({"url": {"type": "boolean"},
                                "secret": {"anyOf": [{"type": "boolean"},
                                                     {"type": "string", "minLength": 8,
                                                      "maxLength": 500}]}}, required=[]),
        "Delivery": obj(delivery),
        "DeliveryDetail": obj({**delivery, "headers": {"type": "object"},
                               "body": {"type": "string"}}),
        "DeliveryList": obj({"deliveries": {"type": "array", "items": ref("Delivery")}}),
        "Replayed": obj({"replayed": {"type": "integer"}, "applied": {"type": "integer"},
                         "refused": {"type": "integer"},
                         "deliveries": {"type": "array", "items": ref("Delivery")}}),
    }


def capture_paths() -> dict[str, dict[str, Any]]:
    keys = [pref("app_key"), pref("form_key"),
            param("hook_key", schema={"type": "string", "pattern": KEY_PATTERN},
                  description="the webhook's key (capture.webhooks[].key)")]
    one = [*keys, param("delivery_id", schema=ID, description="the delivery's id")]
    read, write = "metadata:read", "metadata:write"
    listing = [param("status", "query", {"enum": list(STATUSES)}, "only deliveries in it"),
               param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 200},
                     "how many (50)"),
               param("before", "query", ID, "only deliveries older than this id (paging)")]
    return {
        HOOK: {"get": op("get", "getWebhook", "The webhook's secret address and signing "
                         "secret (made on first request)." + ADMIN, "webhooks",
                         {"200": answer(ref("Webhook"))}, scope=read, params=keys)},
        HOOK + "/rotate": {"post": op(
            "post", "rotateWebhook", "A new address and/or secret (or the secret the sender "
            "signs with, such as a Meta app's)." + ADMIN, "webhooks",
            {"200": answer(ref("Webhook"))}, scope=write, body=ref("WebhookRotation"),
            body_required=False, params=keys)},
        HOOK + "/deliveries": {"get": op(
            "get", "listDeliveries", "The latest deliveries, newest first, with what each "
            "became (record) or why it was refused (paths)." + ADMIN, "webhooks",
            {"200": answer(ref("DeliveryList"))}, scope=read, params=[*keys, *listing])},
        HOOK + "/deliveries/{delivery_id}": {"get": op(
            "get", "getDelivery", "One delivery with its stored body and headers." + ADMIN,
            "webhooks", {"200": answer(ref("DeliveryDetail"))}, scope=read, params=one)},
        HOOK + "/deliveries/{delivery_id}/replay": {"post": op(
            "post", "replayDelivery", "Apply a refused delivery again with the published "
            "mapping (409 when it was applied)." + ADMIN, "webhooks",
            {"200": answer(ref("Delivery"))}, scope=write, params=one, errors=["409"])},
        HOOK + "/replay": {"post": op(
            "post", "replayDeliveries", "Apply every refused delivery again." + ADMIN,
            "webhooks", {"200": answer(ref("Replayed"))}, scope=write, params=keys)},
    }

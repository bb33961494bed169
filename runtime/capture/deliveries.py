"""Receiving webhook deliveries: every payload is stored (and committed) before it is answered,
whatever happens next; then it is mapped and submitted through the intake in a transaction of
its own, and the delivery remembers what it became (a record, or why it was refused, with
paths). A delivery id seen before marks a redelivery, which is stored but never applied twice.
Refused deliveries can be replayed once the mapping is fixed.

This module owns its transactions (it commits the session it is given) and uses no Flask.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from runtime.arrivals import PARTS, Touch
from runtime.capture.intake import submit
from runtime.capture.models import WebhookDelivery
from runtime.capture.webhooks import Webhook, compiled
from runtime.permissions import Principal

RECEIVED, APPLIED, REFUSED, DUPLICATE = "received", "applied", "refused", "duplicate"
UNAUTHORIZED, MALFORMED, TOO_LARGE = "unauthorized", "malformed", "too_large"
REPLAYABLE = frozenset({RECEIVED, REFUSED, UNAUTHORIZED})
HTTP = {APPLIED: 200, DUPLICATE: 200, REFUSED: 202, RECEIVED: 202, UNAUTHORIZED: 401,
        MALFORMED: 400, TOO_LARGE: 413}
KEPT_HEADERS = ("Content-Type", "User-Agent", "X-Request-Id", "X-Forwarded-For")
LIST_LIMIT = 200


@dataclass
class Arrival:
    """A request to a webhook's address, as read: the body (at most the size limit and one
    byte more), its declared length, and its headers."""

    body: bytes
    declared: int | None
    headers: Mapping[str, str]
    content_type: str | None = None


@dataclass
class Answer:
    status: int
    body: dict[str, Any] = field(default_factory=dict)


def webhook_principal(hook: Webhook) -> Principal:
    """Who writes what a webhook brings: the system (no user), on the webhook's behalf."""
    return Principal(user_id=None, roles=frozenset({"admin"}), name=f"webhook {hook.key}")


class Deliveries:
    """The deliveries of one webhook. ``records_of(session, principal)`` gives the records
    service of the hook's form for a principal (the runtime's)."""

    def __init__(self, session: Session, hook: Webhook, now: Callable[[], datetime],
                 records_of: Callable[[Session, Principal], Any],
                 owner_ok: Callable[[Session, int], bool] = lambda s, uid: True):
        self.session = session
        self.hook = hook
        self.now = now
        self.records_of = records_of
        self.owner_ok = owner_ok

    # -- receiving ----------------------------------------------------------------------------
    def receive(self, arrival: Arrival, secret: str | None, max_bytes: int) -> Answer:
        size = max(arrival.declared or 0, len(arrival.body))
        if size > max_bytes:
            row = self._store(arrival, TOO_LARGE, max_bytes, errors=[{"path": "", "message": (
                f"the body is {size} bytes; this webhook takes at most {max_bytes}")}])
            return self._answer(row)
        signature = self.hook.signature
        if signature is not None and (secret is None or not signature.verify(
                secret, arrival.body, arrival.headers)):
            row = self._store(arrival, UNAUTHORIZED, max_bytes, errors=[{
                "path": "/headers/" + signature.header,
                "message": "the signature does not match the body"}])
            return self._answer(row)
        payload, problem = parse(arrival.body)
        if problem is not None:
            return self._answer(self._store(arrival, MALFORMED, max_bytes, errors=[problem]))
        delivery_id = self.hook.delivery_id(payload, arrival.headers)
        row = self._store(arrival, RECEIVED, max_bytes, delivery_id=delivery_id)
        if row.status == DUPLICATE:
            original = self.session.get(WebhookDelivery, row.duplicate_of)
            if original is not None and original.status == REFUSED:
                self.apply(original)  # refused before: the redelivery gives it another go
            return self._answer(row, original)
        return self._answer(self.apply(row, payload))

    def _store(self, arrival: Arrival, status: str, max_bytes: int,
               delivery_id: str | None = None, errors: list | None = None) -> WebhookDelivery:
        """Write the delivery and commit: it is kept whatever happens next. A delivery id
        already stored makes it a duplicate of the first delivery that carried it."""
        row = WebhookDelivery(
            app_key=self.hook.app_key, form_key=self.hook.form_key, hook_key=self.hook.key,
            received_at=self.now(), status=status, http_status=HTTP[status],
            delivery_id=delivery_id, delivery_key=delivery_id, body=arrival.body[:max_bytes],
            body_size=max(arrival.declared or 0, len(arrival.body)),
            truncated=len(arrival.body) > max_bytes, content_type=arrival.content_type,
            headers=self._kept_headers(arrival.headers), errors=errors, attempts=0)
        try:
            self.session.add(row)
            self.session.commit()
        except IntegrityError:  # the delivery id was stored first by another delivery
            self.session.rollback()
            first = self._first_with(delivery_id)
            row = WebhookDelivery(**{c.key: getattr(row, c.key) for c in
                                     WebhookDelivery.__table__.columns if c.key != "id"})
            row.status, row.http_status, row.delivery_key = DUPLICATE, HTTP[DUPLICATE], None
            row.duplicate_of = first.id if first is not None else None
            row.record_id = first.record_id if first is not None else None
            self.session.add(row)
            self.session.commit()
        return row

    def _first_with(self, delivery_id: str | None) -> WebhookDelivery | None:
        return self.session.scalar(sa.select(WebhookDelivery).filter_by(
            app_key=self.hook.app_key, form_key=self.hook.form_key, hook_key=self.hook.key,
            delivery_key=delivery_id))

    def _kept_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """The headers worth showing and checking again (never credentials or cookies)."""
        names = list(KEPT_HEADERS)
        if self.hook.signature is not None:
            names.append(self.hook.signature.header)
        where = self.hook.config.get("delivery_id") or ""
        if where and not where.startswith("$"):
            names.append(where)
        return {n: headers[n][:500] for n in names if headers.get(n)}

    def _answer(self, row: WebhookDelivery, original: WebhookDelivery | None = None
                ) -> Answer:
        body: dict[str, Any] = {"delivery": row.id, "status": row.status}
        if row.status == DUPLICATE:
            body["duplicate_of"] = row.duplicate_of
            row = original or row
        if row.record_id is not None:
            body["record"] = row.record_id
            body["outcome"] = row.outcome
        if row.errors:
            body["errors"] = row.errors
        return Answer(HTTP[row.status if "duplicate_of" not in body else DUPLICATE], body)

    # -- applying -----------------------------------------------------------------------------
    def apply(self, row: WebhookDelivery, payload: Any = None) -> WebhookDelivery:
        """Map the delivery's payload and submit it in a transaction of its own; the delivery
        then says what it became (committed too). An unexpected failure leaves it received
        with the reason, for a replay."""
        if payload is None:
            payload, problem = parse(row.body)
            if problem is not None:
                return self._finish(row, MALFORMED, errors=[problem])
        row_id = row.id
        try:
            status, outcome, record_id, errors = self._submit(row_id, payload)
            self.session.commit()
        except Exception:
            self.session.rollback()
            row = self.session.get(WebhookDelivery, row_id)
            self._finish(row, RECEIVED, errors=[{"path": "", "message": (
                "an internal error stopped this delivery; it has been logged: replay it")}])
            raise
        row = self.session.get(WebhookDelivery, row_id)
        return self._finish(row, status, outcome, record_id, errors)

    def _submit(self, row_id: int, payload: Any) -> tuple[str, str | None, int | None, list]:
        records = self.records_of(self.session, webhook_principal(self.hook))
        plan = records.plan
        lists = frozenset(f["key"] for f in plan.fields
                          if plan.types[f["type"]].value_schema(f).get("type") == "array")
        mapping = compiled(self.hook.config["mapping"], plan.functions, "/mapping",
                           lambda: records.now, plan.timezone, lists)
        applied = mapping.apply(payload)
        if applied.problems or mapping.problems:
            return REFUSED, None, None, [p.as_dict() for p in mapping.problems
                                         + applied.problems]
        values = dict(applied.values)
        owner = self.hook.config.get("owner")
        if owner is not None and self.owner_ok(self.session, owner):
            values["owner"] = owner
        [result] = submit(records, [values], [self._touch(payload, row_id)])
        if result.outcome is None:
            sources = mapping.sources()
            return REFUSED, None, None, [_with_source(e, sources) for e in result.errors]
        return APPLIED, result.outcome, result.record["id"], []

    def _touch(self, payload: Any, row_id: int) -> Touch:
        parts = compiled(self.hook.config.get("touch") or {}, None, "/touch").apply(payload)
        given = {part: parts.values.get(part) for part in PARTS}
        given = {k: v for k, v in given.items() if v is not None}
        return Touch.from_params("webhook", {**given, "webhook": self.hook.key}, ("webhook",),
                                 ref=f"delivery:{row_id}")

    def _finish(self, row: WebhookDelivery, status: str, outcome: str | None = None,
                record_id: int | None = None, errors: list | None = None) -> WebhookDelivery:
        row.status, row.http_status = status, HTTP[status]
        row.outcome, row.record_id, row.errors = outcome, record_id, errors or None
        row.attempts += 1
        if status == APPLIED:
            row.applied_at = self.now()
        self.session.commit()
        return row

    # -- the console --------------------------------------------------------------------------
    def replay(self, row: WebhookDelivery, secret: str | None) -> WebhookDelivery:
        """Apply a refused (or never finished) delivery again, with today's mapping; one whose
        signature failed only once it now matches (the secret was fixed)."""
        if row.status not in REPLAYABLE:
            return row
        if row.status == UNAUTHORIZED:
            signature = self.hook.signature
            if signature is not None and (secret is None or not signature.verify(
                    secret, row.body, row.headers or {})):
                return self._finish(row, UNAUTHORIZED, errors=row.errors)
        return self.apply(row)

    def refused(self) -> list[WebhookDelivery]:
        return list(self.session.scalars(self._query().where(
            WebhookDelivery.status.in_(sorted(REPLAYABLE))).order_by(WebhookDelivery.id)))

    def latest(self, status: str | None = None, limit: int = 50,
               before: int | None = None) -> list[WebhookDelivery]:
        query = self._query()
        if status:
            query = query.where(WebhookDelivery.status == status)
        if before:
            query = query.where(WebhookDelivery.id < before)
        query = query.order_by(WebhookDelivery.id.desc()).limit(min(limit, LIST_LIMIT))
        return list(self.session.scalars(query))

    def one(self, delivery_id: int) -> WebhookDelivery | None:
        return self.session.scalar(self._query().where(WebhookDelivery.id == delivery_id))

    def _query(self) -> sa.Select:
        return sa.select(WebhookDelivery).where(
            WebhookDelivery.app_key == self.hook.app_key,
            WebhookDelivery.form_key == self.hook.form_key,
            WebhookDelivery.hook_key == self.hook.key)


def parse(body: bytes) -> tuple[Any, dict | None]:
    """The JSON payload of a body, or the problem that stops it (with line and column)."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, {"path": "", "message": f"the body is not UTF-8 (byte {exc.start})"}
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, {"path": "", "message": f"invalid JSON at line {exc.lineno}, column "
                                             f"{exc.colno}: {exc.msg}"}
    except (RecursionError, ValueError) as exc:
        return None, {"path": "", "message": f"invalid JSON: {exc}"}


def _with_source(error: Mapping, sources: Mapping[str, str]) -> dict:
    """A record's problem, naming the payload path its field was mapped from."""
    out = {"path": error["path"], "message": str(error["message"])}
    key = error["path"].lstrip("/").split("/", 1)[0]
    if key in sources:
        out["source"] = sources[key]
    return out


def as_json(row: WebhookDelivery, with_body: bool = False) -> dict[str, Any]:
    from runtime.storage.records import iso

    out = {"id": row.id, "received_at": iso(row.received_at), "status": row.status,
           "http_status": row.http_status, "delivery_id": row.delivery_id,
           "duplicate_of": row.duplicate_of, "record": row.record_id, "outcome": row.outcome,
           "errors": row.errors or [], "attempts": row.attempts, "size": row.body_size,
           "truncated": row.truncated, "applied_at": iso(row.applied_at)}
    if with_body:
        out["headers"] = row.headers or {}
        out["body"] = row.body.decode("utf-8", "replace")
    return out


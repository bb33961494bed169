"""The outbox: messages queued in the sender's transaction (one per idempotency key) and
delivered by a job that claims the row before it sends, so a job that runs twice — or two
workers given the same message — sends it once.

A claim is a lease: a worker killed after its claim leaves the row ``sending`` until the
lease ends, then the periodic task ``deliver_outbox`` takes it up again (the message may then
go out twice if the worker died between the send and its acknowledgement; e-mails carry a
``Message-ID`` made from the idempotency key, webhooks and SMS an ``X-Trellis-Delivery``
header, for receivers to recognise a repeat). Failures are tried again with exponential
backoff up to a cap; after the last attempt the message is ``failed`` and stays visible."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from runtime.notify.channels import Bounced, Delivery, Failed, Held, Retry
from runtime.notify.models import OutboxMessage, Unsubscribe

if TYPE_CHECKING:
    from runtime.context import Runtime

log = logging.getLogger(__name__)
OUTBOX = OutboxMessage.__table__
O = OUTBOX.c  # noqa: E741
UNSUBSCRIBES = Unsubscribe.__table__
LEASE = timedelta(minutes=5)
ERROR_LENGTH = 4000
DUE_BATCH = 200
STATUSES = ("queued", "sending", "sent", "failed", "bounced", "unsubscribed", "held")
RETRYABLE = ("failed", "bounced", "held")


def queue(session: Session, values: Mapping[str, Any]) -> tuple[int, bool]:
    """Insert the message unless its idempotency key is queued already: its id, and whether
    it is new. Safe under concurrency (the key is unique; a second insert does nothing)."""
    insert = (postgresql.insert if session.bind.dialect.name == "postgresql"
              else sqlite.insert)(OUTBOX)
    done = session.execute(insert.values(**values).on_conflict_do_nothing(
        index_elements=["idempotency_key"]).returning(O.id)).first()
    if done is not None:
        return done[0], True
    return session.scalar(sa.select(O.id).where(
        O.idempotency_key == values["idempotency_key"])), False


def unsubscribed(session: Session, app_key: str, channel: str, address: str) -> bool:
    return session.scalar(sa.select(sa.literal(1)).where(
        UNSUBSCRIBES.c.app_key == app_key, UNSUBSCRIBES.c.channel == channel,
        UNSUBSCRIBES.c.address == address.lower())) is not None


def unsubscribe(session: Session, app_key: str, channel: str, address: str, now: datetime,
                message_id: int | None = None) -> bool:
    """Record that ``address`` wants no more messages of the app on the channel (False when
    it said so before); its queued messages are skipped."""
    if unsubscribed(session, app_key, channel, address):
        return False
    session.execute(UNSUBSCRIBES.insert().values(app_key=app_key, channel=channel,
                                                 address=address.lower(), at=now,
                                                 message_id=message_id))
    session.execute(OUTBOX.update().where(
        O.app_key == app_key, O.channel == channel, O.to == address.lower(),
        O.status.in_(("queued", "held"))).values(status="unsubscribed", due_at=None,
                                                 updated_at=now))
    return True


def records_messaged(session: Session, app_key: str, channel: str, address: str,
                     most: int) -> list[tuple[str, int]]:
    """The records (form, id) the app's messages to ``address`` on ``channel`` were about,
    latest first (``most`` at most)."""
    latest = sa.func.max(O.id)
    return [(r.form_key, r.record_id) for r in session.execute(
        sa.select(O.form_key, O.record_id).where(
            O.app_key == app_key, O.channel == channel, O.to == address.lower(),
            O.record_id.is_not(None))
        .group_by(O.form_key, O.record_id).order_by(latest.desc()).limit(most))]


class Deliverer:
    """Delivers outbox messages: claim, send, acknowledge (or retry later, or fail)."""

    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.notify = runtime.notify

    def run(self, message_id: int, now: datetime | None = None) -> str:
        now = now or self.rt.clock.now()
        message = self._claim(message_id, now)
        if message is None:
            return f"message {message_id}: nothing due"
        if message["status"] == "unsubscribed":
            return f"message {message_id}: the recipient unsubscribed"
        channel = self.notify.channels[message["channel"]]
        ctx = Delivery(self.notify.settings, self.notify.sms_providers)
        try:
            note = channel.deliver(ctx, self.notify.outgoing(message))
        except Held as exc:
            return self._end(message, now, "held", str(exc))
        except Bounced as exc:
            return self._end(message, now, "bounced", str(exc))
        except Failed as exc:
            return self._end(message, now, "failed", str(exc))
        except Retry as exc:
            return self._retry(message, now, str(exc))
        except Exception as exc:  # anything unforeseen: tried again
            return self._retry(message, now, f"{type(exc).__name__}: {exc}")
        return self._end(message, now, "sent", None, note)

    def _claim(self, message_id: int, now: datetime) -> dict | None:
        with self.rt.session() as session, session.begin():
            row = session.execute(sa.select(OUTBOX).where(
                O.id == message_id, O.status.in_(("queued", "sending")), O.due_at <= now)
                .with_for_update()).mappings().first()
            if row is None:
                return None
            row = dict(row)
            if self.notify.channels[row["channel"]].unsubscribable and unsubscribed(
                    session, row["app_key"], row["channel"], row["to"]):
                session.execute(OUTBOX.update().where(O.id == message_id).values(
                    status="unsubscribed", due_at=None, updated_at=now))
                return {**row, "status": "unsubscribed"}
            session.execute(OUTBOX.update().where(O.id == message_id).values(
                status="sending", due_at=now + LEASE, attempts=O.attempts + 1,
                updated_at=now))
        return {**row, "status": "sending", "attempts": row["attempts"] + 1}

    def _acknowledge(self, message: Mapping, values: dict) -> bool:
        with self.rt.session() as session, session.begin():
            done = session.execute(OUTBOX.update().where(
                O.id == message["id"], O.status == "sending",
                O.attempts == message["attempts"]).values(**values))
        return done.rowcount == 1

    def _end(self, message: Mapping, now: datetime, status: str, error: str | None,
             note: str | None = None) -> str:
        values: dict[str, Any] = {"status": status, "due_at": None, "updated_at": now,
                                  "last_error": error[:ERROR_LENGTH] if error else None}
        if status == "sent":
            values["sent_at"] = now
        self._acknowledge(message, values)
        if status in ("failed", "bounced"):
            log.error("message %s (%s to %s) %s: %s", message["id"], message["channel"],
                      message["to"], status, error)
        if status == "bounced":
            from runtime.notify.clicks import bounced

            bounced(self.rt, dict(message))
        return f"message {message['id']}: {status}" + (f" ({note})" if note else "")

    def _retry(self, message: Mapping, now: datetime, error: str) -> str:
        settings = self.notify.settings
        if message["attempts"] >= settings.max_attempts:
            return self._end(message, now, "failed",
                             f"{error} (after {message['attempts']} attempts)")
        due = now + settings.backoff(message["attempts"])
        self._acknowledge(message, {"status": "queued", "due_at": due, "updated_at": now,
                                    "last_error": error[:ERROR_LENGTH]})
        log.warning("message %s (%s) failed (attempt %s), again at %s: %s", message["id"],
                    message["channel"], message["attempts"], due.isoformat(), error)
        return f"message {message['id']}: retrying at {due.isoformat()}"

    def due(self, now: datetime, limit: int = DUE_BATCH) -> list[int]:
        with self.rt.session(read_only=True) as session:
            return list(session.scalars(
                sa.select(O.id).where(O.status.in_(("queued", "sending")), O.due_at <= now)
                .order_by(O.due_at, O.id).limit(limit)))

    def run_due(self, now: datetime, limit: int = DUE_BATCH) -> int:
        """Deliver what is due: retries after their backoff, messages no worker took, and
        those a killed worker left claimed."""
        ids = self.due(now, limit)
        for message_id in ids:
            self.run(message_id, now)
        return len(ids)


def retry(session: Session, message_id: int, now: datetime) -> bool:
    """Queue a failed, bounced or held message again with its attempts back (False when it
    is not one to retry)."""
    done = session.execute(OUTBOX.update().where(O.id == message_id,
                                                 O.status.in_(RETRYABLE)).values(
        status="queued", attempts=0, due_at=now, updated_at=now))
    return done.rowcount == 1


def messages(session: Session, *, status: str | None = None, channel: str | None = None,
             app_key: str | None = None, before: int | None = None, limit: int = 100
             ) -> list[dict[str, Any]]:
    """Outbox messages, newest first (``before``: ids below it, the next page)."""
    query = sa.select(OUTBOX)
    for column, value in ((O.status, status), (O.channel, channel), (O.app_key, app_key)):
        if value is not None:
            query = query.where(column == value)
    if before is not None:
        query = query.where(O.id < before)
    return [dict(r) for r in session.execute(query.order_by(O.id.desc()).limit(limit))
            .mappings()]


def message(session: Session, message_id: int) -> dict[str, Any] | None:
    row = session.execute(sa.select(OUTBOX).where(O.id == message_id)).mappings().first()
    return None if row is None else dict(row)

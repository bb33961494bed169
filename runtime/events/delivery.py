"""Delivering events to an asynchronous consumer, one record's events after the other;
retrying with backoff; the sweeper that hands out again what was never acknowledged."""

from __future__ import annotations

import hashlib
import logging
import traceback
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from runtime.events.consumers import Consumer
from runtime.events.event import RecordEvent
from runtime.events.models import EventDelivery, RecordEventRow
from runtime.storage.transactions import take_write_lock

if TYPE_CHECKING:
    from runtime.events.hub import EventHub

log = logging.getLogger(__name__)

EVENTS = RecordEventRow.__table__
DELIVERIES = EventDelivery.__table__
D = DELIVERIES.c
OPEN = ("pending", "failed")  # not acknowledged
SWEEP_BATCH = 5000
ERROR_LENGTH = 4000


class Step(Enum):
    DELIVERED = "delivered"
    FAILED = "failed"
    STOP = "stop"  # nothing (more) to deliver now


def deliver(hub: EventHub, consumer_key: str, event_ids: Sequence[int]) -> str:
    """Deliver these events (and what is due before and after them in their records) to one
    consumer; each delivery commits with the consumer's own writes, so it happens once."""
    consumer = hub.consumers.get(consumer_key)
    if consumer is None or consumer.synchronous:
        log.warning("no asynchronous event consumer %r: %d event(s) left undelivered",
                    consumer_key, len(event_ids))
        return f"{consumer_key}: not an asynchronous consumer"
    with hub.sessions() as session:
        streams = sorted(session.scalars(
            sa.select(D.stream).distinct().where(D.consumer == consumer_key,
                                                 D.event_id.in_(list(event_ids)))))
    delivered = failed = 0
    for stream in streams:
        done, fault = deliver_stream(hub, consumer, stream)
        delivered += done
        failed += fault
    return f"{consumer_key}: delivered {delivered}, failed {failed}"


def deliver_stream(hub: EventHub, consumer: Consumer, stream: str) -> tuple[int, int]:
    """Deliver one record's open events in order, until one fails or must wait."""
    delivered = 0
    with hub.sessions() as session:
        while True:
            with session.begin():
                step = _step(hub, session, consumer, stream)
            if step is not Step.DELIVERED:
                return delivered, int(step is Step.FAILED)
            delivered += 1


def _step(hub: EventHub, session: Session, consumer: Consumer, stream: str) -> Step:
    now = hub.clock()
    _lock_stream(session, consumer.key, stream)
    head = session.execute(
        sa.select(DELIVERIES).where(D.consumer == consumer.key, D.stream == stream,
                                    D.status.in_(OPEN))
        .order_by(D.event_id).limit(1)).mappings().first()
    if head is None:
        return Step.STOP
    if head["status"] == "failed":  # later events wait until an admin retries this one
        _hold_after(session, head, None)
        return Step.STOP
    if head["retry_at"] is not None and head["retry_at"] > now:
        _hold_after(session, head, head["retry_at"])
        return Step.STOP
    row = session.execute(sa.select(EVENTS).where(EVENTS.c.id == head["event_id"])
                          ).mappings().one()
    event = RecordEvent.from_row(row)
    attempts = head["attempts"] + 1
    savepoint = session.begin_nested()
    try:
        with hub.caused_by(session, event):
            consumer.consume(hub.context(session, consumer, event, now), event)
        savepoint.commit()
    except Exception as exc:
        savepoint.rollback()
        _failed(hub, session, head, attempts, exc, now)
        return Step.FAILED
    session.execute(DELIVERIES.update().where(D.id == head["id"])
                    .values(status="done", attempts=attempts, acked_at=now, retry_at=None,
                            sweep_at=None, error=None, updated_at=now))
    return Step.DELIVERED


def _lock_stream(session: Session, consumer: str, stream: str) -> None:
    """One worker at a time per (consumer, record): on PostgreSQL a transaction-scoped
    advisory lock; on SQLite the database's write lock (taken now by a late write)."""
    if session.get_bind().dialect.name != "postgresql":
        take_write_lock(session.connection())
        return
    digest = hashlib.blake2b(f"{consumer}\0{stream}".encode(), digest_size=8).digest()
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(
        int.from_bytes(digest, "big", signed=True))))


def _hold_after(session: Session, head, until: datetime | None) -> None:
    """Keep the sweeper off the events queued behind ``head`` until it may go on (None:
    until an admin retries it)."""
    session.execute(DELIVERIES.update().where(D.consumer == head["consumer"],
                                              D.stream == head["stream"],
                                              D.status == "pending",
                                              D.event_id > head["event_id"])
                    .values(sweep_at=until))


def _failed(hub: EventHub, session: Session, head, attempts: int, exc: Exception,
            now: datetime) -> None:
    settings = hub.settings
    error = "".join(traceback.format_exception(exc))[-ERROR_LENGTH:]
    if attempts >= settings.max_attempts:
        log.error("event consumer %s failed on event %s for the %s time; giving up: %s",
                  head["consumer"], head["event_id"], attempts, exc)
        values = {"status": "failed", "retry_at": None, "sweep_at": None}
    else:
        retry_at = now + settings.backoff(attempts)
        log.warning("event consumer %s failed on event %s (attempt %s); retrying at %s: %s",
                    head["consumer"], head["event_id"], attempts, retry_at.isoformat(), exc)
        values = {"retry_at": retry_at, "sweep_at": retry_at}
    session.execute(DELIVERIES.update().where(D.id == head["id"])
                    .values(attempts=attempts, error=error, updated_at=now, **values))
    _hold_after(session, head, values["sweep_at"])


def sweep(hub: EventHub, now: datetime, limit: int = SWEEP_BATCH) -> int:
    """Hand out again the deliveries nobody acknowledged in time (Redis flushed or down, a
    worker killed, a retry due); without a queue, deliver them here."""
    keys = [c.key for c in hub.asynchronous]
    if not keys:
        return 0
    with hub.sessions() as session, session.begin():
        rows = session.execute(
            sa.select(D.id, D.consumer, D.event_id)
            .where(D.status == "pending", D.sweep_at <= now, D.consumer.in_(keys))
            .order_by(D.id).limit(limit)).all()
        ids = [r.id for r in rows]
        for start in range(0, len(ids), 500):
            session.execute(DELIVERIES.update().where(D.id.in_(ids[start:start + 500]))
                            .values(sweep_at=now + hub.settings.lease))
    groups: dict[str, list[int]] = {}
    for row in rows:
        groups.setdefault(row.consumer, []).append(row.event_id)
    if groups and not hub.publish(groups):
        for consumer, event_ids in groups.items():
            deliver(hub, consumer, event_ids)
    return len(rows)


def retry(hub: EventHub, session: Session, delivery_id: int, now: datetime
          ) -> tuple[str, int] | None:
    """Give a failed delivery its attempts again (and release what waits behind it);
    returns (consumer, event id) to hand out after the commit, None if it is not failed."""
    head = session.execute(sa.select(DELIVERIES).where(D.id == delivery_id,
                                                       D.status == "failed")
                           ).mappings().first()
    if head is None:
        return None
    # due for the sweeper at once too, in case the job cannot be enqueued
    session.execute(DELIVERIES.update().where(D.id == delivery_id)
                    .values(status="pending", attempts=0, retry_at=None, sweep_at=now,
                            updated_at=now))
    _hold_after(session, head, now)
    return head["consumer"], head["event_id"]

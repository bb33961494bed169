"""What the admin page shows: each consumer's backlog and the deliveries that failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from metadata.registry import Registry
from runtime.events.consumers import Consumer
from runtime.events.models import EventDelivery, RecordEventRow

D = EventDelivery.__table__.c
E = RecordEventRow.__table__.c
FAILED_SHOWN = 200


@dataclass
class ConsumerBacklog:
    key: str
    mode: str  # synchronous | asynchronous | unregistered
    pending: int = 0  # not acknowledged yet
    retrying: int = 0  # of those, failed at least once and waiting for the next attempt
    held: int = 0  # of those, queued behind a failed event of the same record
    failed: int = 0  # gave up: waits for an admin's retry
    oldest: datetime | None = None  # the time of the oldest event not acknowledged


@dataclass
class FailedDelivery:
    id: int
    consumer: str
    event_id: int
    app_key: str
    form_key: str
    record_id: int
    kind: str
    version: int
    attempts: int
    error: str
    updated_at: datetime

    @property
    def summary(self) -> str:
        """The error's last line: the exception and its message."""
        lines = [line for line in self.error.strip().splitlines() if line.strip()]
        return lines[-1] if lines else ""


def backlogs(session: Session, consumers: Registry[Consumer]) -> list[ConsumerBacklog]:
    """Every registered consumer, and any that still has deliveries but is gone."""
    rows = {c.key: ConsumerBacklog(c.key, "synchronous" if c.synchronous else "asynchronous")
            for c in consumers}
    query = (sa.select(D.consumer, D.status, sa.func.count(), _count(D.attempts > 0),
                       _count(D.sweep_at.is_(None)), sa.func.min(E.at))
             .join(RecordEventRow.__table__, E.id == D.event_id)
             .where(D.status.in_(("pending", "failed")))
             .group_by(D.consumer, D.status))
    for consumer, status, count, tried, parked, oldest in session.execute(query):
        row = rows.setdefault(consumer, ConsumerBacklog(consumer, "unregistered"))
        if status == "failed":
            row.failed = count
        else:
            row.pending, row.retrying, row.held = count, tried, parked
        row.oldest = oldest if row.oldest is None else min(row.oldest, oldest)
    return sorted(rows.values(), key=lambda r: r.key)


def _count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def failed_deliveries(session: Session, limit: int = FAILED_SHOWN) -> list[FailedDelivery]:
    query = (sa.select(D.id, D.consumer, D.event_id, E.app_key, E.form_key, E.record_id,
                       E.kind, E.version, D.attempts, D.error, D.updated_at)
             .join(RecordEventRow.__table__, E.id == D.event_id)
             .where(D.status == "failed").order_by(D.updated_at.desc(), D.id.desc())
             .limit(limit))
    return [FailedDelivery(**{**row._mapping, "error": row.error or ""})
            for row in session.execute(query)]


def failed_ids(session: Session, consumer: str) -> list[int]:
    return list(session.scalars(sa.select(D.id).where(D.consumer == consumer,
                                                      D.status == "failed").order_by(D.id)))

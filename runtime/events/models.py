"""The outbox: one row per record write, and one delivery per (consumer, event)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from metadata.orm import Base, JSONValue

# SQLite numbers rows only through an INTEGER PRIMARY KEY (a BIGINT key would not count up)
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class RecordEventRow(Base):
    """One create, update or delete of one record: what changed, who, through which channel."""

    __tablename__ = "record_events"
    __table_args__ = (sa.Index("ix_record_events_record", "app_key", "form_key", "record_id",
                               "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime]
    app_key: Mapped[str] = mapped_column(sa.String(63))
    form_key: Mapped[str] = mapped_column(sa.String(63))
    record_id: Mapped[int] = mapped_column(sa.BigInteger)
    version: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(16))  # create | update | delete (merge, ...)
    # {field: [old, new]}; a creation has old null, a deletion no fields
    changes: Mapped[dict] = mapped_column(JSONValue)
    # no foreign key: an event is a fact about the past, written on the hottest path
    actor_id: Mapped[int | None] = mapped_column(default=None)
    channel: Mapped[str] = mapped_column(sa.String(16))  # the audit entry's via: api, ui, ...
    # 0 for a person's (or a program's) write; n + 1 for a write a consumer made on event n
    depth: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    cause_id: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)


class EventDelivery(Base):
    """An event owed to an asynchronous consumer, until the consumer acknowledged it."""

    __tablename__ = "event_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("consumer", "event_id", name="uq_event_deliveries_consumer_event"),
        sa.Index("ix_event_deliveries_stream", "consumer", "stream", "status", "event_id"),
        sa.Index("ix_event_deliveries_sweep", "status", "sweep_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    consumer: Mapped[str] = mapped_column(sa.String(63))
    event_id: Mapped[int] = mapped_column(sa.BigInteger, sa.ForeignKey("record_events.id"))
    # "<app>/<form>/<record id>": a consumer gets a stream's events one after the other
    stream: Mapped[str] = mapped_column(sa.String(160))
    status: Mapped[str] = mapped_column(sa.String(16))  # pending | done | failed
    attempts: Mapped[int] = mapped_column(default=0)
    retry_at: Mapped[datetime | None] = mapped_column(default=None)  # backoff: not before
    # when the sweeper may hand it out again; null while parked behind a failed delivery
    sweep_at: Mapped[datetime | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(sa.Text, default=None)
    acked_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime]

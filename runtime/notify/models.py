"""The tables of notify: the outbox (every message that leaves the installation by e-mail,
SMS or webhook), the recipients who unsubscribed, and the tracked clicks.

In-app notifications keep their own table (``runtime.rules.models.Notification``): the bell
reads it. No foreign keys to form tables: a message about a record that is gone still says
what was sent."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from metadata.orm import Base, JSONValue
from runtime.events.models import BigId


class OutboxMessage(Base):
    """One message to one recipient on one channel. ``idempotency_key`` is unique: sending
    the same key twice queues one message, and delivery claims the row before it sends, so a
    job that runs twice sends once."""

    __tablename__ = "outbox"
    __table_args__ = (sa.UniqueConstraint("idempotency_key", name="uq_outbox_idempotency_key"),
                      sa.Index("ix_outbox_due", "status", "due_at"),
                      sa.Index("ix_outbox_record", "app_key", "form_key", "record_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(200))
    app_key: Mapped[str] = mapped_column(sa.String(63))
    channel: Mapped[str] = mapped_column(sa.String(16))  # email | sms | webhook
    to: Mapped[str] = mapped_column(sa.String(2000))  # an address, a number, a URL
    subject: Mapped[str | None] = mapped_column(sa.String(500), default=None)
    body_text: Mapped[str | None] = mapped_column(sa.Text, default=None)
    body_html: Mapped[str | None] = mapped_column(sa.Text, default=None)
    # the tracked links of the HTML body, by index (a click redirects only to these)
    links: Mapped[list | None] = mapped_column(JSONValue, default=None)
    options: Mapped[dict | None] = mapped_column(JSONValue, default=None)  # channel's extras
    # queued | sending | sent | failed | bounced | unsubscribed | held (no SMTP configured)
    status: Mapped[str] = mapped_column(sa.String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime | None] = mapped_column(default=None)  # null: not to try again
    last_error: Mapped[str | None] = mapped_column(sa.Text, default=None)
    form_key: Mapped[str | None] = mapped_column(sa.String(63), default=None)
    record_id: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)
    source: Mapped[str | None] = mapped_column(sa.String(200), default=None)  # who sent it
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class Unsubscribe(Base):
    """A recipient who asked for no more messages of an app on a channel."""

    __tablename__ = "notify_unsubscribes"

    app_key: Mapped[str] = mapped_column(sa.String(63), primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    address: Mapped[str] = mapped_column(sa.String(320), primary_key=True)  # lower case
    message_id: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)
    at: Mapped[datetime]


class MessageClick(Base):
    """A click on a tracked link of a message."""

    __tablename__ = "message_clicks"
    __table_args__ = (sa.Index("ix_message_clicks_message", "message_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[int] = mapped_column(sa.BigInteger)
    link: Mapped[int]
    url: Mapped[str] = mapped_column(sa.String(2000))
    related_id: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)  # the record
    at: Mapped[datetime]

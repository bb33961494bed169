"""The system tables of the capture channels: webhook endpoints and their deliveries, stored
API responses under an Idempotency-Key, and the counters that rate-limit public forms."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from metadata.orm import Base, JSONValue


class WebhookEndpoint(Base):
    """The secret address and signing secret of one webhook a form declares
    (``capture.webhooks[].key``). The address is found by the SHA-256 of its token; token and
    secret are kept encrypted (``runtime.capture.secrets``) so that admins can read them."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (sa.UniqueConstraint("app_key", "form_key", "hook_key",
                                          name="uq_webhook_endpoints_hook"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_key: Mapped[str] = mapped_column(sa.String(63))
    form_key: Mapped[str] = mapped_column(sa.String(63))
    hook_key: Mapped[str] = mapped_column(sa.String(63))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    token: Mapped[str] = mapped_column(sa.Text)  # encrypted
    secret: Mapped[str] = mapped_column(sa.Text)  # encrypted
    created_at: Mapped[datetime]
    rotated_at: Mapped[datetime | None] = mapped_column(default=None)


class WebhookDelivery(Base):
    """One payload posted to a webhook, stored before it is answered, whatever became of it:
    ``status`` received (stored, not applied yet), applied, refused (its values did not make
    a record: ``errors``), duplicate (its delivery id was applied before: ``duplicate_of``),
    unauthorized (bad signature), malformed (not JSON), too_large."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.Index("ix_webhook_deliveries_hook", "app_key", "form_key", "hook_key", "id"),
        # one delivery per delivery id and webhook: a redelivery is stored without the id
        sa.Index("uq_webhook_deliveries_delivery", "app_key", "form_key", "hook_key",
                 "delivery_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    app_key: Mapped[str] = mapped_column(sa.String(63))
    form_key: Mapped[str] = mapped_column(sa.String(63))
    hook_key: Mapped[str] = mapped_column(sa.String(63))
    received_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(sa.String(16))
    http_status: Mapped[int]
    delivery_id: Mapped[str | None] = mapped_column(sa.String(200), default=None)
    delivery_key: Mapped[str | None] = mapped_column(sa.String(200), default=None)
    duplicate_of: Mapped[int | None] = mapped_column(default=None)
    body: Mapped[bytes] = mapped_column(sa.LargeBinary)
    body_size: Mapped[int]
    truncated: Mapped[bool] = mapped_column(default=False)
    content_type: Mapped[str | None] = mapped_column(sa.String(200), default=None)
    headers: Mapped[dict] = mapped_column(JSONValue, default=dict)
    record_id: Mapped[int | None] = mapped_column(default=None)
    outcome: Mapped[str | None] = mapped_column(sa.String(16), default=None)
    errors: Mapped[list | None] = mapped_column(JSONValue, default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    applied_at: Mapped[datetime | None] = mapped_column(default=None)


class IdempotentRequest(Base):
    """A request sent with an Idempotency-Key: who sent it, what (its fingerprint), and once
    it has run, the response it got, answered again to a retry until ``expires_at``."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (sa.UniqueConstraint("user_id", "key", name="uq_idempotent_requests_key"),
                      sa.Index("ix_idempotent_requests_expires_at", "expires_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(255))
    target: Mapped[str] = mapped_column(sa.String(400))  # method and path
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    state: Mapped[str] = mapped_column(sa.String(8))  # running | done
    claimed_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    status: Mapped[int | None] = mapped_column(default=None)
    body: Mapped[bytes | None] = mapped_column(sa.LargeBinary, default=None)
    headers: Mapped[dict | None] = mapped_column(JSONValue, default=None)


class CaptureCounter(Base):
    """Submissions counted per key (a public form and a client address) in a fixed window,
    shared by every process: the rate limit of public forms."""

    __tablename__ = "capture_counters"

    key: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    window_start: Mapped[datetime]
    count: Mapped[int]

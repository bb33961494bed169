"""Notification channels: one small class per channel, built into a registry from a tuple.

A channel checks and normalises a recipient (``address``), says whether its messages go
through the outbox, and delivers one message (``deliver``), answering with an exception when
it could not: ``Retry`` (try again after the backoff), ``Failed`` (never: a bad address, a
missing secret), ``Bounced`` (the receiving server refused the recipient for good),
``Held`` (the channel is not configured: the message stays, "would have been sent").
The in-app channel writes the bell's notifications in the sender's transaction instead."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from metadata.registry import Registry
from runtime.rules.models import Notification
from runtime.rules.outbound import SIGNATURE, OutboundRefused, call, signature

if TYPE_CHECKING:
    from runtime.notify.settings import NotifySettings

NOTES = Notification.__table__


class Retry(Exception):
    """A failure that may pass (a server down, a 4xx SMTP answer, a 5xx HTTP answer)."""


class Failed(Exception):
    """A failure that trying again will not mend."""


class Bounced(Failed):
    """The recipient was refused for good by the receiving server."""


class Held(Exception):
    """The channel is not configured: the message is kept, not sent (not an error)."""


@dataclass(frozen=True)
class Delivery:
    """What delivering needs: the installation's settings and the SMS providers."""

    settings: NotifySettings
    sms_providers: Registry


class Channel:
    key: ClassVar[str]
    outbox: ClassVar[bool] = True  # its messages are rows of the outbox, delivered by a job
    unsubscribable: ClassVar[bool] = False

    def address(self, to: Any) -> str:
        """The recipient in the channel's form; ValueError when it is none."""
        text = str(to or "").strip()
        if not text:
            raise ValueError("the recipient is empty")
        return text

    def deliver(self, ctx: Delivery, message: Mapping[str, Any]) -> str | None:
        """Send ``message`` (an outbox row, tracked links rewritten); a note on success."""
        raise NotImplementedError


class InAppChannel(Channel):
    """A notification in the app (the bell): written in the sender's transaction, for a user
    by id; sending one key twice to a user writes it once."""

    key = "in_app"
    outbox = False

    def address(self, to):
        text = str(to).strip()
        if not text.isdigit() or int(text) <= 0:
            raise ValueError(f"an in-app message goes to a user id, not {to!r}")
        return text

    def post(self, session: Session, now: datetime, key: str, user_id: int,
             values: Mapping[str, Any]) -> bool:
        """Write the notification (False when this key reached this user already)."""
        if session.scalar(sa.select(NOTES.c.id).where(NOTES.c.key == key,
                                                      NOTES.c.user_id == user_id)):
            return False
        session.execute(NOTES.insert().values(key=key, user_id=user_id, created_at=now,
                                              **values))
        return True


class WebhookChannel(Channel):
    """A JSON POST to a URL, signed with HMAC-SHA256 when the message names a secret;
    private and loopback addresses refused unless an admin allows them; the same
    ``X-Trellis-Delivery`` id on every attempt (runtime.rules.outbound)."""

    key = "webhook"

    def address(self, to):
        text = super().address(to)
        if not text.lower().startswith(("http://", "https://")) or len(text) > 2000:
            raise ValueError(f"a webhook goes to an http(s) address, not {to!r}")
        return text

    def deliver(self, ctx, message):
        settings = ctx.settings
        options = message.get("options") or {}
        payload = json.dumps({
            "app": message["app_key"], "form": message["form_key"],
            "record_id": message["record_id"], "subject": message["subject"],
            "body": message["body_text"], "data": options.get("data")},
            default=str, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "Trellis-Webhook/1",
                   "X-Trellis-Delivery": message["idempotency_key"]}
        name = options.get("secret")
        if name:
            secret = settings.webhook_secrets.get(name)
            if not secret:
                raise Failed(f"the webhook secret {name!r} is not configured "
                             "(TRELLIS_WEBHOOK_SECRETS)")
            headers[SIGNATURE] = signature(secret, payload)
        try:
            status = call(message["to"], options.get("method", "POST"), payload, headers,
                          settings.allow_private)
        except OutboundRefused as exc:
            raise Failed(str(exc)) from None
        except OSError as exc:
            raise Retry(str(exc)) from None
        return f"answered {status}"

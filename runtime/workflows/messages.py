"""The seam to notifications: a workflow's "send message" hands its message to
``runtime.notify.send`` once that package exists (e-mail, SMS, the outbox), and until then
writes in-app notifications (the ``notifications`` table of the rules). Both are called inside
the step's transaction with a key that is the same on every attempt, so a message is sent
once."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from runtime.rules.models import Notification

NOTES = Notification.__table__


class Sender(Protocol):
    """What sends a message: ``send(session, channel=, to=[user ids], title=, message=,
    record=(app, form, id), key=, now=, priority=, template=)``; idempotent on ``key``."""

    def __call__(self, session: Session, *, channel: str, to: list[int], title: Any,
                 message: Any, record: tuple[str, str, int], key: str, now: datetime,
                 priority: str = "normal", template: str | None = None) -> None: ...


def in_app(session: Session, *, channel: str, to: list[int], title: Any, message: Any,
           record: tuple[str, str, int], key: str, now: datetime, priority: str = "normal",
           template: str | None = None) -> None:
    """In-app notifications, one per user; a key sent before is not sent again."""
    have = set(session.scalars(sa.select(NOTES.c.user_id).where(NOTES.c.key == key)))
    rows = [{"key": key, "user_id": u, "app_key": record[0], "form_key": record[1],
             "record_id": record[2], "title": title, "message": message,
             "priority": priority, "created_at": now} for u in sorted(set(to)) if u not in have]
    if rows:
        session.execute(NOTES.insert(), rows)


def sender(registry: Mapping[str, Any] | None = None) -> Sender:
    """``runtime.notify.send`` when notify is installed, else in-app notifications."""
    try:
        notify = importlib.import_module("runtime.notify")
    except ImportError:
        return in_app
    return getattr(notify, "send", None) or in_app

"""The seam to notifications: a workflow's "send message" hands its message to
``runtime.notify.send`` (in the app, e-mail and SMS through the outbox), and without that
package writes in-app notifications (the ``notifications`` table of the rules). Both are
called inside the step's transaction with a key that is the same on every attempt, so a
message is sent once."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
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
    """``runtime.notify.send`` when notify is installed (through ``through_notify``), else
    in-app notifications."""
    try:
        notify = importlib.import_module("runtime.notify")
    except ImportError:
        return in_app
    send = getattr(notify, "send", None)
    return partial(through_notify, send) if send is not None else in_app


def through_notify(send: Callable[..., Any], session: Session, *, channel: str, to: list[int],
                   title: Any, message: Any, record: tuple[str, str, int], key: str,
                   now: datetime, priority: str = "normal", template: str | None = None
                   ) -> None:
    """The message through ``runtime.notify.send`` on ``channel``: in the app as before (its
    title in every language, read in the reader's), by e-mail to each user's address in the
    directory, in the user's language (users without one are left out), by SMS to what the
    recipients reach; once per key and address. LookupError when nobody can be reached."""
    from runtime.notify.recipients import addresses
    from runtime.notify.service import runtime_of

    if channel == "in_app":
        in_app(session, channel=channel, to=to, title=title, message=message, record=record,
               key=key, now=now, priority=priority)
        return
    rt = runtime_of(session)
    if channel == "email":
        people = rt.directory.people(session, set(to))
        targets = [(p.email, p.locale or "zh") for _id, p in sorted(people.items()) if p.email]
    else:
        targets = [(a, "zh") for a in addresses(rt, session, channel,
                                                [{"user": u} for u in sorted(set(to))], {}, None)]
    if not targets:
        raise LookupError(f"nobody to send the message to on {channel}: no recipient has an "
                          f"address there")
    app_key, form_key, record_id = record
    for address, lang in targets:
        send(session, channel=channel, to=address, app_key=app_key, subject=title,
             body=message, record=(form_key, record_id), idempotency_key=key,
             source="workflow", priority=priority, now=now, lang=lang)

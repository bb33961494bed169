"""What a click on a tracked link and an unsubscribe link do (adapters: they write).

A click is kept (table ``message_clicks``) and, when the app document says so
(``notify.clicks``: a form, its relation field to the message's record, the values of the
other fields), becomes a record of that form linked to the message's record — a related
record that scoring's behaviour rules count like a page view (e.g. ``{kind} =
"email_click"``). The record is written through the records service as the system, so it
is audited and is a record event like any other."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from metadata.errors import TrellisError
from metadata.models import Document
from runtime.notify import outbox
from runtime.notify.models import MessageClick

if TYPE_CHECKING:
    from runtime.context import Runtime

log = logging.getLogger(__name__)
CLICKS = MessageClick.__table__


def click(rt: Runtime, session: Session, token: str, now: datetime) -> str | None:
    """The URL a tracked link points to (None: a token that is forged, altered, or names no
    link of a message), the click kept and, where the app asks for it, recorded on the
    message's record."""
    found = rt.notify.tokens.click(token)
    if found is None:
        return None
    message_id, index = found
    message = outbox.message(session, message_id)
    links = (message or {}).get("links") or []
    if index >= len(links):
        return None
    url = links[index]
    related = _related(rt, session, message, url) if message["record_id"] else None
    session.execute(CLICKS.insert().values(message_id=message_id, link=index, url=url,
                                           related_id=related, at=now))
    return url


def _related(rt: Runtime, session: Session, message: dict, url: str) -> int | None:
    """Create the click's record the app document asks for (None when it asks for none or
    its metadata no longer fits: the click is kept all the same)."""
    from runtime.permissions import SYSTEM
    from runtime.storage.records import Records

    app = _app_body(rt, session, message["app_key"])
    spec = ((app or {}).get("notify") or {}).get("clicks")
    if not spec:
        return None
    words = {"url": url, "subject": message["subject"] or "", "channel": message["channel"]}
    values: dict[str, Any] = {k: _fill(v, words) for k, v in (spec.get("values") or {}).items()}
    values[spec["link"]] = message["record_id"]
    try:
        plan = rt.plan(session, message["app_key"], spec["form"])
        with session.begin_nested():
            created = Records(session, plan, SYSTEM, rt.clock.now(), "notify",
                              directory=rt.directory).create(values)
    except TrellisError as exc:
        log.warning("click on message %s: no %s record made: %s", message["id"], spec["form"],
                    exc)
        return None
    return created.get("id")


def _fill(value: Any, words: dict[str, str]) -> Any:
    if not isinstance(value, str):
        return value
    for name, word in words.items():
        value = value.replace("{" + name + "}", word)
    return value


def _app_body(rt: Runtime, session: Session, app_key: str) -> dict | None:
    """The app document: published, else its draft (an app need not be published)."""
    for published in rt.published_documents(session, "app"):
        if published.key == app_key:
            return published.body
    doc = session.scalar(sa.select(Document).where(Document.app_key == app_key,
                                                   Document.kind == "app"))
    return doc.draft if doc is not None else None


def unsubscribe(rt: Runtime, session: Session, token: str, now: datetime):
    """Mark the token's recipient unsubscribed (its ``Unsubscription``; None: a bad token)."""
    found = rt.notify.tokens.unsubscription(token)
    if found is not None:
        outbox.unsubscribe(session, found.app_key, found.channel, found.address, now)
    return found

"""What a click on a tracked link, an unsubscribe link and a bounce do (adapters: they
write). Bounces and unsubscribes become related records the same way as clicks, where the
app document's ``notify.bounces`` / ``notify.unsubscribes`` ask for it (a workflow's exit
condition or a rule can then see them).

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
ABOUT = 100  # records an unsubscribe is recorded on, at most (the latest messaged)


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
    words = {"url": url, "subject": message["subject"] or "", "channel": message["channel"]}
    return related_record(rt, session, message["app_key"], message.get("form_key"),
                          message["record_id"], "clicks", words,
                          f"click on message {message['id']}")


def related_record(rt: Runtime, session: Session, app_key: str, form_key: str | None,
                   record_id: int, kind: str, words: dict[str, str], what: str) -> int | None:
    """The record the app document's ``notify.<kind>`` (clicks, bounces, unsubscribes) asks
    for, linked to record ``record_id`` of ``form_key`` (None when it asks for none, its link
    points at another form, or its metadata no longer fits: what happened is kept all the
    same)."""
    from runtime.permissions import SYSTEM
    from runtime.storage.records import Records

    spec = asked(rt, session, app_key, kind)
    if not spec:
        return None
    values: dict[str, Any] = {k: _fill(v, words) for k, v in (spec.get("values") or {}).items()}
    values[spec["link"]] = record_id
    try:
        plan = rt.plan(session, app_key, spec["form"])
        link = plan.by_key.get(spec["link"])
        if form_key and (link is None or plan.types[link["type"]].links_to(link) != form_key):
            return None  # the message was about a record of another form
        with session.begin_nested():
            created = Records(session, plan, SYSTEM, rt.clock.now(), "notify",
                              directory=rt.directory).create(values)
    except TrellisError as exc:
        log.warning("%s: no %s record made: %s", what, spec["form"], exc)
        return None
    return created.get("id")


def asked(rt: Runtime, session: Session, app_key: str, kind: str) -> dict | None:
    """What the app document's ``notify.<kind>`` asks to record (None: nothing)."""
    return ((_app_body(rt, session, app_key) or {}).get("notify") or {}).get(kind)


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
    """Mark the token's recipient unsubscribed (its ``Unsubscription``; None: a bad token)
    and, where the app asks for it (``notify.unsubscribes``), record it on each record the
    app's messages to that address were about (the latest ``ABOUT``)."""
    found = rt.notify.tokens.unsubscription(token)
    if found is not None and outbox.unsubscribe(session, found.app_key, found.channel,
                                                found.address, now) \
            and asked(rt, session, found.app_key, "unsubscribes"):
        words = {"address": found.address, "channel": found.channel, "subject": ""}
        for form_key, record_id in outbox.records_messaged(
                session, found.app_key, found.channel, found.address, ABOUT):
            related_record(rt, session, found.app_key, form_key, record_id, "unsubscribes",
                           words, f"unsubscribe of {found.address}")
    return found


def bounced(rt: Runtime, message: dict) -> None:
    """A message bounced: where the app asks for it (``notify.bounces``), a record of it on
    the record the message was about."""
    if not message.get("record_id"):
        return
    words = {"address": message["to"], "channel": message["channel"],
             "subject": message.get("subject") or ""}
    with rt.session() as session, session.begin():
        related_record(rt, session, message["app_key"], message.get("form_key"),
                       message["record_id"], "bounces", words,
                       f"bounce of message {message['id']}")

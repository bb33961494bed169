"""Sending a message: the one entry point every engine calls (rules' notify action, the
workflows' "send message" node), ``send(session, channel=..., to=..., ...)``.

The message is written in the caller's transaction — an in-app notification at once, the
others as a row of the outbox that a worker delivers after the commit — so a rolled-back
write sends nothing, and an idempotency key makes sending twice send once."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from metadata.labels import label_text
from runtime.notify import outbox
from runtime.notify.channels import Channel
from runtime.notify.registry import build_channel_registry
from runtime.notify.settings import NotifySettings
from runtime.notify.sms import build_provider_registry
from runtime.notify.templates import render
from runtime.notify.tracking import Tokens, links

if TYPE_CHECKING:
    from runtime.context import Runtime

AFTER_COMMIT = "trellis.after_commit"  # session.info: callables the event hub runs
KEY_LENGTH = 200
FOOTER_TEXT = "\n\n--\n退订 / Unsubscribe: {url}\n"
FOOTER_HTML = '<p style="font-size:12px;color:#888"><a href="{url}">退订 / Unsubscribe</a></p>'


@dataclass(frozen=True)
class Sent:
    """What ``send`` did: the channel, the recipient as the channel writes it, the status
    (``queued``, ``held``, ``unsubscribed``, ``posted`` for in-app; a key sent before answers
    with its message's status and ``new`` False) and the outbox id (None in-app)."""

    channel: str
    to: str
    status: str
    message_id: int | None
    new: bool = True


class Notifier:
    """The runtime's notify service: the channels, the SMS providers, the settings, the
    link tokens (``Runtime.notify``)."""

    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.settings = NotifySettings.from_settings(runtime.settings)
        self.channels = build_channel_registry()
        self.sms_providers = build_provider_registry()
        self.tokens = Tokens(self.settings.secret_key, self.settings.public_base_url)

    def launch(self, message_id: int) -> None:
        """Hand a message to a worker (without one, the periodic task delivers it)."""
        start = self.rt.background.get("outbox")
        if start is not None:
            start(str(message_id))

    def outgoing(self, message: Mapping[str, Any]) -> dict[str, Any]:
        """The message as it leaves: tracked links in its HTML body."""
        out = dict(message)
        if out.get("body_html") and out.get("links") and self.tokens.enabled:
            out["body_html"] = self.tokens.rewrite(out["id"], out["body_html"], out["links"])
        return out


def send(session: Session, *, channel: str, to: str | int, app_key: str,
         subject: Any = None, body: Any = None, html: Any = None,
         record: tuple[str, int] | None = None, values: Mapping[str, Any] | None = None,
         idempotency_key: str | None = None, source: str | None = None,
         options: Mapping[str, Any] | None = None, lang: str = "zh", priority: str = "normal",
         runtime: Runtime | None = None, now: datetime | None = None) -> Sent:
    """Send a message on ``channel`` (``in_app``, ``email``, ``sms``, ``webhook``) to one
    recipient (a user id in the app, an e-mail address, a phone number, a URL).

    ``subject``, ``body`` and ``html`` are templates (text, or ``{"zh": ..., "en": ...}``
    picked by ``lang``) rendered in the sandbox with ``values``, by default the fields of
    ``record`` (``(form_key, record_id)``, read as the system sees it); a template that
    fails raises ``TemplateFailed`` (a ValueError) with its line. ``idempotency_key``: the
    same key sends once (a workflow step's or rule job's key; a new one when left out).
    ``options``: the channel's extras (a webhook's ``secret``, ``method``, ``data``).
    ValueError on an unknown channel or an address the channel does not take."""
    rt = runtime or runtime_of(session)
    notify: Notifier = rt.notify
    kind = notify.channels.get(channel)
    if kind is None:
        raise ValueError(f"no channel {channel!r} ({', '.join(notify.channels.keys())})")
    address = kind.address(to)
    now = now or rt.clock.now()
    key = _key(idempotency_key, kind, address)
    if values is None and record is not None:
        values = record_values(rt, session, app_key, *record)
    extra: dict[str, Any] = {}
    if kind.unsubscribable and notify.tokens.enabled:
        extra["unsubscribe_url"] = notify.tokens.unsubscribe_url(app_key, channel, address)
    text = {part: _render(src, values or {}, extra, lang, channel)
            for part, src in (("subject", subject), ("body", body), ("html", html))}
    if not kind.outbox:
        posted = kind.post(session, now, key, int(address), {
            "app_key": app_key, "form_key": record[0] if record else None,
            "record_id": record[1] if record else None, "title": text["subject"] or "",
            "message": text["body"], "priority": priority})
        return Sent(channel, address, "posted", None, posted)
    return _queue(session, rt, kind, address, key, app_key, text, record, source,
                  {**(options or {}), **extra}, now)


def _queue(session: Session, rt: Runtime, kind: Channel, address: str, key: str,
           app_key: str, text: Mapping[str, Any], record: tuple[str, int] | None,
           source: str | None, options: dict[str, Any], now: datetime) -> Sent:
    """Write an outbox row (held without SMTP, skipped when unsubscribed), launched after
    the commit."""
    notify = rt.notify
    body_text, body_html = text["body"], text["html"]
    url = options.get("unsubscribe_url")
    if url and kind.key == "email":
        if url not in (body_text or ""):
            body_text = (body_text or "") + FOOTER_TEXT.format(url=url)
        if body_html and url not in body_html:
            body_html += FOOTER_HTML.format(url=url)
    status = "queued"
    if kind.unsubscribable and outbox.unsubscribed(session, app_key, kind.key, address):
        status = "unsubscribed"
    elif kind.key == "email" and not notify.settings.smtp.configured:
        status = "held"
    message_id, new = outbox.queue(session, {
        "idempotency_key": key, "app_key": app_key, "channel": kind.key, "to": address,
        "subject": (text["subject"] or "")[:500] or None, "body_text": body_text,
        "body_html": body_html, "links": [u for u in links(body_html) if u != url] or None,
        "options": dict(options) or None, "status": status,
        "attempts": 0, "due_at": now if status == "queued" else None,
        "last_error": "no SMTP server is configured: would have been sent"
        if status == "held" else None,
        "form_key": record[0] if record else None, "record_id": record[1] if record else None,
        "source": source, "created_at": now, "updated_at": now})
    if not new:
        found = outbox.message(session, message_id) or {}
        return Sent(kind.key, address, found.get("status", status), message_id, False)
    if status == "queued":
        session.info.setdefault(AFTER_COMMIT, []).append(lambda: notify.launch(message_id))
    return Sent(kind.key, address, status, message_id)


def _render(source: Any, values: Mapping, extra: Mapping, lang: str, channel: str) -> Any:
    """A part rendered: a label (``{"zh": ..., "en": ...}``) keeps its languages in the app
    (the bell shows the reader's) and is read in ``lang`` elsewhere."""
    if source is None:
        return None
    if isinstance(source, Mapping):
        if channel == "in_app":
            return {k: render(v, values, extra) for k, v in source.items() if v}
        source = label_text(source, lang)
    return render(source, values, extra)


def _key(given: str | None, kind: Channel, address: str) -> str:
    """The message's idempotency key: the caller's, per channel and recipient (in-app
    notifications are unique per key and user already)."""
    if not given:
        return uuid.uuid4().hex
    key = f"{given}:{kind.key}:{address}" if kind.outbox else given
    if len(key) > KEY_LENGTH:
        key = key[:KEY_LENGTH - 65] + ":" + hashlib.sha256(key.encode()).hexdigest()
    return key


def record_values(rt: Runtime, session: Session, app_key: str, form_key: str,
                  record_id: int) -> dict[str, Any]:
    """The record's fields as the system reads them (relations and people as ids: a
    template never reaches another record); empty when it is gone."""
    from metadata.errors import NotFound
    from runtime.permissions import SYSTEM
    from runtime.storage.records import Records

    plan = rt.plan(session, app_key, form_key)
    try:
        return Records(session, plan, SYSTEM, rt.clock.now(), "notify",
                       directory=rt.directory).get_all(record_id)
    except NotFound:
        return {}


def runtime_of(session: Session) -> Runtime:
    """The runtime whose session this is (each session carries the runtime's event hub)."""
    from runtime.storage.sink import SINK

    return session.info[SINK].services

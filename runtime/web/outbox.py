"""The admin page of the outbox (/admin/outbox): every message that left or is to leave by
e-mail, SMS or webhook, newest first, filtered by status and channel, each with its body and
its last error, and a retry button for failed, bounced and held messages. Without SMTP
configured, e-mails are held here: what would have been sent."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from runtime.notify import outbox
from runtime.web import current_runtime, db_session, transaction
from runtime.web.forms.display import local_time
from runtime.web.incidents import Names
from runtime.web.messages import N_, ui_lang
from runtime.web.routes import GET, POST

SHOWN = 200
STATUS_WORDS = {"queued": N_("queued"), "sending": N_("sending"), "sent": N_("sent"),
                "failed": N_("failed"), "bounced": N_("bounced"),
                "unsubscribed": N_("unsubscribed"), "held": N_("would have been sent")}
CHANNEL_WORDS = {"email": N_("E-mail"), "sms": N_("SMS"), "webhook": N_("Webhook")}


@dataclass(frozen=True)
class MessageVM:
    id: int
    channel: str
    to: str
    subject: str
    status: str
    status_label: str
    body: str
    html: str
    error: str
    attempts: int
    created: str
    sent: str
    record: str
    record_url: str
    retryable: bool


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    selected: bool


def outbox_page():
    status = request.args.get("status") or None
    channel = request.args.get("channel") or None
    status = status if status in outbox.STATUSES else None
    channel = channel if channel in CHANNEL_WORDS else None
    names = Names(ui_lang())
    rows = outbox.messages(db_session(), status=status, channel=channel, limit=SHOWN)
    shown = [_vm(r, names) for r in rows]
    return render_template(
        "runtime/outbox_admin.html", messages=shown,
        smtp=current_runtime().notify.settings.smtp.configured,
        statuses=[Choice(k, _(v), k == status) for k, v in STATUS_WORDS.items()],
        channels=[Choice(k, _(v), k == channel) for k, v in CHANNEL_WORDS.items()])


def _vm(row: dict, names: Names) -> MessageVM:
    about = names.of({**row, "rule": None})
    return MessageVM(
        id=row["id"], channel=_(CHANNEL_WORDS.get(row["channel"], row["channel"])),
        to=row["to"], subject=row["subject"] or "", status=row["status"],
        status_label=_(STATUS_WORDS.get(row["status"], row["status"])),
        body=row["body_text"] or "", html=row["body_html"] or "",
        error=row["last_error"] if row["status"] != "held" else "",  # the banner says it
        attempts=row["attempts"],
        created=local_time(row["created_at"]), sent=local_time(row["sent_at"]),
        record=about["record"], record_url=about["record_url"],
        retryable=row["status"] in outbox.RETRYABLE)


def retry_one(message_id: int):
    rt = current_runtime()
    with transaction() as session:
        done = outbox.retry(session, message_id, rt.clock.now())
    if done:
        rt.notify.launch(message_id)
        flash(_("Message %(id)s will be sent again.", id=message_id), "success")
    else:
        flash(_("Message %(id)s cannot be retried.", id=message_id), "error")
    return redirect(url_for("admin.outbox"))


class OutboxPage:
    """A page of the admin area; the admin blueprint lets admins only in."""

    key = "outbox"
    label = N_("Outbox")
    endpoint = "admin.outbox"

    routes = (
        ("/outbox", "outbox", outbox_page, GET),
        ("/outbox/<int:message_id>/retry", "outbox_retry", retry_one, POST),
    )

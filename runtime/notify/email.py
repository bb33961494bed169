"""E-mail over SMTP (``smtplib``): plain text and, when given, an HTML alternative; a
``Message-ID`` made from the message's idempotency key (a receiver sees a resent message as
the same one); a ``List-Unsubscribe`` header with the signed unsubscribe link.

SMTP answers decide what happens next: a 4xx answer or a connection that fails is tried
again after the backoff; a 5xx refusal of the recipient is a **bounce**; other 5xx answers
fail the message. Without ``TRELLIS_SMTP_HOST`` messages are held: the outbox page shows
what would have been sent."""

from __future__ import annotations

import hashlib
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, parseaddr

from runtime.notify.channels import Bounced, Channel, Failed, Held, Retry
from runtime.notify.settings import SmtpSettings

ADDRESS = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


class EmailChannel(Channel):
    key = "email"
    unsubscribable = True

    def address(self, to):
        text = super().address(to)
        _name, found = parseaddr(text)
        if not ADDRESS.match(found or "") or len(found) > 320:
            raise ValueError(f"{text!r} is not an e-mail address")
        return found.lower()

    def deliver(self, ctx, message):
        smtp = ctx.settings.smtp
        if not smtp.configured:
            raise Held("no SMTP server is configured (TRELLIS_SMTP_HOST): not sent")
        mail = compose(smtp, message)
        try:
            with connect(smtp) as server:
                refused = server.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise (Bounced if code >= 500 else Retry)(_answer(code, text)) from None
        except smtplib.SMTPResponseException as exc:
            raise (Failed if exc.smtp_code >= 500 and not isinstance(
                exc, smtplib.SMTPAuthenticationError) else Retry)(
                _answer(exc.smtp_code, exc.smtp_error)) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise Retry(f"{type(exc).__name__}: {exc}") from None
        if refused:  # only one recipient: refused means all
            code, text = next(iter(refused.values()))
            raise (Bounced if code >= 500 else Retry)(_answer(code, text))
        return f"accepted by {smtp.host}"


def connect(smtp: SmtpSettings) -> smtplib.SMTP:
    if smtp.security == "tls":
        server: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout,
                                               context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        if smtp.security == "starttls":
            server.starttls(context=ssl.create_default_context())
    if smtp.user:
        server.login(smtp.user, smtp.password or "")
    return server


def compose(smtp: SmtpSettings, message) -> EmailMessage:
    options = message.get("options") or {}
    mail = EmailMessage()
    name, sender = parseaddr(smtp.sender)
    mail["From"] = formataddr((name, sender)) if name else sender
    mail["To"] = message["to"]
    mail["Subject"] = message.get("subject") or ""
    domain = sender.rsplit("@", 1)[-1] or "localhost"
    digest = hashlib.sha256(message["idempotency_key"].encode()).hexdigest()[:32]
    mail["Message-ID"] = f"<{digest}@{domain}>"
    unsubscribe = options.get("unsubscribe_url")
    if unsubscribe:
        mail["List-Unsubscribe"] = f"<{unsubscribe}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content(message.get("body_text") or "")
    if message.get("body_html"):
        mail.add_alternative(message["body_html"], subtype="html")
    return mail


def _answer(code: int, text: bytes | str) -> str:
    words = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f"the SMTP server answered {code} {words}"

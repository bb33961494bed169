"""What the installation configured for notify: SMTP, the SMS provider, retries, outbound
calls. Read once from the runtime's settings (``app/config.py``: ``TRELLIS_SMTP_*``,
``TRELLIS_SMS_*``, ``TRELLIS_NOTIFY_*``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

SECURITY = ("starttls", "tls", "none")


@dataclass(frozen=True)
class SmtpSettings:
    host: str | None = None  # None: no SMTP configured (e-mail is held, "would have been sent")
    port: int = 587
    user: str | None = None
    password: str | None = None
    security: str = "starttls"  # starttls | tls (SMTPS) | none
    sender: str = "trellis@localhost"
    timeout: float = 20.0

    @property
    def configured(self) -> bool:
        return bool(self.host)


@dataclass(frozen=True)
class SmsSettings:
    provider: str = "log"  # log | http
    url: str | None = None
    method: str = "POST"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None  # a template over {{ to }} and {{ text }}
    timeout: float = 10.0


@dataclass(frozen=True)
class NotifySettings:
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    sms: SmsSettings = field(default_factory=SmsSettings)
    max_attempts: int = 6
    retry_seconds: float = 30.0
    retry_cap_seconds: float = 3600.0
    allow_private: bool = False
    webhook_secrets: Mapping[str, str] = field(default_factory=dict)
    secret_key: str = ""
    public_base_url: str | None = None

    def backoff(self, attempts: int) -> timedelta:
        """Exponential: the first retry after ``retry_seconds``, doubling, at most the cap."""
        seconds = self.retry_seconds * 2 ** max(0, attempts - 1)
        return timedelta(seconds=min(seconds, self.retry_cap_seconds))

    @classmethod
    def from_settings(cls, s: Mapping[str, Any]) -> NotifySettings:
        security = str(s.get("smtp_security") or "starttls").lower()
        if security not in SECURITY:
            raise ValueError(f"TRELLIS_SMTP_SECURITY must be one of {', '.join(SECURITY)}")
        smtp = SmtpSettings(
            host=s.get("smtp_host") or None, port=int(s.get("smtp_port") or 587),
            user=s.get("smtp_user") or None, password=s.get("smtp_password") or None,
            security=security, sender=s.get("smtp_from") or "trellis@localhost",
            timeout=float(s.get("smtp_timeout") or 20))
        sms = SmsSettings(
            provider=str(s.get("sms_provider") or "log"), url=s.get("sms_url") or None,
            method=str(s.get("sms_method") or "POST").upper(),
            headers=dict(s.get("sms_headers") or {}), body=s.get("sms_body") or None)
        return cls(smtp=smtp, sms=sms, max_attempts=int(s.get("notify_max_attempts") or 6),
                   retry_seconds=float(s.get("notify_retry_seconds") or 30),
                   retry_cap_seconds=float(s.get("notify_retry_cap_seconds") or 3600),
                   allow_private=bool(s.get("outbound_allow_private")),
                   webhook_secrets=dict(s.get("webhook_secrets") or {}),
                   secret_key=str(s.get("secret_key") or ""),
                   public_base_url=(s.get("public_base_url") or None))

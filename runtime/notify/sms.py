"""SMS through a provider adapter: a registry of providers, one small class each.

- ``log`` (the default): writes the message to the log and counts as sent — for trying an
  app out, and for installations without an SMS contract.
- ``http``: a generic HTTP provider (most SMS gateways take one request per message):
  ``TRELLIS_SMS_URL``, ``TRELLIS_SMS_METHOD``, ``TRELLIS_SMS_HEADERS`` (a JSON object, e.g.
  an API key) and ``TRELLIS_SMS_BODY``, a template over ``{{ to }}`` and ``{{ text }}``
  (rendered in the sandbox; JSON by default). Private and loopback addresses are refused
  unless an admin allows them (``TRELLIS_OUTBOUND_ALLOW_PRIVATE``); redirects are not
  followed; a 5xx answer or an unreachable provider is tried again, a 4xx answer fails."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import phonenumbers

from metadata.registry import Registry
from runtime.notify.channels import Channel, Failed, Retry
from runtime.notify.templates import TemplateFailed, render
from runtime.rules.outbound import OutboundRefused, call

if TYPE_CHECKING:
    from runtime.notify.settings import NotifySettings, SmsSettings

log = logging.getLogger(__name__)
DEFAULT_BODY = '{"to": {{ to|tojson }}, "text": {{ text|tojson }}}'
MAX_TEXT = 1000


class SmsProvider:
    key: ClassVar[str]

    def send(self, settings: NotifySettings, to: str, text: str, delivery: str) -> str:
        raise NotImplementedError


class LogProvider(SmsProvider):
    key = "log"

    def send(self, settings, to, text, delivery):
        log.info("SMS to %s (%s): %s", to, delivery, text)
        return "written to the log (TRELLIS_SMS_PROVIDER=log)"


class HttpProvider(SmsProvider):
    key = "http"

    def send(self, settings, to, text, delivery):
        sms: SmsSettings = settings.sms
        if not sms.url:
            raise Failed("TRELLIS_SMS_URL is not set for the http SMS provider")
        try:
            body = render(sms.body or DEFAULT_BODY, {"to": to, "text": text})
        except TemplateFailed as exc:
            raise Failed(f"TRELLIS_SMS_BODY: {exc}") from None
        headers = {"Content-Type": "application/json", "User-Agent": "Trellis-SMS/1",
                   "X-Trellis-Delivery": delivery, **dict(sms.headers)}
        try:
            status = call(sms.url, sms.method, body.encode(), headers, settings.allow_private,
                          timeout=sms.timeout)
        except OutboundRefused as exc:
            raise Failed(str(exc)) from None
        except OSError as exc:
            if " answered 4" in str(exc):
                raise Failed(str(exc)) from None
            raise Retry(str(exc)) from None
        return f"the provider answered {status}"


SMS_PROVIDERS: tuple[type[SmsProvider], ...] = (LogProvider, HttpProvider)


def build_provider_registry(types: tuple[type[SmsProvider], ...] = SMS_PROVIDERS
                            ) -> Registry[SmsProvider]:
    return Registry("SMS provider", types, key_attr="key")


class SmsChannel(Channel):
    key = "sms"
    unsubscribable = True

    def address(self, to: Any) -> str:
        text = super().address(to)
        try:
            number = phonenumbers.parse(text, "CN")
        except phonenumbers.NumberParseException:
            raise ValueError(f"{text!r} is not a phone number") from None
        if not phonenumbers.is_possible_number(number):
            raise ValueError(f"{text!r} is not a phone number")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def deliver(self, ctx, message: Mapping[str, Any]) -> str | None:
        settings = ctx.settings
        provider = ctx.sms_providers.get(settings.sms.provider)
        if provider is None:
            raise Failed(f"no SMS provider {settings.sms.provider!r} (log or http)")
        text = (message.get("body_text") or message.get("subject") or "")[:MAX_TEXT]
        return provider.send(settings, message["to"], text, message["idempotency_key"])

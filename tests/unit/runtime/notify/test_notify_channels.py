"""Each channel checks its recipients; e-mail composes its headers; tokens of tracked and
unsubscribe links are signed and name only what they were made for; backoff doubles to a cap;
the registry refuses a duplicate channel."""

from __future__ import annotations

from datetime import timedelta

import pytest

from metadata.registry import Registry
from runtime.notify.channels import InAppChannel, WebhookChannel
from runtime.notify.email import EmailChannel, compose
from runtime.notify.registry import CHANNEL_TYPES, build_channel_registry
from runtime.notify.settings import NotifySettings, SmtpSettings
from runtime.notify.sms import SmsChannel
from runtime.notify.tracking import Tokens, links


def test_the_registry_holds_the_four_channels_and_refuses_duplicates():
    assert build_channel_registry().keys() == ["in_app", "email", "sms", "webhook"]
    with pytest.raises(ValueError, match="duplicate"):
        Registry("notification channel", (*CHANNEL_TYPES, EmailChannel), key_attr="key")


@pytest.mark.parametrize("channel,given,address", [
    (EmailChannel(), " Li Lei <Li@Example.COM> ", "li@example.com"),
    (SmsChannel(), "138 0013 8000", "+8613800138000"),
    (SmsChannel(), "+1 415 555 2671", "+14155552671"),
    (InAppChannel(), 7, "7"),
    (WebhookChannel(), "https://hooks.example.com/x", "https://hooks.example.com/x"),
])
def test_recipients_are_written_the_channels_way(channel, given, address):
    assert channel.address(given) == address


@pytest.mark.parametrize("channel,given", [
    (EmailChannel(), "li@"), (EmailChannel(), ""), (SmsChannel(), "call me"),
    (SmsChannel(), "12"), (InAppChannel(), "li@example.com"), (InAppChannel(), "0"),
    (WebhookChannel(), "ftp://example.com"), (WebhookChannel(), "javascript:alert(1)"),
])
def test_other_recipients_are_refused(channel, given):
    with pytest.raises(ValueError):
        channel.address(given)


def test_an_email_carries_its_message_id_and_unsubscribe_headers():
    smtp = SmtpSettings(host="smtp.example.com", sender="销售部 <sales@example.com>")
    mail = compose(smtp, {"to": "li@example.com", "subject": "报价", "body_text": "见附件",
                          "body_html": "<p>见附件</p>", "idempotency_key": "wf:1:2:email:li",
                          "options": {"unsubscribe_url": "https://crm.example.com/t/u/x"}})
    assert mail["Message-ID"].endswith("@example.com>")
    assert mail["Message-ID"] == compose(smtp, {"to": "x@y.cn", "idempotency_key":
                                                "wf:1:2:email:li"})["Message-ID"]
    assert mail["List-Unsubscribe"] == "<https://crm.example.com/t/u/x>"
    assert mail["From"] == "销售部 <sales@example.com>"
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]


def test_only_http_links_of_anchors_are_tracked_each_once():
    html = ('<a href="https://a.cn/x?p=1&amp;q=2">a</a><a href="mailto:x@y.cn">m</a>'
            "<A HREF='http://b.cn'>b</A><a href=\"https://a.cn/x?p=1&q=2\">again</a>"
            '<img src="https://img.cn/1.png">')
    assert links(html) == ["https://a.cn/x?p=1&q=2", "http://b.cn"]


def test_tokens_are_signed_and_name_a_message_and_a_link_index():
    tokens = Tokens("secret", "https://crm.example.com/")
    url = tokens.click_url(12, 1)
    assert url.startswith("https://crm.example.com/t/") and "b.cn" not in url
    token = url.rsplit("/", 1)[1]
    assert tokens.click(token) == (12, 1)
    assert tokens.click(token[:-1]) is None
    assert Tokens("other secret", None).click(token) is None
    assert tokens.unsubscription(token) is None  # a click token unsubscribes nobody
    unsubscribe = tokens.unsubscribe_url("crm", "email", "Li@Example.com").rsplit("/", 1)[1]
    found = tokens.unsubscription(unsubscribe)
    assert (found.app_key, found.channel, found.address) == ("crm", "email", "li@example.com")
    assert tokens.click(unsubscribe) is None
    rewritten = tokens.rewrite(12, '<a href="http://b.cn">b</a><a href="http://c.cn">c</a>',
                               ["http://b.cn"])
    assert "http://b.cn" not in rewritten and 'href="http://c.cn"' in rewritten


def test_backoff_doubles_up_to_the_cap():
    settings = NotifySettings(retry_seconds=10, retry_cap_seconds=60)
    assert [settings.backoff(n) for n in (1, 2, 3, 4, 9)] == [
        timedelta(seconds=s) for s in (10, 20, 40, 60, 60)]


def test_settings_come_from_the_configuration():
    settings = NotifySettings.from_settings({
        "smtp_host": "smtp.example.com", "smtp_port": 465, "smtp_security": "TLS",
        "smtp_user": "u", "smtp_password": "p", "sms_provider": "http",
        "sms_headers": {"X-Key": "k"}, "notify_max_attempts": 3})
    assert settings.smtp.configured and settings.smtp.security == "tls"
    assert settings.smtp.port == 465 and settings.max_attempts == 3
    assert settings.sms.headers == {"X-Key": "k"}
    assert not NotifySettings.from_settings({}).smtp.configured
    with pytest.raises(ValueError, match="TRELLIS_SMTP_SECURITY"):
        NotifySettings.from_settings({"smtp_security": "ssl3"})

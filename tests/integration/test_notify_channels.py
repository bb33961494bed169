"""SMS (the log adapter by default; the generic HTTP provider against a local server, refused
as a private address unless an admin allows it), webhooks through the outbox (signed,
retried) and in-app messages through ``send`` (the bell counts them)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from runtime.notify import send
from runtime.notify.outbox import OUTBOX, Deliverer
from runtime.notify.settings import SmsSettings
from runtime.rules.outbound import signature
from tests.integration.notify_support import HttpServer

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def server(runtime):
    runtime.clock.set(T0)
    server = HttpServer()
    yield server
    server.stop()


def queue(runtime, **kw):
    with runtime.session() as session, session.begin():
        return send(session, app_key="crm", **kw)


def status(runtime, message_id: int) -> dict:
    with runtime.session(read_only=True) as session:
        return dict(session.execute(sa.select(OUTBOX.c.status, OUTBOX.c.last_error,
                                              OUTBOX.c.to).where(OUTBOX.c.id == message_id))
                    .mappings().one())


def use_sms(runtime, **sms) -> None:
    notify = runtime.notify
    notify.settings = replace(notify.settings, sms=SmsSettings(**sms))


def test_the_log_adapter_is_the_default_and_sends_to_the_log(runtime, caplog):
    runtime.clock.set(T0)
    sent = queue(runtime, channel="sms", to="138 0013 8000", body="Hi {{ name }}",
                 values={"name": "Li"})
    assert sent.to == "+8613800138000"
    with caplog.at_level(logging.INFO, logger="runtime.notify.sms"):
        assert Deliverer(runtime).run(sent.message_id).endswith("sent (written to the log "
                                                                 "(TRELLIS_SMS_PROVIDER=log))")
    assert "SMS to +8613800138000" in caplog.text and "Hi Li" in caplog.text
    assert status(runtime, sent.message_id)["status"] == "sent"


def test_the_http_provider_refuses_a_local_address_by_default(runtime, server):
    use_sms(runtime, provider="http", url=server.url + "/sms")
    sent = queue(runtime, channel="sms", to="+8613800138000", body="Your code is 1234")
    assert Deliverer(runtime).run(sent.message_id).endswith("failed")
    got = status(runtime, sent.message_id)
    assert "private or local address" in got["last_error"]
    assert server.received == []


def test_the_http_provider_sends_when_an_admin_allows_local_addresses(runtime, server):
    use_sms(runtime, provider="http", url=server.url + "/sms",
            headers={"X-Api-Key": "k-1"},
            body='{"mobile": {{ to|tojson }}, "content": {{ text|tojson }}}')
    runtime.notify.settings = replace(runtime.notify.settings, allow_private=True)
    server.server.answers = [503]  # the provider is down once: tried again
    sent = queue(runtime, channel="sms", to="+8613800138000", body="验证码 {{ code }}",
                 values={"code": "\"1234\""}, idempotency_key="otp-7")
    assert "retrying" in Deliverer(runtime).run(sent.message_id)
    assert Deliverer(runtime).run_due(T0 + timedelta(seconds=30)) == 1
    assert status(runtime, sent.message_id)["status"] == "sent"
    assert len(server.received) == 2
    assert server.json(1) == {"mobile": "+8613800138000", "content": "验证码 \"1234\""}
    headers = server.received[1]["headers"]
    assert headers["X-Api-Key"] == "k-1"
    assert headers["X-Trellis-Delivery"] == server.received[0]["headers"]["X-Trellis-Delivery"]


def test_a_4xx_answer_fails_the_sms_at_once(runtime, server):
    use_sms(runtime, provider="http", url=server.url + "/sms")
    runtime.notify.settings = replace(runtime.notify.settings, allow_private=True)
    server.server.answers = [400]
    sent = queue(runtime, channel="sms", to="+8613800138000", body="x")
    assert Deliverer(runtime).run(sent.message_id).endswith("failed")
    assert "answered 400" in status(runtime, sent.message_id)["last_error"]


def test_a_webhook_message_is_signed_and_refused_on_private_addresses(runtime, server):
    notify = runtime.notify
    notify.settings = replace(notify.settings, webhook_secrets={"crm_hook": "s3cret"})
    refused = queue(runtime, channel="webhook", to=server.url + "/hook", subject="SQL",
                    body="Lead {{ name }} is an SQL", values={"name": "Li"})
    assert Deliverer(runtime).run(refused.message_id).endswith("failed")
    notify.settings = replace(notify.settings, allow_private=True)
    sent = queue(runtime, channel="webhook", to=server.url + "/hook", subject="SQL",
                 body="Lead {{ name }} is an SQL", values={"name": "Li"},
                 options={"secret": "crm_hook", "data": {"score": 85}})
    assert "sent (answered 200)" in Deliverer(runtime).run(sent.message_id)
    got = server.received[0]
    assert got["headers"]["X-Trellis-Signature"] == signature("s3cret", got["body"])
    assert server.json() == {"app": "crm", "form": None, "record_id": None, "subject": "SQL",
                             "body": "Lead Li is an SQL", "data": {"score": 85}}


def test_in_app_messages_reach_the_bell_once_per_key(app, runtime, factory):
    from tests.integration.helpers import logged_in

    user = factory.user("rep@example.com", ["member"], name="Rep")
    for _ in range(2):
        sent = queue(runtime, channel="in_app", to=user, subject={"zh": "新线索 {{ n }}",
                                                                 "en": "New lead {{ n }}"},
                     body="请跟进", values={"n": 7}, idempotency_key="wf-1-step-2")
    assert sent.status == "posted" and sent.new is False
    page = logged_in(app, "rep@example.com")
    assert ">1<" in page.get("/notifications/_bell").get_data(as_text=True)
    menu = page.get("/notifications/_menu", headers={"Accept-Language": "en"})
    assert "New lead 7" in menu.get_data(as_text=True)
    with pytest.raises(ValueError, match="user id"):
        queue(runtime, channel="in_app", to="rep@example.com", subject="x")


@pytest.mark.parametrize("query,path", [
    ("?status=lost", "/status"), ("?channel=fax", "/channel"), ("?app=0.5", "/app"),
    ("?limit=0", "/limit"), ("?limit=501", "/limit"), ("?before=x", "/before"),
    ("?status=sent&status=failed", "/status")])
def test_bad_outbox_filters_answer_400_with_a_path(admin_api, query, path):
    from tests.integration.helpers import assert_error

    assert_error(admin_api.get("/outbox" + query), 400, path)


def test_the_outbox_is_for_admins(factory, admin_api):
    member = factory.api(factory.user("m@example.com", ["member"]))
    assert member.get("/outbox").status_code == 403
    assert admin_api.get("/outbox/99").status_code == 404
    assert admin_api.post("/outbox/99/retry").status_code == 404

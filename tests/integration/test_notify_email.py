"""E-mail from the outbox to a real SMTP server (aiosmtpd): once however often the job runs,
retried with backoff after a refusal, failed for good after the cap (and visible), bounced,
held without SMTP, and sent by a rule's notify action through a real RQ worker."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from runtime.notify import send
from runtime.notify.outbox import OUTBOX, Deliverer
from runtime.notify.templates import TemplateFailed
from tests.integration.helpers import field, form_doc
from tests.integration.notify_support import body_of, start_smtp, use_smtp

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def inbox(runtime):
    inbox, controller = start_smtp()
    use_smtp(runtime, inbox)
    runtime.clock.set(T0)
    yield inbox
    controller.stop()


def queue_mail(runtime, to="ann@example.com", key="k1", **kw) -> int:
    with runtime.session() as session, session.begin():
        sent = send(session, channel="email", to=to, app_key="crm", idempotency_key=key,
                    subject=kw.pop("subject", "Hello {{ name }}"),
                    body=kw.pop("body", "Dear {{ name }},\nwelcome."),
                    values=kw.pop("values", {"name": "安"}), **kw)
    return sent.message_id


def row(runtime, message_id: int) -> dict:
    with runtime.session(read_only=True) as session:
        return dict(session.execute(sa.select(OUTBOX).where(OUTBOX.c.id == message_id))
                    .mappings().one())


def test_a_message_is_sent_once_even_when_its_job_runs_twice(runtime, inbox):
    first = queue_mail(runtime)
    assert queue_mail(runtime) == first  # the same key queues nothing new
    deliverer = Deliverer(runtime)
    assert deliverer.run(first).endswith("sent (accepted by 127.0.0.1)")
    assert deliverer.run(first) == f"message {first}: nothing due"
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["Subject"] == "Hello 安" and mail["To"] == "ann@example.com"
    assert "Dear 安,\nwelcome." in body_of(mail)
    got = row(runtime, first)
    assert got["status"] == "sent" and got["attempts"] == 1 and got["sent_at"] == T0


def test_two_workers_given_the_same_message_send_it_once(runtime, inbox):
    message_id = queue_mail(runtime)
    results = []
    runs = [threading.Thread(target=lambda: results.append(Deliverer(runtime).run(message_id)))
            for _ in range(4)]
    for t in runs:
        t.start()
    for t in runs:
        t.join()
    assert len(inbox.messages) == 1
    assert sum(r.endswith("nothing due") for r in results) == 3


def test_a_refusal_is_retried_with_backoff_until_the_server_accepts(runtime, inbox):
    inbox.refuse = 2
    message_id = queue_mail(runtime)
    deliverer = Deliverer(runtime)
    assert "retrying at 2026-05-04T09:00:30" in deliverer.run(message_id)
    got = row(runtime, message_id)
    assert got["status"] == "queued" and "451" in got["last_error"]
    assert deliverer.run_due(T0 + timedelta(seconds=29)) == 0  # not due yet
    assert "retrying at 2026-05-04T09:01:30" in deliverer.run(
        message_id, T0 + timedelta(seconds=30))  # 30 s, then 60 s: doubling
    assert deliverer.run_due(T0 + timedelta(seconds=90)) == 1
    got = row(runtime, message_id)
    assert got["status"] == "sent" and got["attempts"] == 3 and got["last_error"] is None
    assert len(inbox.messages) == 1


def test_backoff_is_capped(runtime):
    settings = runtime.notify.settings
    assert [settings.backoff(n).total_seconds() for n in (1, 2, 3, 8, 20)] == [
        30, 60, 120, 3600, 3600]


def test_after_the_last_attempt_the_message_fails_visibly_and_can_be_retried(
        runtime, inbox, admin_api):
    use_smtp(runtime, inbox, max_attempts=3, retry_seconds=1)
    inbox.refuse = 99
    message_id = queue_mail(runtime)
    now = T0
    for _ in range(3):
        Deliverer(runtime).run_due(now)
        now += timedelta(hours=1)
    got = row(runtime, message_id)
    assert got["status"] == "failed" and got["due_at"] is None and got["attempts"] == 3
    assert "451" in got["last_error"] and "after 3 attempts" in got["last_error"]
    listed = admin_api.ok("GET", "/outbox?status=failed")["messages"]
    assert [(m["id"], m["channel"], m["to"], m["subject"], m["status"]) for m in listed] == [
        (message_id, "email", "ann@example.com", "Hello 安", "failed")]
    inbox.refuse = 0
    again = admin_api.ok("POST", f"/outbox/{message_id}/retry")
    assert again["status"] == "queued" and again["attempts"] == 0
    assert Deliverer(runtime).run(message_id, now).endswith("sent (accepted by 127.0.0.1)")
    assert len(inbox.messages) == 1
    assert admin_api.post(f"/outbox/{message_id}/retry").status_code == 409  # sent: no


def test_a_recipient_refused_for_good_is_a_bounce_not_retried(runtime, inbox):
    inbox.bounce.add("gone@example.com")
    message_id = queue_mail(runtime, to="gone@example.com")
    assert Deliverer(runtime).run(message_id).endswith("bounced")
    got = row(runtime, message_id)
    assert got["status"] == "bounced" and "550" in got["last_error"] and got["due_at"] is None


def test_without_smtp_messages_are_held_and_shown_as_would_have_been_sent(
        app, runtime, admin_api):
    use_smtp(runtime, None)
    runtime.clock.set(T0)
    message_id = queue_mail(runtime, subject="Price list", body="See the prices.")
    assert Deliverer(runtime).run_due(T0 + timedelta(days=1)) == 0  # nothing to deliver
    listed = admin_api.ok("GET", "/outbox")["messages"]
    assert [(m["id"], m["status"], m["subject"], m["record"]) for m in listed] == [
        (message_id, "held", "Price list", None)]
    assert admin_api.ok("GET", "/outbox?channel=sms")["messages"] == []
    from tests.integration.helpers import logged_in

    page = logged_in(app).get("/admin/outbox", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "No SMTP server is configured" in html and "would have been sent" in html
    assert "See the prices." in html


def test_a_template_that_fails_at_send_names_its_line(runtime, inbox):
    with runtime.session() as session, session.begin():
        with pytest.raises(TemplateFailed) as failed:
            send(session, channel="email", to="ann@example.com", app_key="crm",
                 subject="Hi", body="Hello\n{{ 1 / zero }}", values={"zero": 0})
    assert failed.value.line == 2 and "division by zero" in str(failed.value)


def test_bad_addresses_are_refused_at_send(runtime, inbox):
    with runtime.session() as session, session.begin():
        with pytest.raises(ValueError, match="not an e-mail address"):
            send(session, channel="email", to="nobody", app_key="crm", subject="x")
        with pytest.raises(ValueError, match="no channel 'fax'"):
            send(session, channel="fax", to="1", app_key="crm", subject="x")


def lead_app(admin_api, factory) -> None:
    factory.app_doc(admin_api)
    factory.form(admin_api, form_doc("lead", [
        field("name"), field("email", "email"), field("phone", "phone"),
        field("owner_user", "user")]))


def test_a_rule_sends_mail_to_an_email_field_through_a_real_worker(
        app, runtime, inbox, admin_api, factory, redis_url):
    from rq import Queue, SimpleWorker
    from rq.serializers import JSONSerializer

    import app.jobs as jobs
    from runtime.jobs.connection import connect

    lead_app(admin_api, factory)
    admin_api.ok("PUT", "/apps/crm/rulesets/welcome", json={
        "kind": "ruleset", "key": "welcome", "label": "Welcome", "form": "lead", "rules": [{
            "key": "hello", "trigger": {"on": "created"},
            "actions": [{"type": "notify", "to": [{"field": "email"}], "channels": ["email"],
                         "title": "Welcome {name}",
                         "body": "Hello {{ name }}!\n{% if phone %}We call {{ phone }}."
                                 "{% endif %}"}]}]})
    admin_api.ok("POST", "/apps/crm/rulesets/welcome/publish")
    lead = admin_api.create("crm", "lead", {"name": "王五", "email": "wang@example.com",
                                            "phone": "13800138000"})
    from runtime.rules.jobs import JobRunner

    runtime.clock.set(T0 + timedelta(minutes=1))
    assert JobRunner(runtime).run_due(runtime.clock.now()) == 1
    with runtime.session(read_only=True) as session:
        (message_id,) = session.scalars(sa.select(OUTBOX.c.id))
    got = row(runtime, message_id)
    assert (got["status"], got["form_key"], got["record_id"], got["source"]) == (
        "queued", "lead", lead["id"], "welcome.hello")
    q = Queue("notify-test", connection=connect(redis_url, runtime.upload_dir),
              serializer=JSONSerializer)
    for _ in range(2):  # the job handed out twice: the message goes once
        q.enqueue(jobs.deliver_message, message_id)
    jobs._app = app
    try:
        SimpleWorker([q], connection=q.connection, serializer=JSONSerializer).work(burst=True)
    finally:
        jobs._app = None
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["Subject"] == "Welcome 王五"
    assert "Hello 王五!\nWe call +8613800138000." in body_of(mail)
    assert row(runtime, message_id)["status"] == "sent"


def test_the_migration_makes_the_tables_the_models_describe(runtime):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from app.models import target_metadata

    with runtime.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [d for d in compare_metadata(context, target_metadata)
                if any(t in repr(d) for t in ("outbox", "notify_unsubscribes",
                                              "message_clicks"))]
    assert diff == []

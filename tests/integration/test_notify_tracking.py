"""Tracked links and unsubscribing, end to end: a click on a link of a delivered e-mail
redirects to the URL that was in it, is kept, and — as the app document asks — becomes an
activity record of the lead that a scoring behaviour rule counts; forged and foreign links are
refused (no open redirect); an unsubscribe link stops later e-mail to that address."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from runtime.notify import send
from runtime.notify.outbox import Deliverer
from tests.integration.helpers import field, form_doc, rows
from tests.integration.notify_support import BASE, body_of, start_smtp, use_smtp

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
KINDS = {"choices": [{"value": v, "label": v}
                     for v in ("page_view", "email_click", "bounce", "unsubscribe")]}
HTML = ('<p>你好 {{ name }}, see <a href="https://example.com/pricing?a=1&amp;b=2">prices</a>'
        ' and <a href=\'https://example.com/case\'>a case</a>.</p>')


@pytest.fixture
def inbox(runtime):
    inbox, controller = start_smtp()
    use_smtp(runtime, inbox)
    runtime.clock.set(T0)
    yield inbox
    controller.stop()


@pytest.fixture
def crm(admin_api, factory):
    factory.app_doc(admin_api)
    factory.form(admin_api, form_doc("lead", [field("name"), field("email", "email"),
                                              field("score", "number")]))
    factory.form(admin_api, form_doc("activity", [
        field("lead", "relation", config={"target_form": "lead"}),
        field("kind", "select", config=KINDS), field("page")]))
    app_doc = admin_api.ok("GET", "/apps/crm")
    body = {k: v for k, v in app_doc.items() if k in ("kind", "key", "label")}
    admin_api.ok("PUT", "/apps/crm", json={**body, "notify": {
        "clicks": {"form": "activity", "link": "lead",
                   "values": {"kind": "email_click", "page": "{url}"}},
        "bounces": {"form": "activity", "link": "lead",
                    "values": {"kind": "bounce", "page": "{address}: {subject}"}},
        "unsubscribes": {"form": "activity", "link": "lead",
                         "values": {"kind": "unsubscribe", "page": "{address}"}}}})
    admin_api.ok("POST", "/apps/crm/publish")
    admin_api.ok("PUT", "/apps/crm/rulesets/scoring", json={
        "kind": "ruleset", "key": "scoring", "label": "Scoring", "form": "lead",
        "scoring": [{"key": "lead_score", "label": "Score", "field": "score",
                     "behaviours": [{"key": "clicked", "label": "E-mail click",
                                     "form": "activity", "when": "{kind} = \"email_click\"",
                                     "points": 5, "cap": 10}]}]})
    admin_api.ok("POST", "/apps/crm/rulesets/scoring/publish")
    return admin_api


def mail_to_lead(runtime, crm, inbox) -> tuple[dict, int]:
    lead = crm.create("crm", "lead", {"name": "李雷", "email": "li@example.com"})
    with runtime.session() as session, session.begin():
        sent = send(session, channel="email", to=lead["email"], app_key="crm",
                    subject="Prices", body="See the prices.", html=HTML,
                    record=("lead", lead["id"]), idempotency_key="nurture-1")
    assert Deliverer(runtime).run(sent.message_id).endswith("sent (accepted by 127.0.0.1)")
    return lead, sent.message_id


def tracked(inbox) -> list[str]:
    html = body_of(inbox.messages[-1], "html")
    return re.findall(r'href=["\'](http://trellis\.test/t/[^"\']+)["\']', html)


def test_a_click_redirects_and_becomes_a_behaviour_scoring_counts(runtime, crm, inbox,
                                                                  client):
    lead, message_id = mail_to_lead(runtime, crm, inbox)
    html = body_of(inbox.messages[0], "html")
    assert "你好 李雷" in html and "https://example.com/pricing" not in html
    links = tracked(inbox)
    assert len(links) == 3  # two links and the unsubscribe link
    pricing, case, unsubscribe = links
    assert "/t/unsubscribe/" in unsubscribe
    answer = client.get(pricing.removeprefix(BASE))
    assert answer.status_code == 302
    assert answer.headers["Location"] == "https://example.com/pricing?a=1&b=2"
    assert client.get(case.removeprefix(BASE)).headers["Location"] == "https://example.com/case"
    client.get(pricing.removeprefix(BASE))
    clicks = rows(runtime, "SELECT message_id, link, url FROM message_clicks ORDER BY id")
    assert [(c["message_id"], c["link"]) for c in clicks] == [
        (message_id, 0), (message_id, 1), (message_id, 0)]
    activities = crm.records("crm", "activity")["records"]
    assert sorted((a["kind"], a["page"], a["lead"]["id"] if isinstance(a["lead"], dict)
                   else a["lead"]) for a in activities) == sorted([
        ("email_click", "https://example.com/pricing?a=1&b=2", lead["id"]),
        ("email_click", "https://example.com/case", lead["id"]),
        ("email_click", "https://example.com/pricing?a=1&b=2", lead["id"])])
    assert crm.ok("GET", f"/apps/crm/forms/lead/records/{lead['id']}")["score"] == 10  # cap


def test_forged_altered_and_foreign_links_are_refused(runtime, crm, inbox, client):
    mail_to_lead(runtime, crm, inbox)
    token = tracked(inbox)[0].rsplit("/", 1)[1]
    assert client.get(f"/t/{token}x").status_code == 404  # altered
    foreign = runtime.notify.tokens.click_url(999, 0)  # a message that does not exist
    assert client.get(foreign.removeprefix(BASE)).status_code == 404
    beyond = runtime.notify.tokens.click_url(1, 7)  # no link 7 in the message
    assert client.get(beyond.removeprefix(BASE)).status_code == 404
    assert client.get("/t/https%3A%2F%2Fevil.example").status_code == 404
    assert rows(runtime, "SELECT COUNT(*) AS n FROM message_clicks") == [{"n": 0}]


def test_unsubscribing_skips_later_mail_to_the_address(runtime, crm, inbox, client,
                                                       admin_api):
    lead, _message = mail_to_lead(runtime, crm, inbox)
    link = tracked(inbox)[-1].removeprefix(BASE)
    page = client.get(link, headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "li@example.com" in page.get_data(as_text=True)
    assert rows(runtime, "SELECT COUNT(*) AS n FROM notify_unsubscribes") == [{"n": 0}]
    done = client.post(link + "?lang=zh")
    assert done.status_code == 200 and "li@example.com" in done.get_data(as_text=True)
    assert client.post(link).status_code == 200  # again: still unsubscribed, once
    assert rows(runtime, "SELECT app_key, channel, address FROM notify_unsubscribes") == [
        {"app_key": "crm", "channel": "email", "address": "li@example.com"}]
    with runtime.session() as session, session.begin():
        later = send(session, channel="email", to="LI@example.com", app_key="crm",
                     subject="Webinar", body="Join us.", record=("lead", lead["id"]))
    assert later.status == "unsubscribed"
    assert Deliverer(runtime).run_due(T0) == 0
    assert len(inbox.messages) == 1
    assert admin_api.ok("GET", "/outbox?status=unsubscribed")["messages"][0]["subject"] == \
        "Webinar"
    assert inbox.messages[0]["List-Unsubscribe"] == f"<{BASE}{link}>"
    assert client.get(link[:-3] + "abc").status_code == 404  # a forged token
    # recorded once on the lead, as the app document asks (a workflow's exit can see it)
    assert rows(runtime, "SELECT lead, kind, page FROM " + _table(runtime, "activity")) == [
        {"lead": lead["id"], "kind": "unsubscribe", "page": "li@example.com"}]


def test_a_bounce_is_recorded_on_the_record_the_message_was_about(runtime, crm, inbox):
    lead = crm.create("crm", "lead", {"name": "韩梅梅", "email": "gone@example.com"})
    inbox.bounce.add("gone@example.com")
    with runtime.session() as session, session.begin():
        sent = send(session, channel="email", to=lead["email"], app_key="crm",
                    subject="Case study", body="Read it.", record=("lead", lead["id"]))
    assert Deliverer(runtime).run(sent.message_id).startswith(f"message {sent.message_id}: "
                                                              "bounced")
    assert rows(runtime, "SELECT lead, kind, page FROM " + _table(runtime, "activity")) == [
        {"lead": lead["id"], "kind": "bounce", "page": "gone@example.com: Case study"}]


def _table(runtime, form: str) -> str:
    return rows(runtime, "SELECT table_name FROM form_tables WHERE form_key = :f",
                f=form)[0]["table_name"]

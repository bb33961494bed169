"""Manual rules run on chosen records (the API's bulk run and the list's "Run rule…"), each
checked as a single run; the bell's count, the dropdown and the page of notifications, marking
them read; the assignment log in words. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from runtime.rules.manual import MAX_RUN
from runtime.rules.models import Notification
from tests.integration.helpers import assert_error
from tests.integration.rules_executor_support import (
    LEAD,
    activity_form,
    lead_form,
    publish_rules,
    scoring_rules,
)
from tests.integration.test_ui_pages import PASSWORD, login, text_of

pytestmark = pytest.mark.integration
BULK = LEAD + "/rules/{}/run"


def rules_with_a_manual_rule() -> dict:
    doc = scoring_rules()
    doc["rules"].append({"key": "bonus", "label": {"zh": "电话确认", "en": "Phone check"},
                         "trigger": {"on": "manual"}, "condition": "{employees} > 100",
                         "actions": [{"type": "add_points", "points": 5},
                                     {"type": "set_fields", "values": {"note": "\"called\""}}]})
    doc["rules"].append({"key": "broken", "trigger": {"on": "manual"},
                         "actions": [{"type": "set_fields",
                                      "values": {"counter": "{employees} * 1000000000000000"}}]})
    return doc


@pytest.fixture
def crm(admin_api, factory):
    factory.app_doc(admin_api)
    factory.form(admin_api, lead_form())
    factory.form(admin_api, activity_form())
    publish_rules(admin_api, rules_with_a_manual_rule())
    return admin_api


def test_a_bulk_run_reports_each_record_and_checks_each_as_a_single_run(crm, factory, app):
    member = factory.api(factory.user("mia@example.com", ["member"], name="Mia"))
    mine = member.create("crm", "lead", {"name": "mine", "employees": 500})
    small = member.create("crm", "lead", {"name": "small", "employees": 5})
    theirs = crm.create("crm", "lead", {"name": "theirs", "employees": 500})
    found = member.ok("POST", BULK.format("bonus"),
                      json={"ids": [mine["id"], small["id"], theirs["id"], 999999]})
    assert (found["rule"], found["matched"], found["changed"], found["failed"]) == (
        "scoring.bonus", 1, 1, 2)
    results = {r["id"]: r for r in found["results"]}
    assert results[mine["id"]] == {"id": mine["id"], "status": "matched", "changed": True,
                                   "failed": False, "error": None}
    assert results[small["id"]]["status"] == "no_match"
    assert results[theirs["id"]]["status"] == "not_found"  # row scope: not even seen
    assert results[999999]["failed"] and results[999999]["error"]
    assert crm.ok("GET", f"{LEAD}/{mine['id']}")["note"] == "called"
    assert crm.ok("GET", f"{LEAD}/{theirs['id']}")["note"] is None
    # the whole request is refused past the bound, or for a rule that does not run here
    too_many = crm.request("POST", BULK.format("bonus"), json={"ids": list(
        range(1, MAX_RUN + 2))})
    assert_error(too_many, 413, "/ids", f"at most {MAX_RUN} records")
    assert crm.request("POST", BULK.format("route_sql"), json={"ids": [1]}).status_code == 404
    assert crm.request("POST", BULK.format("bonus"), json={"ids": []}).status_code == 400
    assert crm.request("POST", BULK.format("bonus"), json={"idz": [1]}).status_code == 422


def test_a_failing_rule_fails_alone_and_says_why(crm):
    one = crm.create("crm", "lead", {"name": "one", "employees": 100000})
    found = crm.ok("POST", BULK.format("broken"), json={"ids": [one["id"]]})
    assert found["failed"] == 1 and found["results"][0]["error"], found
    assert crm.ok("GET", f"{LEAD}/{one['id']}")["counter"] is None


def test_the_list_runs_a_rule_on_chosen_rows_and_says_what_it_did(crm, client):
    one = crm.create("crm", "lead", {"name": "one", "employees": 500})
    two = crm.create("crm", "lead", {"name": "two", "employees": 5})
    login(client)
    page = text_of(client.get("/a/crm/lead"))
    assert 'id="bulk-rule"' in page and 'value="scoring.bonus"' in page
    answer = client.post("/a/crm/lead/_bulk/rule", data={
        "_rule": "scoring.bonus", "_ids": [str(one["id"]), str(two["id"])]},
        headers={"Accept-Language": "en"})
    body = text_of(answer)
    assert answer.status_code == 200 and answer.headers["HX-Trigger"] == \
        "trellis:records-changed"
    assert "ran on 2 records: 1 matched, 1 changed, 0 failed." in body
    too_many = client.post("/a/crm/lead/_bulk/rule", data={
        "_rule": "scoring.bonus", "_ids": [str(i) for i in range(1, MAX_RUN + 2)]})
    assert too_many.status_code == 422 and f"{MAX_RUN}" in text_of(too_many)
    nothing = client.post("/a/crm/lead/_bulk/rule", data={"_rule": "scoring.route_sql",
                                                            "_ids": [str(one["id"])]})
    assert nothing.status_code == 422
    assert crm.ok("GET", f"{LEAD}/{two['id']}")["note"] is None


def notify(runtime, user_id: int, title: dict, record_id: int | None = None) -> None:
    with runtime.session() as session, session.begin():
        session.execute(sa.insert(Notification.__table__).values(
            key=f"test:{title['en']}", user_id=user_id, app_key="crm", form_key="lead",
            record_id=record_id, title=title, priority="normal",
            created_at=runtime.clock.now()))


def test_the_bell_counts_lists_and_marks_read_only_the_readers_notifications(
        crm, client, factory, runtime):
    lead = crm.create("crm", "lead", {"name": "王芳"})
    admin_id = crm.user_id
    other = factory.user("mia@example.com", ["member"], name="Mia")
    for n in range(3):
        notify(runtime, admin_id, {"zh": f"提醒 {n}", "en": f"Alert {n}"}, lead["id"])
    notify(runtime, other, {"zh": "别人的", "en": "Someone else's"})
    login(client)
    page = text_of(client.get("/a/crm/lead"))
    assert 'hx-get="/notifications/_bell"' in page and "提醒" not in page  # fetched later
    assert 'data-unread="3"' in text_of(client.get("/notifications/_bell"))
    menu = text_of(client.get("/notifications/_menu",
                              headers={"HX-Current-URL": "http://x/a/crm/lead?page=2"}))
    assert menu.index("Alert 2") < menu.index("Alert 0") and "Someone" not in menu, menu
    assert 'name="next" value="/a/crm/lead?page=2"' in menu
    with runtime.session() as session:
        first = session.scalar(sa.select(sa.func.min(Notification.id)))
    opened = client.post(f"/notifications/{first}/open")
    assert opened.status_code == 303 and opened.headers["Location"].endswith(
        f"/a/crm/lead/{lead['id']}")
    assert 'data-unread="2"' in text_of(client.get("/notifications/_bell"))
    back = client.post("/notifications/read", data={"next": "//evil.example/"})
    assert back.headers["Location"] == "/notifications"
    assert 'data-unread="0"' in text_of(client.get("/notifications/_bell"))
    page = text_of(client.get("/notifications", headers={"Accept-Language": "en"}))
    assert "提醒 1" in page or "Alert 1" in page
    client.post("/logout")
    client.post("/login", data={"email": "mia@example.com", "password": PASSWORD})
    assert 'data-unread="1"' in text_of(client.get("/notifications/_bell"))


def test_the_assignment_log_reads_as_sentences_with_names(crm, client, factory):
    reps = [factory.user(f"rep{i}@example.com", ["member"], name=f"Rep {i}",
                         teams=["key_accounts"]) for i in range(2)]
    leads = [crm.create("crm", "lead", {"name": f"L{i}", "industry": "金融", "employees": 900,
                                        "decision_maker": True}) for i in range(2)]
    for lead in leads:
        crm.create("crm", "activity", {"lead": lead["id"], "kind": "demo"})
    login(client)
    page = text_of(client.get(f"/a/crm/lead/{leads[1]['id']}",
                              headers={"Accept-Language": "en"}))
    assert "<strong>Rep 1</strong> was chosen from key_accounts by Round-robin." in page
    assert "Why: next in turn after Rep 0." in page and "by the rule Route SQLs" in page
    assert f"after user {reps[0]}" not in page
    assert "Rep 0</span>: not next in turn" in page

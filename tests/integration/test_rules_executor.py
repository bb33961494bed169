"""The rules executor on a real database: the seeds' scoring example end to end through the
API (attributes, behaviours through a related form with a cap, the SQL threshold setting the
stage and routing round-robin), the ledger and its invariant, own writes, chains, clamps."""

from __future__ import annotations

import pytest

from tests.integration.helpers import assert_error, rows
from tests.integration.rules_executor_support import (
    ACTIVITY,
    LEAD,
    activity_form,
    lead_form,
    publish_rules,
    scoring_rules,
)


@pytest.fixture
def crm(admin_api, factory):
    factory.app_doc(admin_api)
    factory.form(admin_api, lead_form())
    factory.form(admin_api, activity_form())
    return admin_api


def team(factory, name: str, count: int) -> list[int]:
    return [factory.user(f"{name}{i}@example.com", ["member"], name=f"{name} {i}",
                         teams=[name]) for i in range(count)]


def ledger(api, lead_id: int) -> list[dict]:
    return api.ok("GET", f"{LEAD}/{lead_id}/ledger")["entries"]


def assert_invariant(runtime) -> None:
    """Every record's score equals the sum of its ledger, over the whole tables."""
    sums = {r["record_id"]: r["total"] for r in rows(
        runtime, "SELECT record_id, SUM(points) AS total FROM score_ledger "
                 "WHERE model = 'lead_score' GROUP BY record_id")}
    table = rows(runtime, "SELECT table_name FROM form_tables WHERE form_key = 'lead'")[0]
    scores = {r["id"]: r["score"] for r in rows(
        runtime, f"SELECT id, score FROM {table['table_name']}")}
    assert {k: v for k, v in scores.items() if v or k in sums} == {
        k: int(v) for k, v in sums.items()}


def activity(api, lead_id: int, kind: str, page: str | None = None) -> dict:
    return api.create("crm", "activity", {"lead": lead_id, "kind": kind, "page": page})


def test_the_seeds_scoring_example_end_to_end(crm, factory, runtime):
    accounts = team(factory, "key_accounts", 2)
    publish_rules(crm, scoring_rules())
    lead = crm.create("crm", "lead", {"name": "王芳", "industry": "金融", "employees": 800,
                                      "decision_maker": True, "source": "行业峰会"})
    assert (lead["score"], lead["stage"]) == (45, "nurture")  # in the create's answer
    for _ in range(3):
        activity(crm, lead["id"], "page_view", "pricing")
    assert crm.ok("GET", f"{LEAD}/{lead['id']}")["score"] == 75  # the third is capped
    activity(crm, lead["id"], "page_view", "jobs")  # no rule for it
    activity(crm, lead["id"], "demo")
    now = crm.ok("GET", f"{LEAD}/{lead['id']}")
    assert (now["score"], now["stage"], now["owner"]) == (125, "sql", accounts[0])
    entries = ledger(crm, lead["id"])
    assert [(e["kind"], e["rule"], e["points"]) for e in entries] == [
        ("attribute", "industry", 10), ("attribute", "size", 15), ("attribute", "dm", 20),
        ("behaviour", "pricing", 15), ("behaviour", "pricing", 15), ("behaviour", "demo", 50)]
    assert entries[0]["reason"] == "Target industry" and entries[0]["model"] == "lead_score"
    assert all(e["event"] for e in entries) and entries[0]["at"]
    log = crm.ok("GET", f"{LEAD}/{lead['id']}/assignments")["assignments"]
    assert [(e["assignee"], e["rule"]) for e in log] == [(accounts[0], "scoring.route_sql")]
    # an attribute that stops holding takes its points back; crossing down moves the stage
    changed = crm.ok("PATCH", f"{LEAD}/{lead['id']}", json={"employees": 100,
                                                              "decision_maker": False})
    assert (changed["score"], changed["stage"]) == (90, "sql")
    second = crm.create("crm", "lead", {"name": "李雷", "industry": "制造",
                                        "employees": 600, "decision_maker": True})
    activity(crm, second["id"], "demo")
    assert crm.ok("GET", f"{LEAD}/{second['id']}")["owner"] == accounts[1]  # round-robin
    assert_invariant(runtime)


def test_thresholds_cross_down_and_clamp_lines_keep_the_sum(crm, factory, runtime):
    team(factory, "key_accounts", 1)
    publish_rules(crm, scoring_rules(max=60))
    lead = crm.create("crm", "lead", {"industry": "金融", "employees": 800,
                                      "decision_maker": True})
    activity(crm, lead["id"], "demo")  # 95 raw, clamped to 60
    now = crm.ok("GET", f"{LEAD}/{lead['id']}")
    assert (now["score"], now["stage"]) == (60, "nurture")
    assert [(e["kind"], e["points"]) for e in ledger(crm, lead["id"])][-2:] == [
        ("behaviour", 50), ("clamp", -35)]
    down = crm.ok("PATCH", f"{LEAD}/{lead['id']}", json={"industry": "教育",
                                                          "employees": 1,
                                                          "decision_maker": False})
    assert down["score"] == 50  # raw 50: the clamp line gives its points back
    assert_invariant(runtime)


def test_a_score_set_by_hand_is_booked_as_a_manual_line(crm, runtime):
    publish_rules(crm, scoring_rules())
    lead = crm.create("crm", "lead", {"industry": "金融", "score": 5})
    assert lead["score"] == 15
    crm.ok("PATCH", f"{LEAD}/{lead['id']}", json={"score": 40})
    assert [(e["kind"], e["points"]) for e in ledger(crm, lead["id"])] == [
        ("manual", 5), ("attribute", 10), ("manual", 25)]
    assert crm.ok("GET", f"{LEAD}/{lead['id']}")["stage"] == "nurture"
    assert_invariant(runtime)


def test_set_fields_and_add_points_with_own_writes_not_refiring(crm, runtime):
    doc = scoring_rules()
    doc["rules"] += [
        {"key": "count", "trigger": {"on": "updated"},
         "actions": [{"type": "set_fields", "values": {"counter": "{counter} + 1"}}]},
        {"key": "bonus", "label": "峰会加分", "trigger": {"on": "created"},
         "condition": "{source} = \"行业峰会\"",
         "actions": [{"type": "add_points", "points": 7, "reason": "峰会来源"}]}]
    publish_rules(crm, doc)
    lead = crm.create("crm", "lead", {"source": "行业峰会", "counter": 0})
    # the bonus's score write is an update: count fires once on it, not on its own write
    assert (lead["score"], lead["counter"]) == (7, 1)
    assert [(e["kind"], e["rule"], e["reason"]) for e in ledger(crm, lead["id"])] == [
        ("rule", "bonus", "峰会来源")]
    updated = crm.ok("PATCH", f"{LEAD}/{lead['id']}", json={"note": "x"})
    assert updated["counter"] == 2


def test_a_runaway_chain_is_stopped_and_becomes_an_incident(crm, runtime):
    doc = scoring_rules()
    doc["rules"] += [
        {"key": "ping", "trigger": {"on": "field_changed", "fields": ["counter"]},
         "actions": [{"type": "set_fields", "values": {"echo": "{counter} + 1"}}]},
        {"key": "pong", "trigger": {"on": "field_changed", "fields": ["echo"]},
         "actions": [{"type": "set_fields", "values": {"counter": "{echo} + 1"}}]}]
    publish_rules(crm, doc)
    lead = crm.create("crm", "lead", {"name": "loop"})
    answer = crm.ok("PATCH", f"{LEAD}/{lead['id']}", json={"counter": 1})
    assert answer["counter"] > 1 and answer["version"] <= 12  # stopped, not hung
    incidents = crm.ok("GET", "/apps/crm/incidents")["incidents"]
    assert [(i["kind"], i["record_id"], i["retryable"]) for i in incidents] == [
        ("rule_chain", lead["id"], False)]
    assert "deeper than 8" in incidents[0]["summary"]


def test_the_ledger_follows_the_readers_row_scope(crm, factory):
    publish_rules(crm, scoring_rules())
    lead = crm.create("crm", "lead", {"industry": "金融"})
    member = factory.api(factory.user("m@example.com", ["member"]))
    assert_error(member.get(f"{LEAD}/{lead['id']}/ledger"), 404)
    assert_error(crm.get(f"{LEAD}/99999/ledger"), 404)
    assert ledger(crm, lead["id"])[0]["points"] == 10
    assert ACTIVITY


# -- asynchronous actions: jobs, retries, incidents --------------------------------------------
def async_rules() -> dict:
    doc = scoring_rules()
    doc["rules"] += [
        {"key": "todo", "trigger": {"on": "created"},
         "actions": [{"type": "create_record", "form": "activity", "link": "lead",
                      "values": {"note": "\"call \" & {name}", "kind": "\"download\""}},
                     {"type": "notify", "to": [{"role": "admin"}],
                      "title": {"zh": "新线索 {name}", "en": "New lead {name}"}}]},
        {"key": "hook", "trigger": {"on": "field_changed", "fields": ["note"]},
         "actions": [{"type": "webhook", "url": "http://127.0.0.1:9/hook", "retries": 1,
                      "body": {"who": "{name}"}}]}]
    return doc


def run_jobs(runtime, minutes: int = 0) -> None:
    from datetime import timedelta

    from runtime.rules.jobs import JobRunner

    JobRunner(runtime).run_due(runtime.clock.now() + timedelta(minutes=minutes))


def test_asynchronous_actions_run_once_after_the_commit(crm, runtime):
    publish_rules(crm, async_rules())
    lead = crm.create("crm", "lead", {"name": "韩梅梅"})
    assert crm.records("crm", "activity")["total"] == 0  # not in the write's transaction
    run_jobs(runtime)
    run_jobs(runtime)  # done jobs are not done again
    todos = crm.records("crm", "activity")["records"]
    assert [(t["lead"], t["note"]) for t in todos] == [(lead["id"], "call 韩梅梅")]
    notes = crm.ok("GET", "/notifications")
    assert notes["unread"] == 1 and notes["notifications"][0]["title"] == "New lead 韩梅梅"
    assert crm.ok("POST", "/notifications/read", json={})["read"] == 1
    assert crm.ok("GET", "/notifications")["unread"] == 0


def test_a_failing_webhook_is_retried_then_an_incident_an_admin_retries(crm, runtime):
    publish_rules(crm, async_rules())
    lead = crm.create("crm", "lead", {"name": "Tom"})
    crm.ok("PATCH", f"{LEAD}/{lead['id']}", json={"note": "hot"})
    run_jobs(runtime)  # loopback refused: retried after the backoff
    assert crm.ok("GET", "/apps/crm/incidents")["incidents"] == []
    run_jobs(runtime, minutes=5)
    incidents = crm.ok("GET", "/apps/crm/incidents")["incidents"]
    assert [(i["kind"], i["status"], i["attempts"], i["retryable"]) for i in incidents] == [
        ("rule_action", "open", 2, True)]
    assert "private or local address" in incidents[0]["error"]
    retried = crm.ok("POST", f"/apps/crm/incidents/{incidents[0]['id']}/retry")
    assert retried["status"] == "retrying"
    run_jobs(runtime)
    run_jobs(runtime, minutes=5)
    assert crm.ok("GET", "/apps/crm/incidents")["incidents"][0]["status"] == "open"
    assert_error(crm.post("/apps/crm/incidents/999/retry"), 404)


def test_webhooks_are_signed_and_reach_an_allowed_private_address(app, crm, runtime):
    import hashlib
    import hmac
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    got = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            got.append((dict(self.headers), self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    runtime.settings["outbound_allow_private"] = True
    runtime.settings["webhook_secrets"] = {"crm_hook": "s3cret"}
    try:
        doc = async_rules()
        hook = doc["rules"][-1]["actions"][0]
        hook.update(url=f"http://127.0.0.1:{server.server_port}/hook", secret="crm_hook")
        publish_rules(crm, doc)
        lead = crm.create("crm", "lead", {"name": "Ann"})
        crm.ok("PATCH", f"{LEAD}/{lead['id']}", json={"note": "hot"})
        run_jobs(runtime)
    finally:
        server.shutdown()
        runtime.settings["outbound_allow_private"] = False
    [(headers, body)] = got
    assert json.loads(body)["data"] == {"who": "Ann"}
    wanted = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Trellis-Signature"] == wanted and headers["X-Trellis-Delivery"]


def test_the_app_sets_how_deep_chains_go(crm, runtime):
    crm.ok("PUT", "/apps/crm", json={"kind": "app", "key": "crm", "label": "CRM",
                                     "rules": {"max_depth": 3}})
    crm.ok("POST", "/apps/crm/publish")
    doc = scoring_rules()
    doc["rules"] += [
        {"key": "ping", "trigger": {"on": "field_changed", "fields": ["counter"]},
         "actions": [{"type": "set_fields", "values": {"echo": "{counter} + 1"}}]},
        {"key": "pong", "trigger": {"on": "field_changed", "fields": ["echo"]},
         "actions": [{"type": "set_fields", "values": {"counter": "{echo} + 1"}}]}]
    publish_rules(crm, doc)
    lead = crm.create("crm", "lead", {"name": "loop"})
    answer = crm.ok("PATCH", f"{LEAD}/{lead['id']}", json={"counter": 1})
    # the write (depth 0) and three levels of rules: echo 2, counter 3, echo 4, counter 5
    assert (answer["counter"], answer["echo"]) == (5, 4)
    assert "deeper than 3" in crm.ok("GET", "/apps/crm/incidents")["incidents"][0]["summary"]


# -- the record page: why this score, manual rules ---------------------------------------------
def test_the_record_page_explains_the_score_and_runs_manual_rules(app, crm, factory):
    from tests.integration.helpers import logged_in

    doc = scoring_rules()
    doc["rules"].append({"key": "bonus", "label": {"zh": "手动加分", "en": "Bonus"},
                         "trigger": {"on": "manual"},
                         "actions": [{"type": "add_points", "points": 5,
                                      "reason": {"zh": "销售判断", "en": "Sales call"}}]})
    publish_rules(crm, doc)
    lead = crm.create("crm", "lead", {"name": "Lily", "industry": "金融"})
    browser = logged_in(app)
    page = browser.get(f"/a/crm/lead/{lead['id']}").get_data(as_text=True)
    assert "Why this score" in page and "Target industry" in page and "+10" in page
    assert f"/a/crm/lead/{lead['id']}/rules/scoring.bonus/run" in page
    ran = browser.post(f"/a/crm/lead/{lead['id']}/rules/scoring.bonus/run")
    assert ran.status_code == 303
    assert crm.ok("GET", f"{LEAD}/{lead['id']}")["score"] == 15
    via_api = crm.ok("POST", f"{LEAD}/{lead['id']}/rules/bonus/run")
    assert (via_api["status"], via_api["record"]["score"]) == ("matched", 20)
    assert [(e["kind"], e["rule"], e["actor"]) for e in ledger(crm, lead["id"])][-1] == (
        "rule", "bonus", crm.user_id)
    assert_error(crm.post(f"{LEAD}/{lead['id']}/rules/route_sql/run"), 404)
    member = factory.api(factory.user("m2@example.com", ["member"]))
    assert_error(member.post(f"{LEAD}/{lead['id']}/rules/bonus/run"), 404)


def test_the_incidents_page_lists_and_retries(app, crm, runtime, factory):
    from tests.integration.helpers import logged_in

    publish_rules(crm, async_rules())
    lead = crm.create("crm", "lead", {"name": "Tom"})
    crm.ok("PATCH", f"{LEAD}/{lead['id']}", json={"note": "hot"})
    run_jobs(runtime)
    run_jobs(runtime, minutes=5)
    [incident] = crm.ok("GET", "/apps/crm/incidents")["incidents"]
    browser = logged_in(app)
    page = browser.get("/admin/incidents").get_data(as_text=True)
    assert f'data-incident="{incident["id"]}"' in page and "scoring.hook" in page
    assert incident["summary"] == "scoring.hook: webhook failed 2 time(s)"  # API: English
    factory.user("zh@example.com", ["admin"], locale="zh")
    zh = logged_in(app, "zh@example.com").get("/admin/incidents").get_data(as_text=True)
    assert "scoring.hook：webhook 已失败 2 次" in zh
    assert browser.post(f"/admin/incidents/{incident['id']}/retry").status_code == 302
    assert crm.ok("GET", "/apps/crm/incidents")["incidents"][0]["status"] == "retrying"


def test_scheduled_rules_run_when_their_time_comes(crm, runtime):
    from datetime import UTC, datetime

    from runtime.rules.schedule import run_scheduled

    doc = scoring_rules()
    doc["rules"].append({"key": "nightly", "trigger": {"on": "schedule", "every": "daily",
                                                      "at": "02:00"},
                         "condition": "{industry} = \"金融\"",
                         "actions": [{"type": "add_points", "points": 1,
                                      "reason": "nightly"}]})
    publish_rules(crm, doc)
    lead = crm.create("crm", "lead", {"industry": "金融"})
    other = crm.create("crm", "lead", {"industry": "教育"})
    # Shanghai time: 01:00 on the 2nd first (the clock starts), then 02:30 the same night
    assert run_scheduled(runtime, datetime(2026, 12, 1, 17, 0, tzinfo=UTC)) == 0
    assert run_scheduled(runtime, datetime(2026, 12, 1, 18, 30, tzinfo=UTC)) == 1
    assert run_scheduled(runtime, datetime(2026, 12, 1, 19, 0, tzinfo=UTC)) == 0
    assert crm.ok("GET", f"{LEAD}/{lead['id']}")["score"] == 11
    assert crm.ok("GET", f"{LEAD}/{other['id']}")["score"] == 0  # no line: the sum of nothing
    assert run_scheduled(runtime, datetime(2026, 12, 2, 18, 1, tzinfo=UTC)) == 1
    assert crm.ok("GET", f"{LEAD}/{lead['id']}")["score"] == 12
    assert_invariant(runtime)


def test_a_new_record_is_written_once_with_its_score_and_stage(crm, runtime):
    doc = scoring_rules()
    doc["rules"].append({"key": "fresh", "trigger": {"on": "created"},
                         "condition": "{score} < 30",
                         "actions": [{"type": "set_fields", "values": {"note": "\"cold\""}}]})
    publish_rules(crm, doc)
    cold = crm.create("crm", "lead", {"name": "冷"})
    # no line yet: the sum of nothing is 0, so conditions on the score hold for new leads
    assert (cold["score"], cold["stage"], cold["note"]) == (0, None, "cold")
    warm = crm.create("crm", "lead", {"industry": "金融", "employees": 800,
                                      "decision_maker": True})
    assert (warm["score"], warm["stage"], warm["version"]) == (45, "nurture", 1)
    [created] = crm.ok("GET", f"{LEAD}/{warm['id']}/history")["entries"]
    assert created["action"] == "create" and {"field": "score", "old": None, "new": 45} in \
        created["changes"] and {"field": "stage", "old": None, "new": "nurture"} in \
        created["changes"]
    [event] = rows(runtime, "SELECT id FROM record_events WHERE record_id = :r AND "
                            "form_key = 'lead'", r=warm["id"])
    assert {e["event"] for e in ledger(crm, warm["id"])} == {event["id"]}
    # a bulk create scores every record before the insert and books their lines together
    answer = crm.ok("POST", f"{LEAD}/bulk", json={"records": [
        {"industry": "金融"}, {"employees": 900, "decision_maker": True}, {"name": "x"}]})
    scores = [r["record"]["score"] for r in answer["results"]]
    assert scores == [10, 35, 0]
    assert [r["record"]["stage"] for r in answer["results"]] == [None, "nurture", None]
    assert [r["record"]["version"] for r in answer["results"]] == [2, 1, 2]  # 'fresh' wrote
    assert_invariant(runtime)

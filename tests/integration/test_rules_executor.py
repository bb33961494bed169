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

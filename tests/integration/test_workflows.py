"""The workflow engine on a real database, driven by ``trellis tick --now``: the seeds' nurture
track (messages on day 1, 5 and 15; out of the track when the score crosses 80 on day 7),
approvals any and all from the to-do list, a parallel join, SLA escalation, a workflow
republished while instances wait, the rules' start/stop action, incidents."""

from __future__ import annotations

import pytest

from tests.integration.helpers import rows
from tests.integration.rules_executor_support import (
    LEAD,
    activity_form,
    lead_form,
    publish_rules,
    scoring_rules,
)
from tests.integration.workflows_support import (
    DAY,
    T0,
    WORKFLOWS,
    edge,
    instances,
    messages,
    node,
    nurture,
    publish,
    tick,
    workflow,
)


@pytest.fixture
def crm(admin_api, factory, runtime):
    runtime.clock.set(T0)
    factory.app_doc(admin_api)
    factory.form(admin_api, lead_form())
    factory.form(admin_api, activity_form())
    publish_rules(admin_api, scoring_rules())
    return admin_api


def warm_lead(api) -> dict:
    return api.create("crm", "lead", {"name": "王芳", "industry": "金融", "employees": 800,
                                      "decision_maker": True})  # 45 points: nurture


def test_the_nurture_track_sends_on_day_1_5_and_15(crm, runtime):
    publish(crm, nurture())
    lead = warm_lead(crm)
    hot = crm.create("crm", "lead", {"name": "李雷", "score": 90})  # an SQL: not enrolled
    tick(runtime, T0 + DAY)
    assert messages(runtime, lead["id"]) == ["Industry insight"]
    assert messages(runtime, hot["id"]) == []
    [one] = instances(crm, "nurture")
    assert (one["record"]["id"], one["status"], one["version"], one["current"]) == (
        lead["id"], "running", 1, ["wait4"])
    tick(runtime, T0 + 4 * DAY)
    assert messages(runtime, lead["id"]) == ["Industry insight"]
    tick(runtime, T0 + 5 * DAY)
    assert messages(runtime, lead["id"]) == ["Industry insight", "Case study"]
    tick(runtime, T0 + 15 * DAY)
    tick(runtime, T0 + 15 * DAY + DAY)
    assert messages(runtime, lead["id"]) == ["Industry insight", "Case study", "Webinar"]
    [done] = instances(crm, "nurture")
    assert (done["status"], done["current"]) == ("completed", [])


def test_the_lead_leaves_the_track_when_its_score_crosses_80_on_day_7(crm, runtime):
    publish(crm, nurture())
    lead = warm_lead(crm)
    tick(runtime, T0 + DAY)
    tick(runtime, T0 + 5 * DAY)
    runtime.clock.set(T0 + 7 * DAY)
    crm.create("crm", "activity", {"lead": lead["id"], "kind": "demo"})  # +50: 95, an SQL
    assert crm.ok("GET", f"{LEAD}/{lead['id']}")["score"] == 95
    tick(runtime, T0 + 7 * DAY + DAY / 24)
    [gone] = instances(crm, "nurture")
    assert (gone["status"], gone["current"]) == ("exited", [])
    tick(runtime, T0 + 16 * DAY)
    assert messages(runtime, lead["id"]) == ["Industry insight", "Case study"]
    detail = crm.ok("GET", f"{WORKFLOWS}/nurture/instances/{gone['id']}")
    assert [(h["node"], h["kind"]) for h in detail["history"] if h["status"] == "done"] == [
        ("start", "enter"), ("day1", "enter"), ("wait4", "enter"), ("wait4", "timer"),
        ("day5", "enter"), ("wait10", "enter")]
    assert rows(runtime, "SELECT status FROM workflow_timers WHERE node = 'wait10'") == [
        {"status": "cancelled"}]


def approval_flow(mode: str) -> dict:
    return workflow(
        "discount",
        [node("start", "trigger", on="manual"),
         node("ok", "approval", assignees=[{"role": "manager"}], mode=mode,
              title={"zh": "审批 {name}", "en": "Approve {name}"}, editable=["note"]),
         node("yes", "update_record", values={"stage": '"sql"'}),
         node("no", "update_record", values={"note": '"rejected"'}),
         node("end", "end"), node("refused", "end", status="rejected")],
        [edge("start", "ok"), edge("ok", "yes", on="approved"),
         edge("ok", "no", on="rejected"), edge("yes", "end"), edge("no", "refused")])


def start(api, key: str, record_id: int) -> dict:
    return api.ok("POST", f"{WORKFLOWS}/{key}/start", 201, json={"record_id": record_id})


def managers(factory, n: int):
    ids = [factory.user(f"m{i}@example.com", ["manager", "member"], name=f"经理{i}")
           for i in range(n)]
    return ids, [factory.api(i) for i in ids]


def test_an_any_one_approval_from_the_to_do_list(crm, factory, runtime):
    publish(crm, approval_flow("any"))
    ids, apis = managers(factory, 2)
    lead = warm_lead(crm)
    started = start(crm, "discount", lead["id"])
    tick(runtime, T0 + DAY / 24)
    [task] = apis[0].ok("GET", "/todo")["tasks"]
    assert (task["title"], task["record"]["id"], task["kind"]) == ("Approve 王芳", lead["id"],
                                                                   "approval")
    assert {"id", "title", "record", "due_at", "priority", "hint"} <= set(task)
    apis[0].ok("POST", f"/tasks/{task['id']}/approve", json={"comment": "好",
                                                              "values": {"note": "ok"}})
    tick(runtime, T0 + DAY / 12)
    assert apis[1].ok("GET", "/todo")["tasks"] == []  # the other's task is moot
    record = crm.ok("GET", f"{LEAD}/{lead['id']}")
    assert (record["stage"], record["note"]) == ("sql", "ok")
    [done] = instances(crm, "discount")
    assert (done["id"], done["status"]) == (started["id"], "completed")


def test_an_all_must_approval_waits_for_every_approver_and_one_no_rejects(
        crm, factory, runtime):
    publish(crm, approval_flow("all"))
    _ids, apis = managers(factory, 2)
    first, second = warm_lead(crm), warm_lead(crm)
    start(crm, "discount", first["id"])
    start(crm, "discount", second["id"])
    tick(runtime, T0 + DAY / 24)
    by_record = {t["record"]["id"]: t["id"] for t in apis[0].ok("GET", "/todo")["tasks"]}
    apis[0].ok("POST", f"/tasks/{by_record[first['id']]}/approve")
    tick(runtime, T0 + DAY / 12)
    assert crm.ok("GET", f"{LEAD}/{first['id']}")["stage"] == "nurture"  # one of two
    theirs = {t["record"]["id"]: t["id"] for t in apis[1].ok("GET", "/todo")["tasks"]}
    apis[1].ok("POST", f"/tasks/{theirs[first['id']]}/approve")
    apis[1].ok("POST", f"/tasks/{theirs[second['id']]}/reject")
    tick(runtime, T0 + DAY / 8)
    assert crm.ok("GET", f"{LEAD}/{first['id']}")["stage"] == "sql"
    assert crm.ok("GET", f"{LEAD}/{second['id']}")["note"] == "rejected"
    assert {i["record"]["id"]: i["status"] for i in instances(crm, "discount")} == {
        first["id"]: "completed", second["id"]: "rejected"}
    assert apis[0].ok("GET", "/todo")["tasks"] == []
    refused = apis[0].request("POST", f"/tasks/{theirs[first['id']]}/approve")
    assert refused.status_code == 403


def test_a_parallel_split_and_join(crm, runtime):
    publish(crm, workflow(
        "in_parallel",
        [node("start", "trigger", on="created"), node("split", "parallel_split"),
         node("a", "wait", duration={"hours": 1}), node("b", "wait", duration={"hours": 5}),
         node("join", "parallel_join"),
         node("after", "update_record", values={"counter": "{counter} + 1"}),
         node("end", "end")],
        [edge("start", "split"), edge("split", "a"), edge("split", "b"), edge("a", "join"),
         edge("b", "join"), edge("join", "after"), edge("after", "end")]))
    lead = crm.create("crm", "lead", {"name": "并行", "counter": 0})
    tick(runtime, T0 + DAY / 24 / 30)
    assert sorted(instances(crm, "in_parallel")[0]["current"]) == ["a", "b"]
    tick(runtime, T0 + DAY / 12)
    assert sorted(instances(crm, "in_parallel")[0]["current"]) == ["b", "join"]
    tick(runtime, T0 + DAY / 4)
    assert crm.ok("GET", f"{LEAD}/{lead['id']}")["counter"] == 1  # once
    assert instances(crm, "in_parallel")[0]["status"] == "completed"


def test_a_task_escalates_to_the_owners_manager_past_its_sla(crm, factory, runtime):
    rep = factory.user("rep@example.com", ["member"], name="销售", teams=["east"])
    boss = factory.user("boss@example.com", ["manager"], name="经理", teams=["east"])
    publish(crm, workflow(
        "follow_up",
        [node("start", "trigger", on="created"),
         node("call", "task", assignees=[{"field": "owner"}], title="回访 {name}",
              due={"hours": 4}, remind_before={"hours": 1}, escalate_after={"hours": 2},
              reassign=True, priority="{score}",
              hint='"客户" & {name} & "已达到高意向分数，请立即电话联系"'),
         node("end", "end")],
        [edge("start", "call"), edge("call", "end")]))
    rep_api = factory.api(rep)
    lead = rep_api.create("crm", "lead", {"name": "客户A", "industry": "金融"})
    tick(runtime, T0 + DAY / 24 / 30)
    [task] = rep_api.ok("GET", "/todo")["tasks"]
    assert task["hint"] == "客户客户A已达到高意向分数，请立即电话联系"
    assert task["priority"] == 10 and task["due_at"].startswith("2026-03-02T05:02")
    tick(runtime, T0 + DAY / 24 * 4)  # an hour before it is due: a reminder
    assert [n["user_id"] for n in _notes(runtime, lead["id"])] == [rep]
    tick(runtime, T0 + DAY / 24 * 7.1)  # two hours past due: to the manager
    assert [t["id"] for t in factory.api(boss).ok("GET", "/todo")["tasks"]] == [task["id"]]
    assert rep_api.ok("GET", "/todo")["tasks"] == []
    assert [n["user_id"] for n in _notes(runtime, lead["id"])] == [rep, boss]
    factory.api(boss).ok("POST", f"/tasks/{task['id']}/complete")
    tick(runtime, T0 + DAY / 3)
    assert instances(crm, "follow_up")[0]["status"] == "completed"


def test_an_escalated_task_is_handed_over_by_a_routing_strategy(crm, factory, runtime):
    rep = factory.user("rep@example.com", ["member"], name="销售", teams=["east"])
    boss = factory.user("boss@example.com", ["manager"], name="经理", teams=["east"])
    seniors = [factory.user(f"s{n}@example.com", ["member"], name=f"资深{n}",
                            teams=["senior"]) for n in range(2)]
    publish(crm, workflow(
        "sla",
        [node("start", "trigger", on="created"),
         node("call", "task", assignees=[{"field": "owner"}], title="回访 {name}",
              due={"hours": 4}, escalate_after={"hours": 1},
              escalate_strategy="round_robin", escalate_team="senior"),
         node("end", "end")],
        [edge("start", "call"), edge("call", "end")]))
    rep_api = factory.api(rep)
    leads = [rep_api.create("crm", "lead", {"name": f"客户{n}"})["id"] for n in range(2)]
    tick(runtime, T0 + DAY / 24 / 30)
    assert len(rep_api.ok("GET", "/todo")["tasks"]) == 2
    tick(runtime, T0 + DAY / 24 * 5.1)  # an hour past due: to the senior team, in turn
    assert rep_api.ok("GET", "/todo")["tasks"] == []
    held = {s: [t["record"]["id"] for t in factory.api(s).ok("GET", "/todo")["tasks"]]
            for s in seniors}
    assert sorted(len(v) for v in held.values()) == [1, 1]  # one each: round robin
    for lead in leads:  # the manager and the new assignee told
        told = {n["user_id"] for n in _notes(runtime, lead)}
        assert boss in told and told & set(seniors)


def test_an_escalation_team_needs_its_strategy(crm):
    doc = workflow("bad", [node("start", "trigger", on="created"),
                           node("call", "task", assignees=[{"field": "owner"}], title="x",
                                due={"hours": 4}, escalate_team="senior"),
                           node("end", "end")],
                   [edge("start", "call"), edge("call", "end")])
    problems = crm.ok("PUT", f"{WORKFLOWS}/bad", 422, json=doc)["errors"]
    assert {p["path"] for p in problems} == {"/nodes/1/config/escalate_strategy"}


def _notes(runtime, record_id: int) -> list[dict]:
    return rows(runtime, "SELECT user_id, priority FROM notifications WHERE record_id = :r "
                         "ORDER BY id", r=record_id)


def test_instances_stay_on_their_version_when_the_workflow_is_republished(crm, runtime):
    publish(crm, nurture())
    first = warm_lead(crm)
    tick(runtime, T0 + DAY)
    changed = nurture()
    changed["nodes"][3]["config"]["title"] = {"zh": "新案例", "en": "New case"}
    assert publish(crm, changed)["version"] == 2
    runtime.clock.set(T0 + 2 * DAY)
    second = warm_lead(crm)
    tick(runtime, T0 + 3 * DAY)
    tick(runtime, T0 + 5 * DAY)
    tick(runtime, T0 + 8 * DAY)
    assert messages(runtime, first["id"]) == ["Industry insight", "Case study"]
    assert messages(runtime, second["id"]) == ["Industry insight", "New case"]
    assert {i["record"]["id"]: i["version"] for i in instances(crm, "nurture")} == {
        first["id"]: 1, second["id"]: 2}


def test_rules_start_and_stop_workflows(crm, runtime):
    publish(crm, workflow(
        "sql_handoff",
        [node("start", "trigger", on="manual"),
         node("w", "wait", duration={"days": 2}),
         node("note", "update_record", values={"note": '"handed off"'}), node("end", "end")],
        [edge("start", "w"), edge("w", "note"), edge("note", "end")]))
    rules = scoring_rules()
    rules["rules"] += [
        {"key": "handoff", "trigger": {"on": "threshold", "model": "lead_score",
                                       "threshold": "sql"},
         "actions": [{"type": "start_workflow", "workflow": "sql_handoff"}]},
        {"key": "cold", "trigger": {"on": "field_changed", "fields": ["source"]},
         "condition": '{source} = "lost"',
         "actions": [{"type": "stop_workflow", "workflow": "sql_handoff"}]}]
    publish_rules(crm, rules)
    lead = warm_lead(crm)
    crm.create("crm", "activity", {"lead": lead["id"], "kind": "demo"})
    other = warm_lead(crm)
    crm.create("crm", "activity", {"lead": other["id"], "kind": "demo"})
    tick(runtime, T0 + DAY / 24)
    assert {i["record"]["id"] for i in instances(crm, "sql_handoff")} == {lead["id"],
                                                                          other["id"]}
    crm.ok("PATCH", f"{LEAD}/{other['id']}", json={"source": "lost"})
    tick(runtime, T0 + 3 * DAY)
    assert crm.ok("GET", f"{LEAD}/{lead['id']}")["note"] == "handed off"
    assert crm.ok("GET", f"{LEAD}/{other['id']}")["note"] is None
    assert {i["record"]["id"]: i["status"] for i in instances(crm, "sql_handoff")} == {
        lead["id"]: "completed", other["id"]: "exited"}


def test_a_failing_step_retries_then_becomes_an_incident_to_skip(crm, runtime):
    publish(crm, workflow(
        "hook",
        [node("start", "trigger", on="created"),
         node("call", "call_webhook", url="http://127.0.0.1:9/hook"),
         node("mark", "update_record", values={"note": '"after"'}), node("end", "end")],
        [edge("start", "call"), edge("call", "mark"), edge("mark", "end")]))
    lead = crm.create("crm", "lead", {"name": "钩子"})
    at = T0 + DAY / 24
    for _ in range(6):  # the first try and its retries, each after its backoff
        tick(runtime, at)
        at += DAY / 24
    [incident] = crm.ok("GET", "/apps/crm/incidents")["incidents"]
    assert (incident["kind"], incident["rule"], incident["status"]) == (
        "workflow_step", "hook.call", "open")
    assert "private or local address" in incident["error"]
    crm.ok("POST", f"/apps/crm/workflow-incidents/{incident['id']}/skip")
    tick(runtime, at)
    assert crm.ok("GET", f"{LEAD}/{lead['id']}")["note"] == "after"
    assert instances(crm, "hook")[0]["status"] == "completed"


def test_trellis_tick_now_runs_the_due_timers(crm, runtime, app):
    publish(crm, nurture())
    lead = warm_lead(crm)
    cli = app.test_cli_runner()
    for day in (1, 5):
        at = (T0 + day * DAY).isoformat().replace("+00:00", "Z")
        result = cli.invoke(args=["tick", "--now", at])
        assert result.exit_code == 0 and "run_workflows" in result.stdout
    assert messages(runtime, lead["id"]) == ["Industry insight", "Case study"]


def test_a_scheduled_workflow_starts_on_every_record_that_meets_its_condition(crm, runtime):
    publish(crm, workflow(
        "weekly_review",
        [node("start", "trigger", on="schedule", every="weekly", weekday=1, at="09:00",
              when="{score} < 80"),
         node("mark", "update_record", values={"note": '"reviewed"'}), node("end", "end")],
        [edge("start", "mark"), edge("mark", "end")]))
    warm, hot = warm_lead(crm), crm.create("crm", "lead", {"name": "热", "score": 95})
    tick(runtime, T0 + DAY)  # the first sight starts the clock
    tick(runtime, T0 + 7 * DAY)  # Monday 09:00 Shanghai is 01:00 UTC: due
    assert crm.ok("GET", f"{LEAD}/{warm['id']}")["note"] == "reviewed"
    assert crm.ok("GET", f"{LEAD}/{hot['id']}")["note"] is None
    tick(runtime, T0 + 7 * DAY + DAY / 24)
    assert len(instances(crm, "weekly_review")) == 1

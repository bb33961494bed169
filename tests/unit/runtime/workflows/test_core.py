"""The pure core on whole instances in memory: the nurture track with its exit, approvals any
and all, a parallel split and join, a condition's first true edge and default, waits with a
timeout, a task's reminder and escalation, a sub-workflow."""

from __future__ import annotations

from datetime import timedelta

from runtime.workflows.core import Machine, transition
from runtime.workflows.nodes.base import Signal
from tests.unit.runtime.workflows.support import T0, compiled, edge, node, nurture, workflow

DAY = timedelta(days=1)


def sent(machine: Machine) -> list[str]:
    return [e.details["title"] for _n, e in machine.effects if e.type == "send_message"]


def test_the_nurture_track_sends_on_day_1_5_and_15():
    m = Machine(compiled(nurture()), {"id": 1, "score": 40, "rep": 7}).start(T0)
    assert sent(m) == ["行业洞察文章"] and m.status == "running"
    m.advance(T0 + 3 * DAY)
    assert len(sent(m)) == 1  # day 4 of a 4-day wait: not yet
    m.advance(T0 + 4 * DAY)
    assert sent(m)[-1] == "客户成功案例"
    m.advance(T0 + 14 * DAY)
    assert sent(m)[-1] == "线上研讨会邀请" and m.status == "completed"
    assert m.path == ["start", "day1", "wait4", "day5", "wait10", "day15", "end"]


def test_the_track_exits_when_the_score_crosses_80():
    m = Machine(compiled(nurture()), {"id": 1, "score": 40, "rep": 7}).start(T0)
    m.advance(T0 + 4 * DAY)
    m.change({"score": 85}, T0 + 6 * DAY)
    m.advance(T0 + 30 * DAY)
    assert m.status == "exited" and len(sent(m)) == 2 and not m.timers


def approval(mode: str) -> dict:
    return workflow(
        [node("start", "trigger", on="manual"),
         node("ok", "approval", assignees=[{"role": "manager"}], mode=mode),
         node("yes", "update_record", values={"stage": '"sql"'}),
         node("no", "end", status="rejected"), node("end", "end")],
        [edge("start", "ok"), edge("ok", "yes", on="approved"),
         edge("ok", "no", on="rejected"), edge("yes", "end")])


def test_an_any_one_approval_goes_on_at_the_first_decision():
    m = Machine(compiled(approval("any")), {"id": 1}).start(T0)
    assert [e.type for _n, e in m.effects] == ["create_tasks"]
    assert m.effects[0][1].details["mode"] == "any"
    m.signal("ok", Signal("task", {"outcome": "approved", "open": 2}), T0)
    assert m.path[-1] == "end" and m.effects[-1][1].details == {"values": {"stage": "sql"}}


def test_an_all_must_approval_waits_for_everyone_and_one_rejection_rejects():
    m = Machine(compiled(approval("all")), {"id": 1}).start(T0)
    m.signal("ok", Signal("task", {"outcome": "approved", "open": 1}), T0)
    assert m.path[-1] == "ok" and m.status == "running"
    m.signal("ok", Signal("task", {"outcome": "approved", "open": 0}), T0)
    assert m.path[-2:] == ["yes", "end"]
    r = Machine(compiled(approval("all")), {"id": 1}).start(T0)
    r.signal("ok", Signal("task", {"outcome": "rejected", "open": 1}), T0)
    assert r.path[-1] == "no" and r.status == "completed"


def test_a_parallel_split_runs_both_branches_and_the_join_goes_on_once():
    doc = workflow(
        [node("start", "trigger", on="created"), node("split", "parallel_split"),
         node("a", "wait", duration={"hours": 1}), node("b", "wait", duration={"hours": 5}),
         node("join", "parallel_join"), node("after", "update_record",
                                             values={"note": '"joined"'}),
         node("end", "end")],
        [edge("start", "split"), edge("split", "a"), edge("split", "b"), edge("a", "join"),
         edge("b", "join"), edge("join", "after"), edge("after", "end")])
    m = Machine(compiled(doc), {"id": 1}).start(T0)
    m.advance(T0 + timedelta(hours=2))
    assert "after" not in m.path and m.path.count("join") == 1
    m.advance(T0 + timedelta(hours=5))
    assert m.path.count("after") == 1 and m.status == "completed"


def test_a_condition_takes_its_first_true_edge_else_the_default():
    doc = workflow(
        [node("start", "trigger", on="created"), node("which", "condition"),
         node("hot", "end"), node("warm", "end"), node("cold", "end")],
        [edge("start", "which"), edge("which", "hot", when="{score} >= 80"),
         edge("which", "warm", when="{score} >= 30"), edge("which", "cold", default=True)])
    graph = compiled(doc)
    for score, where in ((90, "hot"), (50, "warm"), (5, "cold")):
        assert Machine(graph, {"id": 1, "score": score}).start(T0).path[-1] == where


def test_a_wait_until_a_formula_resumes_on_a_change_or_times_out():
    doc = workflow(
        [node("start", "trigger", on="created"),
         node("w", "wait", until='{stage} = "sql"', timeout={"days": 2}),
         node("won", "end"), node("late", "end")],
        [edge("start", "w"), edge("w", "won", on="done"), edge("w", "late", on="timeout")])
    graph = compiled(doc)
    m = Machine(graph, {"id": 1, "stage": "new"}).start(T0)
    m.change({"stage": "sql"}, T0 + DAY)
    assert m.path[-1] == "won"
    t = Machine(graph, {"id": 1, "stage": "new"}).start(T0).advance(T0 + 2 * DAY)
    assert t.path[-1] == "late"


def test_a_wait_in_working_days_skips_the_weekend():
    doc = workflow([node("start", "trigger", on="created"),
                    node("w", "wait", duration={"days": 5, "working": True}), node("e", "end")],
                   [edge("start", "w"), edge("w", "e")])
    m = Machine(compiled(doc), {"id": 1}).start(T0 + 3 * DAY)  # Thursday 09:00
    assert m.timers[0][0] == T0 + 10 * DAY  # Thursday a week later


def test_a_wait_until_a_date_field_with_an_offset():
    doc = workflow([node("start", "trigger", on="created"),
                    node("w", "wait", until_field="follow_up", offset={"hours": 9}),
                    node("e", "end"), node("none", "end")],
                   [edge("start", "w"), edge("w", "e", on="done"),
                    edge("w", "none", on="timeout")])
    graph = compiled(doc)
    m = Machine(graph, {"id": 1, "follow_up": "2026-03-04"}).start(T0)
    assert m.timers[0][0] == T0 + 2 * DAY
    assert Machine(graph, {"id": 1}).start(T0).path[-1] == "none"


def test_a_task_reminds_before_its_due_time_and_escalates_after():
    doc = workflow(
        [node("start", "trigger", on="created"),
         node("call", "task", assignees=[{"field": "rep"}], title="回访 {name}",
              due={"hours": 4}, remind_before={"hours": 1}, escalate_after={"hours": 2},
              reassign=True, priority="{score}", hint='"请立即电话联系"'),
         node("e", "end")],
        [edge("start", "call"), edge("call", "e")])
    m = Machine(compiled(doc), {"id": 1, "name": "客户A", "rep": 3, "score": 85}).start(T0)
    opened = m.effects[0][1].details
    assert opened["title"] == "回访 客户A" and opened["priority"] == 85.0
    assert opened["hint"] == "请立即电话联系"
    assert sorted(t[0] for t in m.timers) == [T0 + timedelta(hours=3),
                                              T0 + timedelta(hours=6)]
    m.advance(T0 + timedelta(hours=6))
    assert [e.type for _n, e in m.effects] == ["create_tasks", "remind_tasks", "escalate"]
    assert m.effects[-1][1].details == {"to": [{"manager": True}], "reassign": True}
    m.signal("call", Signal("task", {"outcome": "done"}), T0 + timedelta(hours=7))
    assert m.status == "completed"


def test_a_task_escalates_to_whom_a_routing_strategy_picks():
    doc = workflow(
        [node("start", "trigger", on="created"),
         node("call", "task", assignees=[{"field": "rep"}], title="回访", due={"hours": 4},
              escalate_to=[{"role": "manager"}], escalate_strategy="least_loaded",
              escalate_team="senior"),
         node("e", "end")],
        [edge("start", "call"), edge("call", "e")])
    m = Machine(compiled(doc), {"id": 1, "rep": 3}).start(T0)
    m.advance(T0 + timedelta(hours=4))
    assert m.effects[-1][1].details == {
        "to": [{"role": "manager"}], "reassign": False,
        "route": {"strategy": "least_loaded", "team": "senior"}}


def test_a_sub_workflow_waits_for_its_child():
    doc = workflow([node("start", "trigger", on="created"),
                    node("sub", "sub_workflow", workflow="other"), node("e", "end")],
                   [edge("start", "sub"), edge("sub", "e")])
    m = Machine(compiled(doc), {"id": 1}).start(T0)
    assert m.effects[0][1].type == "start_workflow" and m.status == "running"
    m.signal("sub", Signal("child", {"status": "completed"}), T0)
    assert m.status == "completed"


def test_create_record_links_back_and_transition_is_pure():
    doc = workflow([node("start", "trigger", on="created"),
                    node("mk", "create_record", form="todo", link="lead",
                         values={"title": '"call " & {name}'}), node("e", "end")],
                   [edge("start", "mk"), edge("mk", "e")])
    graph = compiled(doc)
    record = {"id": 9, "name": "王芳"}
    first = transition(graph, "mk", record, T0)
    assert first == transition(graph, "mk", record, T0)  # same in, same out
    assert first.outcome.effects[0].details == {"form": "todo",
                                                "values": {"title": "call 王芳", "lead": 9}}
    assert first.targets == ("e",)

"""A lead form and workflows over it, compiled by the real checks (no database)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from metadata.checks import CheckContext
from runtime.fields.registry import build_field_registry
from runtime.formula.registry import build_function_registry
from runtime.workflows.check import WorkflowCheck, compile_workflow
from runtime.workflows.nodes import build_node_registry

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
FIELDS = build_field_registry()
NODES = build_node_registry()
CHECK = WorkflowCheck(build_function_registry(), NODES)
STAGES = {"choices": [{"value": v, "label": v} for v in ("new", "nurture", "sql")]}
LEAD = {"kind": "form", "key": "lead", "label": "Lead", "fields": [
    {"key": "name", "type": "text", "label": "Name"},
    {"key": "score", "type": "number", "label": "Score"},
    {"key": "stage", "type": "select", "label": "Stage", "config": STAGES},
    {"key": "rep", "type": "user", "label": "Rep"},
    {"key": "follow_up", "type": "date", "label": "Follow up"},
    {"key": "note", "type": "text", "label": "Note"}]}
TASK = {"kind": "form", "key": "todo", "label": "To do", "fields": [
    {"key": "title", "type": "text", "label": "Title"},
    {"key": "lead", "type": "relation", "label": "Lead", "config": {"target_form": "lead"}}]}


def context() -> CheckContext:
    return CheckContext("crm", {"lead": LEAD, "todo": TASK}, FIELDS)


def node(key: str, type_: str, **config) -> dict:
    out = {"key": key, "type": type_}
    if config:
        out["config"] = config
    return out


def edge(source: str, target: str, **extra) -> dict:
    return {"from": source, "to": target, **extra}


def workflow(nodes: list, edges: list, **extra) -> dict:
    return copy.deepcopy({"kind": "workflow", "key": "flow", "form": "lead", "label": "Flow",
                          "nodes": nodes, "edges": edges, **extra})


def compiled(doc: dict, version: int = 1):
    return compile_workflow(doc, version, CHECK, context(), lambda: T0, UTC)


def problems(doc: dict) -> list[tuple[str, str]]:
    found, _checked = CHECK.checked(doc, context())
    return [(p.path, p.message) for p in found]


def nurture() -> dict:
    """Day 1 an article, day 5 a case study, day 15 a webinar; out when the score hits 80."""
    send = {"to": [{"field": "rep"}], "channel": "email"}
    return workflow(
        [node("start", "trigger", on="created", when="{score} < 80"),
         node("day1", "send_message", title="行业洞察文章", **send),
         node("wait4", "wait", duration={"days": 4}),
         node("day5", "send_message", title="客户成功案例", **send),
         node("wait10", "wait", duration={"days": 10}),
         node("day15", "send_message", title="线上研讨会邀请", **send),
         node("end", "end")],
        [edge("start", "day1"), edge("day1", "wait4"), edge("wait4", "day5"),
         edge("day5", "wait10"), edge("wait10", "day15"), edge("day15", "end")],
        exit=[{"when": "{score} >= 80"}])

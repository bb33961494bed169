"""Nodes that wait on people: an approval (any one or all of its assignees approve, reject
or return it for changes) and a task (done by one of its assignees; a reminder before it is
due, an escalation after)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metadata.errors import Problem
from metadata.messages import msg, quoted
from runtime.rules.actions import fill
from runtime.workflows.nodes.base import (
    FORMULA,
    KEY,
    LABEL,
    TEXT,
    Effect,
    NodeContext,
    NodeType,
    Outcome,
    Site,
    Timer,
    obj,
)
from runtime.workflows.timing import DURATION, add, negate

RECIPIENT = {"type": "object", "minProperties": 1, "maxProperties": 1,
             "additionalProperties": False,
             "properties": {"user": {"type": "integer", "minimum": 1},
                            "role": KEY, "team": {"type": "string", "minLength": 1,
                                                  "maxLength": 100},
                            "field": KEY, "manager": {"const": True},
                            "formula": FORMULA},
             "description": "a user (id), a role, a team, the user in a `field` of the "
                            "record, the owner's `manager`, or a `formula` giving user ids"}
RECIPIENTS = {"type": "array", "items": RECIPIENT, "minItems": 1, "maxItems": 20}
APPROVED, REJECTED, RETURNED, DONE = "approved", "rejected", "returned", "done"
COMMON = {"assignees": RECIPIENTS, "title": LABEL, "description": TEXT, "due": DURATION,
          "priority": FORMULA, "hint": FORMULA}


def recipient_problems(recipients: Any, at: str, ctx) -> list[Problem]:
    return [Problem(f"{at}/{i}/field", msg("%(key)s is not a user field of this form",
                                           key=quoted(who["field"])))
            for i, who in enumerate(recipients or []) if "field" in who
            and not ctx.user_field(who["field"])]


def recipient_sites(config: Mapping, name: str = "assignees"):
    for i, who in enumerate(config.get(name) or []):
        if "formula" in who:
            yield Site(f"{name}/{i}/formula", who["formula"], any_type=True)


def task_details(ctx: NodeContext, kind: str) -> dict[str, Any]:
    """What the runner needs to open the node's human tasks."""
    config = ctx.config
    due = add(ctx.now, config["due"], ctx.calendar) if "due" in config else None
    return {"kind": kind, "assignees": list(config.get("assignees") or []),
            "resolved": {str(i): ctx.value(f"assignees/{i}/formula")
                         for i, who in enumerate(config.get("assignees") or [])
                         if "formula" in who},
            "title": fill(config.get("title") or ctx.node.get("label") or ctx.key,
                          ctx.record),
            "description": fill(config.get("description"), ctx.record),
            "due_at": due.isoformat() if due else None,
            "priority": _number(ctx.value("priority")) if "priority" in config else 0,
            "hint": _text(ctx.value("hint")) if "hint" in config else None,
            "editable": list(config.get("editable") or [])}


def _number(value: Any) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)[:500]


class HumanNode(NodeType):
    waits = True

    def check(self, node, at, ctx):
        config = node.get("config") or {}
        problems = recipient_problems(config.get("assignees"), at + "/config/assignees", ctx)
        for i, key in enumerate(config.get("editable") or []):
            if ctx.field(key) is None:
                problems.append(Problem(f"{at}/config/editable/{i}", msg(
                    "%(key)s is not a field of this form", key=quoted(key))))
        if config.get("escalate_team") and not config.get("escalate_strategy"):
            problems.append(Problem(at + "/config/escalate_strategy", msg(
                "choose the routing strategy that picks in the escalation team")))
        return problems + recipient_problems(config.get("escalate_to"),
                                             at + "/config/escalate_to", ctx)

    def formulas(self, node):
        config = node.get("config") or {}
        yield from recipient_sites(config)
        yield from recipient_sites(config, "escalate_to")
        for name in ("priority", "hint"):
            if config.get(name):
                yield Site(name, config[name], any_type=True)


class ApprovalNode(HumanNode):
    type = "approval"
    description = "ask people to approve, reject or return the record for changes"
    outcomes = (APPROVED, REJECTED, RETURNED)
    config_schema = obj({**COMMON, "mode": {"enum": ["any", "all"]},
                         "editable": {"type": "array", "items": KEY, "maxItems": 100,
                                      "uniqueItems": True}},
                        ["assignees"], "`mode`: any (the first decision counts, the "
                                       "default) or all (every assignee must approve; one "
                                       "rejection rejects); `editable`: fields the approver "
                                       "may change with the decision.")

    def required_outcomes(self, node):
        return (APPROVED, REJECTED)

    def enter(self, ctx):
        details = task_details(ctx, "approval")
        details["mode"] = ctx.config.get("mode", "any")
        return Outcome.wait(effects=[Effect("create_tasks", details)])

    def resume(self, ctx, signal):
        if signal.kind != "task":
            return Outcome.wait(ctx.state)
        outcome = signal.data.get("outcome")
        if outcome in (REJECTED, RETURNED):
            return Outcome(follow=(outcome,))
        if ctx.config.get("mode", "any") == "any" or not signal.data.get("open"):
            return Outcome(follow=(APPROVED,))
        return Outcome.wait(ctx.state)


def escalation(config: Mapping[str, Any]) -> dict[str, Any]:
    """Whom a task escalates to: people told (the owner's manager by default), and whether
    the task is handed over — to the first of them, or to whom a routing strategy picks."""
    out = {"to": list(config.get("escalate_to") or [{"manager": True}]),
           "reassign": bool(config.get("reassign"))}
    if config.get("escalate_strategy"):
        out["route"] = {"strategy": config["escalate_strategy"],
                        **({"team": config["escalate_team"]}
                           if config.get("escalate_team") else {})}
    return out


class TaskNode(HumanNode):
    type = "task"
    description = "a task for a person, with a due time, a reminder and an escalation"
    outcomes = (DONE,)
    config_schema = obj({**COMMON, "remind_before": DURATION, "escalate_after": DURATION,
                         "escalate_to": RECIPIENTS,
                         "reassign": {"type": "boolean",
                                      "description": "hand the task to whom it escalates "
                                                     "to"},
                         "escalate_strategy": {"type": "string",
                                               "pattern": "^[a-z][a-z0-9_]{0,62}$"},
                         "escalate_team": {"type": "string", "minLength": 1,
                                           "maxLength": 100},
                         "editable": {"type": "array", "items": KEY, "maxItems": 100,
                                      "uniqueItems": True}},
                        ["assignees"], "`due` after it opens; `remind_before` the due time "
                                       "the assignees are reminded; `escalate_after` the "
                                       "due time it escalates to `escalate_to` (the "
                                       "owner's manager when left out), `reassign`ed or "
                                       "not; with `escalate_strategy` (a routing strategy) "
                                       "among `escalate_team`, handed to whom it picks.")

    def enter(self, ctx):
        details = task_details(ctx, "task")
        config, timers = ctx.config, []
        if details["due_at"] is not None:
            due = add(ctx.now, config["due"], ctx.calendar)
            if "remind_before" in config:
                timers.append(Timer("remind", add(due, negate(config["remind_before"]),
                                                  ctx.calendar)))
            timers.append(Timer("escalate", add(due, config.get("escalate_after") or {},
                                                ctx.calendar)))
        return Outcome.wait(effects=[Effect("create_tasks", details)], timers=timers)

    def resume(self, ctx, signal):
        if signal.kind == "task" and signal.data.get("outcome") in (DONE, APPROVED):
            return Outcome(follow=(DONE,))
        if signal.kind == "timer" and signal.data.get("timer") == "remind":
            return Outcome.wait(ctx.state, effects=[Effect("remind_tasks", {})])
        if signal.kind == "timer" and signal.data.get("timer") == "escalate":
            return Outcome.wait({**ctx.state, "escalated": True},
                                effects=[Effect("escalate", escalation(ctx.config))])
        return Outcome.wait(ctx.state)

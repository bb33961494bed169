"""The nodes that shape the flow: the trigger, the exclusive condition, the parallel split and
join, the end."""

from __future__ import annotations

from metadata.errors import Problem
from metadata.messages import msg, quoted
from runtime.workflows.nodes.base import (
    FORMULA,
    KEY,
    NodeType,
    Outcome,
    Site,
    obj,
)

TRIGGERS = ("created", "updated", "field_changed", "threshold", "manual", "schedule",
            "webhook")


class TriggerNode(NodeType):
    type = "trigger"
    description = "what starts the workflow on a record"
    trigger = True
    config_schema = obj({
        "on": {"enum": list(TRIGGERS)},
        "fields": {"type": "array", "items": KEY, "minItems": 1, "maxItems": 50,
                   "uniqueItems": True, "description": "field_changed: any of these fields"},
        "model": KEY, "threshold": KEY,
        "when": FORMULA,
        "every": {"enum": ["hourly", "daily", "weekly"]},
        "cron": {"type": "string", "minLength": 1, "maxLength": 100},
        "at": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
        "weekday": {"type": "integer", "minimum": 1, "maximum": 7,
                    "description": "schedule weekly: 1 = Monday"}},
        ["on"], "`on`: created, updated, field_changed (`fields`), threshold (a scoring "
                "`model` and `threshold` crossed up), manual (a button or the API), schedule,"
                " webhook (an inbound webhook creates or updates the record); `when`: a "
                "TRUE/FALSE formula the record must meet.")

    def check(self, node, at, ctx):
        config = node.get("config") or {}
        problems = []
        for i, key in enumerate(config.get("fields") or []):
            if ctx.field(key) is None and key not in ("owner",):
                problems.append(Problem(f"{at}/config/fields/{i}", msg(
                    "%(key)s is not a field of this form", key=quoted(key))))
        if config.get("on") == "field_changed" and not config.get("fields"):
            problems.append(Problem(f"{at}/config/fields", msg(
                "name the fields whose change starts the workflow")))
        if config.get("on") == "threshold" and not (config.get("model")
                                                    and config.get("threshold")):
            problems.append(Problem(f"{at}/config", msg(
                "a threshold trigger names a scoring model and its threshold")))
        return problems

    def formulas(self, node):
        config = node.get("config") or {}
        if config.get("when"):
            yield Site("when", config["when"])


class ConditionNode(NodeType):
    type = "condition"
    description = "take the first edge whose condition holds, else the default edge"
    exclusive = True


class ParallelSplitNode(NodeType):
    type = "parallel_split"
    description = "go on along every edge (whose condition holds) at once"
    splits = True


class ParallelJoinNode(NodeType):
    type = "parallel_join"
    description = "wait until a token arrived on every incoming edge, then go on once"
    joins = True
    waits = False

    def enter(self, ctx):
        if ctx.arrived >= ctx.expected:
            return Outcome()
        return Outcome.wait({"arrived": ctx.arrived})


class EndNode(NodeType):
    type = "end"
    description = "the path ends here (the instance ends when every path has)"
    ends = True
    outcomes = ()
    config_schema = obj({"status": {"enum": ["completed", "rejected", "cancelled"],
                                    "description": "how the instance ends (completed)"}})

    def enter(self, ctx):
        return Outcome(follow=None, end=True,
                       state={"status": ctx.config.get("status", "completed")})

"""The wait node: a duration (calendar or working time), until a date field of the record,
or until a formula over the record holds — with an optional timeout edge."""

from __future__ import annotations

from metadata.errors import Problem
from metadata.messages import msg, quoted
from runtime.workflows.nodes.base import FORMULA, KEY, NodeType, Outcome, Site, Timer, obj
from runtime.workflows.timing import DURATION, add, as_moment

DONE, TIMEOUT = "done", "timeout"


class WaitNode(NodeType):
    type = "wait"
    description = "wait for a duration, until a date field, or until a formula holds"
    waits = True
    outcomes = (DONE, TIMEOUT)
    config_schema = obj({
        "duration": DURATION,
        "until_field": KEY,
        "offset": DURATION,
        "until": FORMULA,
        "timeout": DURATION},
        description="One of: `duration`; `until_field` (a date or date-time field, plus "
                    "`offset`); `until` (a TRUE/FALSE formula re-checked on every change of "
                    "the record), with `timeout` taking the `timeout` edge.")

    def check(self, node, at, ctx):
        config = node.get("config") or {}
        given = [k for k in ("duration", "until_field", "until") if k in config]
        if len(given) != 1:
            return [Problem(at + "/config", msg(
                "a wait has one of duration, until_field or until"))]
        key = config.get("until_field")
        if key is not None and not ctx.date_field(key):
            return [Problem(at + "/config/until_field", msg(
                "%(key)s is not a date field of this form", key=quoted(key)))]
        if "timeout" in config and "until" not in config:
            return [Problem(at + "/config/timeout", msg(
                "only a wait until a formula holds has a timeout"))]
        return []

    def listens(self, node):
        return "until" in (node.get("config") or {})

    def required_outcomes(self, node):
        config = node.get("config") or {}
        return (DONE, TIMEOUT) if "timeout" in config or "until_field" in config else (DONE,)

    def formulas(self, node):
        config = node.get("config") or {}
        if config.get("until"):
            yield Site("until", config["until"])

    def enter(self, ctx):
        config = ctx.config
        if "duration" in config:
            return Outcome.wait(timers=[Timer(DONE, add(ctx.now, config["duration"],
                                                        ctx.calendar))])
        if "until_field" in config:
            moment = as_moment(ctx.record.get(config["until_field"]), ctx.calendar.tz)
            if moment is None:
                return Outcome(follow=(TIMEOUT,))  # no date: nothing to wait for
            due = add(moment, config.get("offset") or {}, ctx.calendar)
            if due <= ctx.now:
                return Outcome(follow=(DONE,))
            return Outcome.wait(timers=[Timer(DONE, due)])
        if ctx.value("until"):
            return Outcome(follow=(DONE,))
        timers = [Timer(TIMEOUT, add(ctx.now, config["timeout"], ctx.calendar))] \
            if "timeout" in config else []
        return Outcome.wait(timers=timers)

    def resume(self, ctx, signal):
        if signal.kind == "timer":
            return Outcome(follow=(signal.data.get("timer", DONE),))
        if signal.kind == "record" and "until" in ctx.config and ctx.value("until"):
            return Outcome(follow=(DONE,))
        return Outcome.wait(ctx.state)

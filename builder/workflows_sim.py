"""The designer's simulation: the workflow draft run on a record (a stored one, sample values,
or both) by the runtime's in-memory ``Machine`` with a virtual clock — nothing is written,
nobody is told. Timers fire as soon as nothing else can happen (the clock jumps to the next
one), human tasks are decided as the designer says per node (approved / done by default), a
sub-workflow ends at once, and a wait for the record to change stops the run there. Each step
says what the node would do, in words."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from metadata.labels import label_text
from runtime.web.messages import ui_lang
from runtime.workflows.check import compile_workflow
from runtime.workflows.core import Machine
from runtime.workflows.nodes.base import Effect, Signal
from runtime.workflows.timing import Calendar

MAX_EVENTS = 200  # timers fired and tasks decided in one simulation at most
HUMAN = {"approval": "approved", "task": "done"}


def _words() -> dict[str, Callable[[Mapping[str, Any]], str]]:
    return {
        "update_record": lambda d: _("sets %(values)s", values=_pairs(d.get("values"))),
        "create_record": lambda d: _("creates a %(form)s record with %(values)s",
                                     form=d.get("form"), values=_pairs(d.get("values"))),
        "assign": lambda d: _("assigns the record by %(strategy)s",
                              strategy=d.get("strategy")),
        "send_message": lambda d: _("sends “%(title)s” (%(channel)s) to %(count)s "
                                    "recipient(s)", title=_text(d.get("title")),
                                    channel=_channel(d.get("channel")),
                                    count=len(d.get("to") or [])),
        "call_webhook": lambda d: _("calls %(method)s %(url)s", method=d.get("method"),
                                    url=d.get("url")),
        "create_tasks": lambda d: _("opens “%(title)s” for %(count)s assignee(s), due "
                                    "%(due)s", title=_text(d.get("title")),
                                    count=len(d.get("assignees") or []),
                                    due=d.get("due_at") or _("no due time")),
        "start_workflow": lambda d: _("starts the workflow %(key)s", key=d.get("workflow")),
        "escalate": lambda d: _("escalates the task"),
        "remind_tasks": lambda d: _("reminds the assignees"),
    }


def describe(effect: Effect) -> str:
    """What an effect would do, in the reader's words."""
    words = _words()
    if effect.type not in words:
        return effect.type
    return words[effect.type](effect.details)


def _text(value: Any) -> str:
    """A title as the reader reads it (a label in two languages: theirs)."""
    return label_text(value, ui_lang()) if isinstance(value, Mapping) else str(value or "")


def _channel(key: Any) -> str:
    return {"in_app": _("In the app"), "email": _("E-mail"), "sms": _("SMS")}.get(key, key)


def _pairs(values: Any) -> str:
    return ", ".join(f"{k} = {v!r}" for k, v in (values or {}).items()) or "—"


class Simulation:
    """One run of a draft: ``steps`` (node, time, what it did), ``status`` and the end time."""

    def __init__(self, machine: Machine, start: datetime, decisions: Mapping[str, str]):
        self.machine, self.now, self.decisions = machine, start, decisions
        self.steps: list[dict[str, Any]] = []
        self._seen_path, self._seen_effects = 0, 0

    def note(self, event: str) -> None:
        """Record the nodes entered and effects done since the last note, at ``now``."""
        m = self.machine
        for node in m.path[self._seen_path:]:
            self.steps.append({"node": node, "at": self.now.isoformat(), "event": event,
                               "does": []})
        for node, effect in m.effects[self._seen_effects:]:
            target = next((s for s in reversed(self.steps) if s["node"] == node), None)
            if target is None:
                target = {"node": node, "at": self.now.isoformat(), "event": event, "does": []}
                self.steps.append(target)
            target["does"].append(describe(effect))
        self._seen_path, self._seen_effects = len(m.path), len(m.effects)

    def run(self) -> Simulation:
        m = self.machine
        m.start(self.now)
        self.note("enter")
        for _i in range(MAX_EVENTS):
            if m.status != "running" or not self.next_event():
                break
        return self

    def next_event(self) -> bool:
        m = self.machine
        waiting = [t for t in m.tokens.values() if t.status == "waiting"]
        for token in waiting:
            kind = m.graph.types[token.node].type
            if kind in HUMAN:
                outcome = self.decisions.get(token.node) or HUMAN[kind]
                m.signal(token.node, Signal("task", {"outcome": outcome, "open": 0}), self.now)
                self.note(outcome)
                return True
            if kind == "sub_workflow":
                m.signal(token.node, Signal("child"), self.now)
                self.note("child")
                return True
        if not m.timers:
            return False
        self.now = max(self.now, min(t[0] for t in m.timers))
        m.advance(self.now)
        self.note("timer")
        return True

    def answer(self) -> dict[str, Any]:
        m = self.machine
        waiting = [t.node for t in m.tokens.values() if t.status == "waiting"]
        status = m.status if m.status != "running" else "waiting"
        return {"status": status, "waiting": waiting, "steps": self.steps,
                "path": list(m.path), "ended_at": self.now.isoformat()}


def simulate(rt: Any, ctx: Any, draft: Mapping, record: dict[str, Any], start: datetime,
             decisions: Mapping[str, str]) -> dict[str, Any]:
    """Run ``draft`` (raises WorkflowError when it does not check) on ``record`` from
    ``start``; formulas' NOW() and TODAY() read the virtual clock."""
    sim: Simulation | None = None

    def now() -> datetime:
        return sim.now if sim is not None else start

    graph = compile_workflow(draft, 0, rt.workflow_check, ctx, now, rt.timezone)
    machine = Machine(graph, dict(record), Calendar(rt.timezone))
    sim = Simulation(machine, start, decisions)
    return sim.run().answer()


def parse_start(text: Any, default: datetime) -> datetime | None:
    """The simulation's start: an ISO time (UTC when it has no zone), or ``default``."""
    if text in (None, ""):
        return default
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=default.tzinfo)

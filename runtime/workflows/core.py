"""The pure core: a token at a node, a signal and the time in; the node's outcome (effects,
timers, state) and where the token goes out. ``Machine`` runs a whole instance in memory on
these transitions (the unit tests, and the designer's simulation with a virtual clock); the
runner (``runtime.workflows.runner``) does the same over database rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from runtime.workflows.graph import Graph
from runtime.workflows.nodes.base import Effect, NodeContext, Outcome, Signal
from runtime.workflows.timing import Calendar

ENTER = Signal()
WORK_TIME = Calendar()


@dataclass(frozen=True)
class Transition:
    outcome: Outcome
    targets: tuple[str, ...]  # where the token goes on (nothing: it waits, or its path ends)

    @property
    def waiting(self) -> bool:
        return self.outcome.follow is None and not self.outcome.end


def transition(graph: Graph, key: str, record: Mapping[str, Any], now: datetime,
               signal: Signal = ENTER, state: Mapping[str, Any] | None = None,
               calendar: Calendar = WORK_TIME, arrived: int = 1) -> Transition:
    """What node ``key`` does with ``signal`` (``enter``: a token arrives)."""
    kind = graph.types[key]
    ctx = NodeContext(key, graph.nodes[key], record, now, calendar, graph.formulas[key],
                      state or {}, arrived, graph.incoming[key])
    outcome = kind.enter(ctx) if signal.kind == "enter" else kind.resume(ctx, signal)
    if outcome.follow is None:
        return Transition(outcome, ())
    return Transition(outcome, tuple(graph.targets(key, outcome.follow, record)))


def exits(graph: Graph, record: Mapping[str, Any]) -> bool:
    """Whether an exit condition of the workflow holds for the record."""
    return any(bool(fn(record)) for fn in graph.exits)


@dataclass
class Token:
    id: int
    node: str
    status: str = "active"  # active | waiting | done
    state: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Machine:
    """One instance in memory: tokens, timers, the effects done (in order) and the path."""

    graph: Graph
    record: dict[str, Any]
    calendar: Calendar = WORK_TIME
    tokens: dict[int, Token] = field(default_factory=dict)
    timers: list[tuple[datetime, int, str]] = field(default_factory=list)
    effects: list[tuple[str, Effect]] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    status: str = "running"

    def start(self, now: datetime) -> Machine:
        self.tokens[1] = Token(1, self.graph.trigger)
        return self.run(now)

    def run(self, now: datetime) -> Machine:
        """Move every active token on until each waits or ends."""
        for _ in range(10000):
            active = [t for t in self.tokens.values() if t.status == "active"]
            if not active or self.status != "running":
                break
            self.step(active[0], ENTER, now)
        return self

    def step(self, token: Token, signal: Signal, now: datetime) -> None:
        arrived = sum(1 for t in self.tokens.values()
                      if t.node == token.node and t.status != "done") \
            if self.graph.types[token.node].joins else 1
        if signal.kind == "enter":
            self.path.append(token.node)
        done = transition(self.graph, token.node, self.record, now, signal, token.state,
                          self.calendar, arrived)
        self.effects += [(token.node, e) for e in done.outcome.effects]
        if done.waiting:
            token.status, token.state = "waiting", dict(done.outcome.state)
            self.timers += [(t.due_at, token.id, t.name) for t in done.outcome.timers]
            return
        self.leave(token, done.targets)

    def leave(self, token: Token, targets: tuple[str, ...]) -> None:
        self.timers = [t for t in self.timers if t[1] != token.id]
        if self.graph.types[token.node].joins:  # the tokens waiting at the join go on as one
            for other in self.tokens.values():
                if other.node == token.node and other.id != token.id:
                    other.status = "done"
        token.status = "done"
        for target in targets:
            new = Token(max(self.tokens) + 1, target)
            self.tokens[new.id] = new
        if all(t.status == "done" for t in self.tokens.values()):
            self.status = "completed"

    def advance(self, now: datetime) -> Machine:
        """Fire the timers due at ``now``, in due order, and run on."""
        while self.status == "running":
            due = sorted(t for t in self.timers if t[0] <= now)
            if not due:
                break
            at, token_id, name = due[0]
            self.timers.remove(due[0])
            self.step(self.tokens[token_id], Signal("timer", {"timer": name}), at)
            self.run(at)
        return self

    def signal(self, node: str, signal: Signal, now: datetime) -> Machine:
        token = next(t for t in self.tokens.values() if t.node == node
                     and t.status == "waiting")
        self.step(token, signal, now)
        return self.run(now)

    def change(self, values: Mapping[str, Any], now: datetime) -> Machine:
        """The record changed: exit conditions, then the nodes that listen to it."""
        self.record.update(values)
        if exits(self.graph, self.record):
            self.status = "exited"
            self.timers.clear()
            return self
        for token in [t for t in self.tokens.values() if t.status == "waiting"
                      and self.graph.types[t.node].listens(self.graph.nodes[t.node])]:
            self.step(token, Signal("record"), now)
        return self.run(now)

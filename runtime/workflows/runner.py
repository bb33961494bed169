"""The runner: a step claimed and done in one transaction (the token moves, its effects are
written, the next steps owed, the step marked done — all or nothing, so a job run twice does
its step once); failures retried with backoff, then an incident; due timers turned into
steps; steps no worker took run inline (``trellis tick``) or handed out again (the sweeper)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from metadata.checks import CheckContext
from metadata.errors import NotFound
from metadata.models import Document
from runtime.rules.incidents import open_incident, resolve_job_incident
from runtime.workflows.check import compile_workflow
from runtime.workflows.core import Transition, transition
from runtime.workflows.effects import Effects, Step, call_webhook
from runtime.workflows.graph import Graph
from runtime.workflows.nodes.base import Signal
from runtime.workflows.store import INSTANCES, STEPS, TOKENS, Rows
from runtime.workflows.timing import Calendar

if TYPE_CHECKING:
    from runtime.context import Runtime

log = logging.getLogger(__name__)
STALE = timedelta(seconds=30)
CHAIN = 50  # steps one job does at most  # a step handed out this long ago and not done: again
ERROR_LENGTH = 4000
_lock = threading.Lock()
PARTS = ((STEPS, "s_"), (INSTANCES, "i_"), (TOKENS, "t_"))
# a step if it is owed (due by ``now``), its instance and token; built once (it is long)
LOAD = (sa.select(*[c.label(p + c.name) for t, p in PARTS for c in t.c])
        .join_from(STEPS, INSTANCES, INSTANCES.c.id == STEPS.c.instance_id)
        .join(TOKENS, TOKENS.c.id == STEPS.c.token_id)
        .where(STEPS.c.id == sa.bindparam("step_id"), STEPS.c.status == "pending",
               STEPS.c.due_at <= sa.bindparam("now", type_=STEPS.c.due_at.type))
        .with_for_update(of=[STEPS, INSTANCES]))


def graph_of(rt: Runtime, session: Session, app_key: str, key: str, version: int) -> Graph:
    """A published workflow version compiled (once per runtime and version: versions never
    change, so nothing is ever invalidated)."""
    found = rt.workflow_graphs.get((app_key, key, version))
    if found is not None:
        return found
    doc = rt.store.get(session, app_key, "workflow", key)
    body = rt.store.version(session, doc, version).body
    ctx = CheckContext(app_key, rt.published_forms(session, app_key), rt.fields)
    graph = compile_workflow(body, version, rt.workflow_check, ctx, rt.clock.now, rt.timezone)
    with _lock:
        rt.workflow_graphs[(app_key, key, version)] = graph
    return graph


def published_version(session: Session, app_key: str, key: str) -> int | None:
    return session.scalar(sa.select(Document.published_version).where(
        Document.app_key == app_key, Document.kind == "workflow", Document.key == key))


def start_on(rt: Runtime, rows: Rows, app_key: str, key: str, record_id: int, *,
             start_key: str | None = None, started_by: int | None = None,
             parent_token_id: int | None = None) -> int | None:
    """Start the published version of workflow ``key`` on a record (None: not started)."""
    version = published_version(rows.session, app_key, key)
    if version is None:
        raise NotFound(f"workflow {key!r} has not been published")
    graph = graph_of(rt, rows.session, app_key, key, version)
    if graph.doc.get("enabled") is False:
        return None
    return rows.start(app_key, key, version, graph.form, record_id, graph.trigger,
                      multiple=graph.multiple, start_key=start_key, started_by=started_by,
                      parent_token_id=parent_token_id)


class Warmer:
    """Compiles the published workflows and their forms' plans, at most every ``every``
    (a forking worker calls it before each job: its horses start with them)."""

    def __init__(self, rt: Runtime, every: float = 5.0):
        self.rt, self.every, self.last = rt, every, -every

    def __call__(self) -> None:
        if time.monotonic() - self.last < self.every:
            return
        self.last = time.monotonic()
        with self.rt.session(read_only=True) as session:
            for doc in self.rt.published_documents(session, "workflow"):
                version = published_version(session, doc.app_key, doc.key)
                if version is not None:
                    graph = graph_of(self.rt, session, doc.app_key, doc.key, version)
                    self.rt.plan(session, doc.app_key, graph.form)


def calendar(rt: Runtime) -> Calendar:
    return Calendar(rt.timezone)


def launcher(rt: Runtime):
    """Hands steps ("instance-step-attempt": the job's key) to RQ workers, or None when
    this process runs them itself (no queue: ``trellis tick``, an installation without
    Redis)."""
    launch = rt.background.get("workflow_steps")
    if launch is None or rt.events.publisher is None:
        return None
    return launch


class Runner:
    """Does steps. With ``chain`` (a worker's job), the steps a step owes its instance are
    done next in the same job and the same transaction, up to ``CHAIN`` (the rest go to the
    queue): a timer's job runs the instance on to its next wait at once. A chain that fails
    anywhere is undone and done again a step per transaction, so that the failing step is
    the one retried; a step with calls outside the database ends the chain before it."""

    def __init__(self, rt: Runtime, chain: bool = False):
        self.rt = rt
        self.chained: list[str] | None = [] if chain else None

    def launch(self):
        launch = launcher(self.rt)
        if launch is None or self.chained is None:
            return launch
        return self.chained.extend

    def run(self, step_id: int, now: datetime | None = None) -> str:
        """Do step ``step_id`` if it is still owed (and, chaining, the steps it owes)."""
        if self.chained is None:
            return self.run_one(step_id, now)
        now = now or self.rt.clock.now()
        try:
            outs, left = self._chain(step_id, now)
        except Exception as exc:  # noqa: BLE001 - undone: each step again on its own
            log.info("workflow step %s: its chain failed (%s: %s); step by step", step_id,
                     type(exc).__name__, exc)
            return self._stepwise(step_id, now)
        launch = launcher(self.rt)
        if left and launch is not None:
            launch(left)
        return outs[0] + (f" (and {len(outs) - 1} step(s) after it)" if len(outs) > 1 else "")

    def _chain(self, step_id: int, now: datetime) -> tuple[list[str], list[str]]:
        """The step and the steps it owes, in one transaction: what each said, and the
        steps owed but not done here ("instance-step-attempt")."""
        todo, outs = [f"0-{step_id}-0"], []
        with self.rt.session() as session, session.begin():
            while todo and len(outs) < CHAIN:
                try:
                    out, owed = self._do(session, int(todo[0].split("-")[1]), now,
                                         launch=_later)
                except _CallFirst:
                    if not outs:
                        raise  # the step-by-step path makes its calls first
                    break  # written nothing: it and what follows go to the queue
                outs.append(out)
                todo = todo[1:] + owed
        return outs, todo

    def _stepwise(self, step_id: int, now: datetime) -> str:
        out, done = self.run_one(step_id, now), 1
        while self.chained and done < CHAIN:
            self.run_one(int(self.chained.pop(0).split("-")[1]))
            done += 1
        if self.chained:
            launch = launcher(self.rt)
            if launch is not None:
                launch(list(self.chained))
            self.chained.clear()
        return out + (f" (and {done - 1} step(s) after it)" if done > 1 else "")

    def run_one(self, step_id: int, now: datetime | None = None) -> str:
        now = now or self.rt.clock.now()
        try:
            try:
                with self.rt.session() as session, session.begin():
                    return self._do(session, step_id, now, launch=self.launch())[0]
            except _CallFirst as first:  # rolled back: the calls, then the step again
                for effect in first.effects:
                    call_webhook(self.rt, first.step, effect.details)
                with self.rt.session() as session, session.begin():
                    return self._do(session, step_id, now, called=True,
                                    launch=self.launch())[0]
        except Exception as exc:  # any failure: retried with backoff, then an incident
            return self._failed(step_id, exc, now)

    def _load(self, session: Session, step_id: int, now: datetime):
        """The step if it is owed, its instance and token, in one statement; the step and
        the instance locked (the steps of one instance take turns)."""
        row = session.execute(LOAD, {"step_id": step_id, "now": now}).mappings().first()
        if row is None:
            return None
        return tuple({c.name: row[p + c.name] for c in t.c} for t, p in PARTS)

    @staticmethod
    def _current(step: Mapping, instance: Mapping, token: Mapping) -> bool:
        """The step still applies: its instance runs and its token is at its node."""
        return (instance["status"] == "running" and token["node"] == step["node"]
                and token["status"] in (("active",) if step["kind"] == "enter"
                                        else ("waiting",)))

    def _record(self, session: Session, instance: Mapping) -> dict[str, Any] | None:
        plan = self.rt.plan(session, instance["app_key"], instance["form_key"])
        try:
            return self.rt.records(session, plan, _system()).get_all(instance["record_id"])
        except NotFound:
            return None

    def _transition(self, session, graph, step, instance, token, record, now):
        arrived = 1
        if graph.types[step["node"]].joins:
            arrived = session.scalar(sa.select(sa.func.count()).where(
                TOKENS.c.instance_id == instance["id"], TOKENS.c.node == step["node"],
                TOKENS.c.status.in_(("active", "waiting"))))
        return transition(graph, step["node"], record, now,
                          Signal(step["kind"], step["data"] or {}), token["state"] or {},
                          calendar(self.rt), arrived)

    def _do(self, session: Session, step_id: int, now: datetime, called: bool = False,
            launch=None) -> tuple[str, list[str]]:
        """Step ``step_id`` done in ``session``'s transaction: what happened, and the steps
        it owes ("instance-step-attempt", handed to ``launch`` after the commit)."""
        found = self._load(session, step_id, now)
        if found is None:
            return f"workflow step {step_id}: nothing due", []
        step, instance, token = found
        rows = Rows(session, now, launch)
        if not self._current(step, instance, token):
            session.execute(STEPS.update().where(STEPS.c.id == step_id).values(
                status="cancelled", done_at=now))
            return f"workflow step {step_id}: no longer applies", []
        graph = graph_of(self.rt, session, instance["app_key"], instance["workflow"],
                         instance["version"])
        record = self._record(session, instance)
        if record is None:
            rows.finish(instance, "cancelled", "the record was deleted")
            return f"workflow step {step_id}: the record is gone; instance cancelled", rows.owed
        done = self._transition(session, graph, step, instance, token, record, now)
        here = Step(step["key"], instance, token["id"], step["node"], record)
        outside = [e for e in done.outcome.effects if e.type == "call_webhook"]
        if outside and not called:
            raise _CallFirst(here, outside)
        Effects(self.rt, session, rows, now).apply(here, done.outcome.effects)
        self._move(rows, graph, step, instance, token, done)
        rows.set(STEPS, step_id, status="done", done_at=now, error=None,
                 attempts=step["attempts"] + 1,  # the step is locked: no one else counts
                 result={"effects": [e.type for e in done.outcome.effects],
                         "to": list(done.targets), "waiting": done.waiting})
        if step["attempts"]:  # it failed before: its incident, if any, is over
            resolve_job_incident(session, step_id, now, kind="workflow_step")
        return f"workflow step {step_id}: done", rows.owed

    def _move(self, rows: Rows, graph: Graph, step, instance, token, done: Transition) -> None:
        session, now = rows.session, rows.now
        if done.waiting:
            rows.set(TOKENS, token["id"], status="waiting", state=dict(done.outcome.state),
                     updated_at=now)
            rows.timers(instance["id"], token["id"], step["node"], done.outcome.timers)
            return
        leaving = [token["id"]]
        if graph.types[step["node"]].joins:  # the branches waiting here go on as one
            leaving += list(session.scalars(sa.select(TOKENS.c.id).where(
                TOKENS.c.instance_id == instance["id"], TOKENS.c.node == step["node"],
                TOKENS.c.status == "waiting", TOKENS.c.id != token["id"])))
        if step["kind"] != "enter" or len(leaving) > 1:  # it waited: timers, tasks
            rows.release(leaving)
        if len(done.targets) == 1 and len(leaving) == 1:  # the token itself goes on
            rows.set(TOKENS, token["id"], node=done.targets[0], status="active", state={},
                     updated_at=now)
            rows.owe(instance["id"], token["id"], done.targets[0], "enter",
                     f"e:{step['id']}:{token['id']}", fresh=True)
            return
        session.execute(TOKENS.update().where(TOKENS.c.id.in_(leaving)).values(
            status="done", updated_at=now))
        for target in done.targets:
            new = rows.token(instance["id"], target)
            rows.owe(instance["id"], new, target, "enter", f"e:{step['id']}:{new}", fresh=True)
        live = done.targets or session.scalar(sa.select(sa.func.count()).where(
            TOKENS.c.instance_id == instance["id"], TOKENS.c.status.in_(("active",
                                                                         "waiting"))))
        if not live:
            rows.finish(instance, (done.outcome.state or {}).get("status", "completed"))

    def _failed(self, step_id: int, exc: Exception, now: datetime) -> str:
        error = f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]
        settings = self.rt.events.settings
        with self.rt.session() as session, session.begin():
            step = session.execute(sa.select(STEPS).where(STEPS.c.id == step_id)
                                   ).mappings().first()
            if step is None or step["status"] != "pending":
                return f"workflow step {step_id}: failed ({error})"
            attempts = step["attempts"] + 1
            if attempts < settings.max_attempts:
                due = now + settings.backoff(attempts)
                session.execute(STEPS.update().where(STEPS.c.id == step_id).values(
                    attempts=attempts, due_at=due, enqueued_at=None, error=error))
                log.warning("workflow step %s failed (attempt %s), again at %s: %s", step_id,
                            attempts, due.isoformat(), error)
                return f"workflow step {step_id}: retrying at {due.isoformat()}"
            instance = session.execute(sa.select(INSTANCES).where(
                INSTANCES.c.id == step["instance_id"])).mappings().first()
            session.execute(STEPS.update().where(STEPS.c.id == step_id).values(
                attempts=attempts, status="failed", error=error))
            open_incident(session, now, instance["app_key"], "workflow_step",
                          f"{instance['workflow']}.{step['node']}: failed {attempts} time(s)",
                          form_key=instance["form_key"], record_id=instance["record_id"],
                          rule=f"{instance['workflow']}.{step['node']}", job_id=step_id,
                          error=error, attempts=attempts)
        log.error("workflow step %s failed for good: %s", step_id, error)
        return f"workflow step {step_id}: failed for good"


class _CallFirst(Exception):  # noqa: N818 - a signal, not an error
    """A step with calls outside the database: they are made before its transaction."""

    def __init__(self, step: Step, effects: list):
        super().__init__("calls first")
        self.step, self.effects = step, effects


def _later(_owed: list[str]) -> None:
    """A chain's launch: the steps it owes are done in the chain, or handed out after it."""


def _system():
    from runtime.permissions import SYSTEM

    return SYSTEM

"""The scheduler: finds what is due at the clock's time and runs or enqueues it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from flask import Flask

from runtime.context import Runtime
from runtime.jobs.health import record_scheduler_heartbeat
from runtime.jobs.models import PeriodicRun
from runtime.jobs.tasks import build_task_registry

log = logging.getLogger(__name__)
TIMER_POLL = 1.0  # seconds between two looks at the due workflow timers


def due_tasks(runtime: Runtime, now: datetime) -> list[str]:
    """Keys of periodic tasks whose interval has passed since their last run."""
    with runtime.session(read_only=True) as session:
        last = dict(session.execute(sa.select(PeriodicRun.key, PeriodicRun.last_run_at)).all())
    return [t.key for t in build_task_registry()
            if last.get(t.key) is None or now - last[t.key] >= t.interval]


def claim(runtime: Runtime, key: str, now: datetime) -> bool:
    """Mark a task as run at ``now``; False when another process claimed it first."""
    interval = build_task_registry()[key].interval
    with runtime.session() as session, session.begin():
        row = session.get(PeriodicRun, key, with_for_update=True)
        if row is None:
            session.add(PeriodicRun(key=key, last_run_at=now))
            return True
        if now - row.last_run_at < interval:
            return False
        row.last_run_at = now
        return True


def run_task(runtime: Runtime, key: str, now: datetime) -> str:
    return build_task_registry()[key].run(runtime, now)


def run_due(runtime: Runtime) -> list[str]:
    """Run every due task in this process (``trellis tick``)."""
    now = runtime.clock.now()
    ran = []
    for key in due_tasks(runtime, now):
        if claim(runtime, key, now):
            log.info("%s: %s", key, run_task(runtime, key, now))
            ran.append(key)
    return ran


def run_scheduler(app: Flask, perform: Callable[[str, str], str], once: bool = False) -> None:
    """Every few seconds, enqueue the due tasks on RQ; the worker calls ``perform(key, due)``,
    a job function that builds its own app context."""
    from runtime.jobs.worker import queue

    runtime: Runtime = app.extensions["trellis"]
    q = queue(app)
    interval = app.config["SCHEDULER_INTERVAL"]
    started_at = runtime.clock.now()
    log.info("scheduler started (every %ss; workflow timers every %ss)", interval, TIMER_POLL)
    last = 0.0
    while True:
        if time.monotonic() - last >= interval:
            last = time.monotonic()
            try:
                enqueue_due(runtime, q, perform)
                record_scheduler_heartbeat(q.connection, started_at, runtime.clock.now(),
                                           float(interval))
            except Exception:  # a database or Redis hiccup must not stop the scheduler
                log.exception("scheduler pass failed; retrying in %ss", interval)
        hand_out_timers(runtime)
        if once:
            return
        time.sleep(min(TIMER_POLL, float(interval)))


def hand_out_timers(runtime: Runtime) -> None:
    """Workflow timers due now become steps for the workers (one indexed query when none
    is due): timers fire within about a second of their time."""
    from runtime.workflows.timers import hand_out

    try:
        hand_out(runtime, runtime.clock.now())
    except Exception:  # a database or Redis hiccup must not stop the scheduler
        log.exception("workflow timer pass failed")


def enqueue_due(runtime: Runtime, q, perform: Callable[[str, str], str]) -> list[str]:
    """Enqueue each due task once; the job id (task and due second) makes it idempotent."""
    now = runtime.clock.now()
    enqueued = []
    for key in due_tasks(runtime, now):
        if claim(runtime, key, now):
            q.enqueue(perform, key, now.isoformat(),
                      job_id=f"task-{key}-{int(now.timestamp())}")
            enqueued.append(key)
    return enqueued

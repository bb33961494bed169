"""Time: due timers become steps (the scheduler polls every second on the index
``(status, due_at)``), steps nobody took are handed out again (a flushed Redis, a killed
worker), and without workers everything due runs here (``trellis tick --now``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from runtime.workflows.runner import STALE, Runner, launcher
from runtime.workflows.store import STEPS, TIMERS

if TYPE_CHECKING:
    from runtime.context import Runtime

BATCH = 1000


def fire_due(rt: Runtime, now: datetime, launch=None, limit: int = BATCH) -> list[int]:
    """Turn the timers due at ``now`` into steps (one step per timer: its key); their ids,
    handed to ``launch`` after the commit."""
    with rt.session() as session, session.begin():
        query = (sa.select(TIMERS.c.id, TIMERS.c.instance_id, TIMERS.c.token_id,
                           TIMERS.c.node, TIMERS.c.name, TIMERS.c.due_at)
                 .where(TIMERS.c.status == "pending", TIMERS.c.due_at <= now)
                 .order_by(TIMERS.c.due_at).limit(limit))
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        due = session.execute(query).all()
        if not due:
            return []
        ids = [t.id for t in due]
        session.execute(TIMERS.update().where(TIMERS.c.id.in_(ids)).values(
            status="fired", fired_at=now))
        steps = session.execute(STEPS.insert().returning(STEPS.c.id, STEPS.c.instance_id), [{
            "key": f"t:{t.id}", "instance_id": t.instance_id, "token_id": t.token_id,
            "node": t.node, "kind": "timer", "data": {"timer": t.name}, "status": "pending",
            "attempts": 0, "due_at": t.due_at, "enqueued_at": now if launch else None,
            "created_at": now} for t in due]).all()
    if launch is not None:
        launch([f"{s.instance_id}-{s.id}-0" for s in steps])
    return [s.id for s in steps]


def stale_steps(rt: Runtime, now: datetime, limit: int = BATCH) -> list[str]:
    """Pending steps that are due and that no worker took (never handed out, or handed
    out ``STALE`` ago), as "instance-step-attempt"."""
    with rt.session(read_only=True) as session:
        found = session.execute(
            sa.select(STEPS.c.id, STEPS.c.instance_id, STEPS.c.attempts).where(
                STEPS.c.status == "pending", STEPS.c.due_at <= now,
                sa.or_(STEPS.c.enqueued_at.is_(None), STEPS.c.enqueued_at < now - STALE))
            .order_by(STEPS.c.due_at, STEPS.c.id).limit(limit)).all()
    return [f"{s.instance_id}-{s.id}-{s.attempts}" for s in found]


def hand_out(rt: Runtime, now: datetime) -> int:
    """The scheduler's pass (every second): due timers and lost steps to the workers."""
    launch = launcher(rt)
    if launch is None:
        return run_due(rt, now)
    fired = 0
    while True:
        batch = fire_due(rt, now, launch)
        fired += len(batch)
        if len(batch) < BATCH:
            break
    lost = stale_steps(rt, now)
    queued = rt.background.get("workflow_steps_queued")
    if lost and queued is not None:
        lost = [item for item in lost if item not in queued(lost)]
    if lost:
        mark(rt, [int(item.split("-")[1]) for item in lost], now)
        launch(lost)
    return fired + len(lost)


def mark(rt: Runtime, step_ids: list[int], now: datetime) -> None:
    """Note steps handed out now."""
    with rt.session() as session, session.begin():
        session.execute(STEPS.update().where(STEPS.c.id.in_(step_ids)).values(enqueued_at=now))


def run_due(rt: Runtime, now: datetime, most: int = 100000) -> int:
    """Fire the due timers and run every due step here, until nothing is due."""
    runner, ran = Runner(rt), 0
    while ran < most:
        fire_due(rt, now)
        ids = [int(item.split("-")[1]) for item in stale_steps(rt, now)]
        if not ids:
            break
        for step_id in ids:
            runner.run(step_id, now)
        ran += len(ids)
    return ran

"""What an admin does with a workflow step that kept failing (an incident of kind
``workflow_step``): retry it (its attempts again), skip it (the token goes on as if the node
had nothing to do), or cancel the instance."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from runtime.rules.incidents import INCIDENTS
from runtime.workflows.store import INSTANCES, STEPS, TOKENS, Rows

if TYPE_CHECKING:
    from runtime.context import Runtime

I = INCIDENTS.c  # noqa: E741


def retry_step(session: Session, step_id: int, now: datetime) -> None:
    session.execute(STEPS.update().where(STEPS.c.id == step_id, STEPS.c.status == "failed")
                    .values(status="pending", attempts=0, due_at=now, enqueued_at=None))


def _close(session: Session, incident: dict, now: datetime) -> None:
    session.execute(INCIDENTS.update().where(I.id == incident["id"]).values(
        status="resolved", updated_at=now))


def skip_step(rt: Runtime, session: Session, incident: dict, now: datetime) -> None:
    """The failed step is marked skipped; its token goes on along the node's edges."""
    from runtime.workflows.runner import graph_of, launcher

    step = session.execute(sa.select(STEPS).where(STEPS.c.id == incident["job_id"])
                           ).mappings().one()
    instance = session.execute(sa.select(INSTANCES).where(
        INSTANCES.c.id == step["instance_id"])).mappings().one()
    graph = graph_of(rt, session, instance["app_key"], instance["workflow"],
                     instance["version"])
    session.execute(STEPS.update().where(STEPS.c.id == step["id"]).values(
        status="cancelled", done_at=now, result={"skipped": True}))
    rows = Rows(session, now, launcher(rt))
    rows.release([step["token_id"]])
    session.execute(TOKENS.update().where(TOKENS.c.id == step["token_id"]).values(
        status="done", updated_at=now))
    kind = graph.types[step["node"]]
    for target in graph.targets(step["node"], kind.outcomes[:1], {}):
        new = rows.token(instance["id"], target)
        rows.owe(instance["id"], new, target, "enter", f"x:{step['id']}:{new}")
    if not rows.owed and not session.scalar(sa.select(sa.func.count()).where(
            TOKENS.c.instance_id == instance["id"], TOKENS.c.status.in_(("active",
                                                                         "waiting")))):
        rows.finish(dict(instance), "completed")
    _close(session, incident, now)


def cancel_instance(rt: Runtime, session: Session, instance_id: int, now: datetime,
                    reason: str = "cancelled by an admin") -> bool:
    instance = session.execute(sa.select(INSTANCES).where(
        INSTANCES.c.id == instance_id).with_for_update()).mappings().first()
    if instance is None or instance["status"] != "running":
        return False
    from runtime.workflows.runner import launcher

    Rows(session, now, launcher(rt)).finish(dict(instance), "cancelled", reason)
    return True


def cancel_from_incident(rt: Runtime, session: Session, incident: dict, now: datetime) -> None:
    step = session.execute(sa.select(STEPS).where(STEPS.c.id == incident["job_id"])
                           ).mappings().one()
    cancel_instance(rt, session, step["instance_id"], now)
    _close(session, incident, now)

"""Schedule-triggered workflows: when a time of the trigger's schedule (hourly, daily at a
time, weekly on a day, or cron, in the installation's time zone) has come since the last
run, the workflow starts on every live record of its form that meets the trigger's
condition (once per record while it runs). The last run is kept with the scheduled rules'
(``rule_schedule_runs``, under the name ``~workflow``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from runtime.permissions import SYSTEM
from runtime.rules.models import ScheduledRun
from runtime.rules.schedule import due
from runtime.workflows.runner import graph_of, launcher, published_version
from runtime.workflows.store import Rows

if TYPE_CHECKING:
    from runtime.context import Runtime

RUNS = ScheduledRun.__table__
OWNER = "~workflow"  # the ``ruleset`` column of a workflow's schedule
BATCH = 200


def start_scheduled(rt: Runtime, now: datetime) -> int:
    """Start the schedule-triggered workflows that are due; the instances started."""
    with rt.session(read_only=True) as session:
        work = [(d.app_key, d.key) for d in rt.published_documents(session, "workflow")
                if _trigger(d.body).get("on") == "schedule" and d.body.get("enabled", True)]
    started = 0
    for app_key, key in work:
        if _claim(rt, app_key, key, now):
            started += _start_all(rt, app_key, key, now)
    return started


def _trigger(body) -> dict:
    node = next((n for n in body.get("nodes", []) if n.get("type") == "trigger"), {})
    return node.get("config") or {}


def _claim(rt: Runtime, app_key: str, key: str, now: datetime) -> bool:
    """Mark the schedule run at ``now`` if it is due (a first sight only starts the clock)."""
    where = sa.and_(RUNS.c.app_key == app_key, RUNS.c.ruleset == OWNER, RUNS.c.rule == key)
    with rt.session() as session, session.begin():
        last = session.scalar(sa.select(RUNS.c.last_run_at).where(where).with_for_update())
        if last is None:
            session.execute(RUNS.insert().values(app_key=app_key, ruleset=OWNER, rule=key,
                                                 last_run_at=now))
            return False
        version = published_version(session, app_key, key)
        trigger = graph_of(rt, session, app_key, key, version).nodes
        config = next(n for n in trigger.values() if n["type"] == "trigger")["config"]
        if not due(config, last, now, rt.timezone):
            return False
        session.execute(RUNS.update().where(where).values(last_run_at=now))
        return True


def _start_all(rt: Runtime, app_key: str, key: str, now: datetime) -> int:
    with rt.session(read_only=True) as session:
        version = published_version(session, app_key, key)
        graph = graph_of(rt, session, app_key, key, version)
        table = rt.plan(session, app_key, graph.form).table
        ids = list(session.scalars(sa.select(table.c.id).where(
            table.c.deleted_at.is_(None)).order_by(table.c.id)))
    when = graph.formulas[graph.trigger].get("when")
    started = 0
    for start in range(0, len(ids), BATCH):
        with rt.session() as session, session.begin():
            rows = Rows(session, now, launcher(rt))
            records = rt.records(session, rt.plan(session, app_key, graph.form), SYSTEM)
            for record_id in ids[start:start + BATCH]:
                if when is not None and not when(records.get_all(record_id)):
                    continue
                if rows.start(app_key, key, version, graph.form, record_id, graph.trigger,
                              multiple=graph.multiple,
                              start_key=f"{key}:at{now.isoformat()}:{record_id}"):
                    started += 1
    return started

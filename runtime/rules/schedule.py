"""Schedule-triggered rules: each rule's schedule (hourly, daily at a time, weekly on a day,
or a cron expression, read in the installation's time zone) is due when its next time after
the last run has come; a due rule runs over every live record of its form, a batch of
records per transaction. ``trellis tick --now ISO`` runs what is due at that time."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from croniter import croniter

from runtime.rules.engine import Event
from runtime.rules.executor import Executor, Pass
from runtime.rules.models import ScheduledRun
from runtime.rules.published import LoadedRuleset

if TYPE_CHECKING:
    from runtime.context import Runtime

RUNS = ScheduledRun.__table__
BATCH = 200  # records per transaction


def cron_of(trigger: Mapping) -> str:
    """The five cron fields of a schedule trigger."""
    if trigger.get("cron"):
        return trigger["cron"]
    hour, minute = (trigger.get("at") or "00:00").split(":")
    every = trigger.get("every", "daily")
    if every == "hourly":
        return "0 * * * *"
    if every == "weekly":
        return f"{int(minute)} {int(hour)} * * {int(trigger.get('weekday', 1)) % 7}"
    return f"{int(minute)} {int(hour)} * * *"


def due(trigger: Mapping, last: datetime, now: datetime, tz) -> bool:
    """Whether a time of the schedule falls in (last, now]."""
    following = croniter(cron_of(trigger), last.astimezone(tz)).get_next(datetime)
    return following <= now.astimezone(tz)


def run_scheduled(runtime: Runtime, now: datetime) -> int:
    """Run every scheduled rule that is due; the number of rule runs."""
    with runtime.session(read_only=True) as session:
        apps = sorted({p.app_key for p in runtime.published_documents(session, "ruleset")})
        work = [(app, ls, rule) for app in apps
                for loaded in runtime.rules.app(session, app).by_form.values()
                for ls in loaded for rule in ls.schedules]
    ran = 0
    for app, ls, rule in work:
        if _claim(runtime, app, ls, rule, now):
            run_over_records(runtime, app, ls, rule["key"], now)
            ran += 1
    return ran


def _claim(runtime: Runtime, app: str, ls: LoadedRuleset, rule: Mapping, now: datetime
           ) -> bool:
    """Mark the rule as run at ``now`` if it is due (a first sight only starts the clock)."""
    where = sa.and_(RUNS.c.app_key == app, RUNS.c.ruleset == ls.key,
                    RUNS.c.rule == rule["key"])
    with runtime.session() as session, session.begin():
        last = session.scalar(sa.select(RUNS.c.last_run_at).where(where).with_for_update())
        if last is None:
            session.execute(RUNS.insert().values(app_key=app, ruleset=ls.key, rule=rule["key"],
                                                 last_run_at=now))
            return False
        if not due(rule["trigger"], last, now, runtime.timezone):
            return False
        session.execute(RUNS.update().where(where).values(last_run_at=now))
        return True


def run_over_records(runtime: Runtime, app: str, ls: LoadedRuleset, rule: str | None,
                     now: datetime, ids: list[int] | None = None, kind: str = "schedule",
                     actor_id: int | None = None) -> int:
    """Run one rule (None: every rule of the trigger) over records of the ruleset's form
    (``ids``: these; else every live one), a batch per transaction; the records run."""
    if ids is None:
        with runtime.session(read_only=True) as session:
            table = runtime.plan(session, app, ls.form).table
            ids = list(session.scalars(sa.select(table.c.id).where(
                table.c.deleted_at.is_(None)).order_by(table.c.id)))
    done = 0
    for start in range(0, len(ids), BATCH):
        with runtime.session() as session, session.begin():
            executor = Executor(runtime, session, app, now)
            for record_id in ids[start:start + BATCH]:
                record = executor.read(ls.form, record_id)
                if record is not None:
                    executor.run_rules_only(Pass(ls, Event(kind, record, rule=rule),
                                                 record_id, None, actor_id))
                    done += 1
    return done

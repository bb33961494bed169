"""Decay: the scoring models' ``decay`` booked by the scheduler (the periodic task
``decay_scores``, and ``trellis tick --now ISO``).

For each published model with a decay, one query finds the records that may be due: live
records with a score whose anchor — the ``since`` field, else the time of their last behaviour
line, else their creation — lies a period or more before now, and that no decay run at this
very time reached; the exact count of periods due (``Decay.periods_due``) is worked out per
row. Each due record then books its decay lines like any other line — clamped, threshold
crossings setting the stage and firing threshold rules — a batch of records per transaction.

Periods count from the anchor and a run books every period up to its time, one line per
period: a tick 65 days after the last interaction with a 30-day decay books two lines, a tick
at the same time again books none, and a new interaction starts the count again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from runtime.rules.engine import Event
from runtime.rules.executor import Executor, Pass
from runtime.rules.ledger import L
from runtime.rules.models import DECAY_LINES
from runtime.rules.published import LoadedRuleset
from runtime.rules.scoring import ScoreModel

if TYPE_CHECKING:
    from runtime.context import Runtime

BATCH = 200  # records per transaction


@dataclass(frozen=True)
class Due:
    record_id: int
    periods: int


def run_decay(runtime: Runtime, now: datetime) -> int:
    """Book the decay due at ``now`` over every app; the number of records that decayed."""
    with runtime.session(read_only=True) as session:
        apps = sorted({p.app_key for p in runtime.published_documents(session, "ruleset")})
        work = [(app, ls, model) for app in apps
                for loaded in runtime.rules.app(session, app).by_form.values()
                for ls in loaded for model in ls.models if model.decay is not None]
    decayed = 0
    for app, ls, model in work:
        due = list(due_records(runtime, app, ls, model, now))
        for start in range(0, len(due), BATCH):
            decayed += book_decay(runtime, app, ls, model, due[start:start + BATCH], now)
    return decayed


def due_records(runtime: Runtime, app: str, ls: LoadedRuleset, model: ScoreModel,
                now: datetime) -> Iterator[Due]:
    """The records of ``model`` with periods of decay due at ``now`` (one query)."""
    decay = model.decay
    assert decay is not None
    cutoff = now - decay.every
    with runtime.session(read_only=True) as session:
        plan = runtime.plan(session, app, ls.form)
        table = plan.table
        # (the partial index's own condition written out: SQLite uses the index only then)
        of_model = sa.and_(L.app_key == app, L.form_key == ls.form, L.model == model.key,
                           DECAY_LINES)
        behaviour = (sa.select(L.record_id, sa.func.max(L.at).label("at"))
                     .where(of_model, L.kind == "behaviour").group_by(L.record_id)
                     .subquery("last_behaviour"))
        decayed = (sa.select(L.record_id, sa.func.max(L.at).label("at"))
                   .where(of_model, L.kind == "decay").group_by(L.record_id)
                   .subquery("last_decay"))
        fallback = sa.func.coalesce(behaviour.c.at, table.c.created_at)
        since = None
        if decay.since is not None and decay.since in plan.by_key:
            since = plan.ftype(decay.since).sort_expression(table, plan.by_key[decay.since])
        if since is not None:
            stale = sa.or_(since <= _like(since, cutoff, runtime),
                           sa.and_(since.is_(None), fallback <= cutoff))
        else:
            stale = fallback <= cutoff
        query = (sa.select(table.c.id, behaviour.c.at, table.c.created_at, decayed.c.at,
                           since if since is not None else sa.null())
                 .outerjoin(behaviour, behaviour.c.record_id == table.c.id)
                 .outerjoin(decayed, decayed.c.record_id == table.c.id)
                 .where(table.c.deleted_at.is_(None), table.c[model.field].is_not(None),
                        stale, sa.or_(decayed.c.at.is_(None), decayed.c.at < now))
                 .order_by(table.c.id))
        for record_id, last_behaviour, created, last_decay, since_value in session.execute(
                query.execution_options(yield_per=2000)):
            anchor = _moment(since_value, runtime) or _moment(last_behaviour, runtime) \
                or _moment(created, runtime)
            periods = decay.periods_due(anchor, _moment(last_decay, runtime), now)
            if periods > 0:
                yield Due(record_id, periods)


def book_decay(runtime: Runtime, app: str, ls: LoadedRuleset, model: ScoreModel,
               due: list[Due], now: datetime) -> int:
    """Book the decay lines of ``due`` in one transaction (clamps, stage, threshold rules)."""
    decay = model.decay
    assert decay is not None
    done = 0
    with runtime.session() as session, session.begin():
        executor = Executor(runtime, session, app, now)
        for item in due:
            executor.lock(ls.form, item.record_id)
            record = executor.read(ls.form, item.record_id)
            if record is None:
                continue
            totals = executor.ledger(ls).totals(item.record_id, model.key)
            lines = decay.lines(model, totals.total, item.periods)
            p = Pass(ls, Event("decay", record), item.record_id, None)
            # nothing to take (a percent of a score of 0): the periods come due again and
            # book nothing again
            crossings = executor.book(p, {model.key: lines} if lines else {},
                                      {model.key: totals})
            executor.after_booking(p, crossings)
            done += 1 if lines else 0
    return done


def _like(column: Any, moment: datetime, runtime: Runtime) -> Any:
    """``moment`` as the column holds it: a date column compares with the day (in the
    installation's time zone)."""
    if isinstance(column.type, sa.Date) and not isinstance(column.type, sa.DateTime):
        return moment.astimezone(runtime.timezone).date()
    return moment


def _moment(value: Any, runtime: Runtime) -> datetime | None:
    """A stored date or time as an aware datetime (a date: its midnight in the installation's
    time zone)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value or " " in value \
            else date.fromisoformat(value)
    if isinstance(value, datetime):  # stored as UTC
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return datetime.combine(value, time(), tzinfo=runtime.timezone)


"""Re-scoring: after a ruleset version changes its scoring models (attributes, their tables,
bounds), a background job goes over the form's records and books, for each, the difference
between what its attribute lines hold and what the new version gives, as ``rescore`` lines —
the old lines stay, so the ledger tells what each version gave.

The job works a batch of records per short transaction (the records' rows locked on
PostgreSQL; SQLite's writers take turns), so writes to the form go on meanwhile; each batch
moves the run's cursor (``last_id``) on in the same transaction, so a killed job goes on where
it stopped and never books a record twice. Records created after the run started are scored by
the new version already and are left out (``max_id``).

Moved scores, and the stages of the records that crossed a threshold, are written in one
statement per batch: the ledger is their history (no audit entry and no record event per
record, so ``field_changed`` rules on the stage do not fire from a re-score); the threshold
rules of each crossing fire as for any write (their actions go through the records service).

Who runs it: a worker (``app.jobs.run_rescore``, handed the run at publish), or the periodic
task ``resume_rescores`` for a run no worker took or whose runner stopped beating.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from runtime.jobs import leases
from runtime.jobs.memory import paused_gc
from runtime.rules.engine import Event
from runtime.rules.executor import Executor, Pass
from runtime.rules.jobs import AFTER_COMMIT
from runtime.rules.ledger import INSERT, Ledger, Totals
from runtime.rules.models import Rescore
from runtime.rules.published import LoadedRuleset
from runtime.rules.scoring import Line, ScoreModel
from runtime.storage.bulk_update import bulk_update

if TYPE_CHECKING:
    from metadata.models import Document, DocumentVersion
    from runtime.context import Runtime

log = logging.getLogger(__name__)
RUNS = Rescore.__table__
R = RUNS.c
BATCH = 1000  # records per transaction
STALE = timedelta(seconds=60)  # a running re-score whose runner has not beaten for this long
ACTIVE = ("queued", "running")
# seconds the job leaves SQLite's write lock free between batches: a waiting writer asks for
# it every 2 ms at most (storage.transactions.begin_immediate), so one gets in each time
YIELD = 0.004


# -- starting -----------------------------------------------------------------------------------
def scoring_of(body: Mapping) -> tuple[list, dict]:
    """What of a ruleset the scores depend on: its models and the tables they read."""
    models = list(body.get("scoring") or [])
    used = {a["table"] for m in models for a in m.get("attributes") or [] if a.get("table")}
    return models, {t["key"]: t for t in body.get("tables") or [] if t.get("key") in used}


def on_publish(runtime: Runtime, session: Session, doc: Document, before: int | None,
               version: DocumentVersion, user_id: int | None = None) -> int | None:
    """Start a re-score when the published version scores differently from the one before
    (the first version too, over the records already there); the run's id."""
    models, _tables = scoring_of(version.body)
    if not models:
        return None
    if before is not None:
        old = runtime.store.version(session, doc, before).body
        if scoring_of(old) == scoring_of(version.body):
            return None
    return start(runtime, session, doc.app_key, doc.key, version.body["form"], version.number,
                 before, user_id)


def start(runtime: Runtime, session: Session, app: str, ruleset: str, form: str, version: int,
          from_version: int | None = None, user_id: int | None = None) -> int:
    """Queue a re-score (the one already queued or running for this version, if any); a
    worker gets it after the commit."""
    found = session.scalar(sa.select(R.id).where(R.app_key == app, R.ruleset == ruleset,
                                                 R.version == version, R.status.in_(ACTIVE)))
    if found is not None:
        return found
    now = runtime.clock.now()
    run_id = session.execute(RUNS.insert().values(
        app_key=app, ruleset=ruleset, form_key=form, version=version,
        from_version=from_version, status="queued", processed=0, changed=0, last_id=0,
        requested_by=user_id, created_at=now)).inserted_primary_key[0]
    session.info.setdefault(AFTER_COMMIT, []).append(lambda: launch(runtime, run_id))
    return run_id


def launch(runtime: Runtime, run_id: int) -> None:
    """Hand a run to a worker (without one, the periodic task ``resume_rescores`` runs it)."""
    handler = runtime.background.get("rescore")
    if handler is not None:
        handler(str(run_id))


def resume_stalled(runtime: Runtime, now: datetime) -> int:
    """Run here the re-scores no worker took or whose runner stopped; how many."""
    with runtime.session(read_only=True) as session:
        found = list(session.scalars(sa.select(R.id).where(
            leases.claimable(RUNS, now, STALE)).order_by(R.id)))
    for run_id in found:
        Rescorer(runtime, run_id).run()
    return len(found)


# -- reading ------------------------------------------------------------------------------------
def progress(session: Session, app: str, ruleset: str, run_id: int | None = None
             ) -> list[dict]:
    """Runs of a ruleset, newest first (``run_id``: that one)."""
    query = sa.select(RUNS).where(R.app_key == app, R.ruleset == ruleset)
    query = query.where(R.id == run_id) if run_id is not None else query.order_by(
        R.id.desc()).limit(20)
    return [as_json(row) for row in session.execute(query).mappings()]


def rescore_of(session: Session, app: str, ruleset: str, version: int) -> int | None:
    """The newest re-score of a ruleset version (None: there is none)."""
    return session.scalar(sa.select(sa.func.max(R.id)).where(
        R.app_key == app, R.ruleset == ruleset, R.version == version))


def as_json(row: Mapping) -> dict:
    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment is not None else None

    return {"id": row["id"], "ruleset": row["ruleset"], "form": row["form_key"],
            "version": row["version"], "from_version": row["from_version"],
            "status": row["status"], "total": row["total"], "processed": row["processed"],
            "changed": row["changed"], "error": row["error"],
            "created_at": iso(row["created_at"]), "started_at": iso(row["started_at"]),
            "finished_at": iso(row["finished_at"])}


# -- running ------------------------------------------------------------------------------------
class Rescorer:
    """One run of a re-score, batch by batch."""

    def __init__(self, runtime: Runtime, run_id: int, batch: int = BATCH):
        self.rt = runtime
        self.run_id = run_id
        self.batch = batch

    def run(self, max_batches: int | None = None) -> str:
        """Claim the run and go over its records (``max_batches``: stop after so many, the
        run left running: for tests of a job killed half-way)."""
        if not self._claim():
            return f"re-score {self.run_id}: not queued, or running elsewhere"
        try:
            return self._run(max_batches)
        except Exception as exc:
            log.exception("re-score %s failed", self.run_id)
            self._finish("failed", f"{type(exc).__name__}: {exc}"[:4000])
            raise

    def _run(self, max_batches: int | None) -> str:
        ls = self._ruleset()
        if ls is None:
            self._finish("superseded")
            return f"re-score {self.run_id}: a newer version was published"
        self._measure(ls)
        batches = 0
        while max_batches is None or batches < max_batches:
            if batches and self.rt.engine.dialect.name == "sqlite":
                time.sleep(YIELD)  # SQLite's writers queue for one lock: let them in
            with paused_gc():  # a thousand records' short-lived objects (jobs.memory)
                more = self._batch(ls)
            batches += 1
            if more is None:
                return f"re-score {self.run_id}: taken over by another runner"
            if not more:
                self._finish("done")
                return f"re-score {self.run_id} done"
        return f"re-score {self.run_id}: stopped after {batches} batch(es)"

    def _claim(self) -> bool:
        return leases.claim(self.rt, RUNS, self.run_id, STALE)

    def _ruleset(self) -> LoadedRuleset | None:
        """The ruleset version the run scores by, if it is still the published one."""
        with self.rt.session(read_only=True) as session:
            run = session.execute(sa.select(RUNS).where(R.id == self.run_id)).mappings().one()
            self.app, self.form = run["app_key"], run["form_key"]
            loaded = self.rt.rules.app(session, self.app).by_form.get(self.form, ())
        return next((ls for ls in loaded if ls.key == run["ruleset"]
                     and ls.version == run["version"]), None)

    def _measure(self, ls: LoadedRuleset) -> None:
        """On the first start: the last record the run covers, and how many there are."""
        with self.rt.session() as session, session.begin():
            if session.scalar(sa.select(R.max_id).where(R.id == self.run_id)) is not None:
                return
            table = self.rt.plan(session, self.app, ls.form).table
            last = session.scalar(sa.select(sa.func.max(table.c.id))) or 0
            total = session.scalar(sa.select(sa.func.count()).select_from(table).where(
                table.c.deleted_at.is_(None), table.c.id <= last))
            session.execute(RUNS.update().where(R.id == self.run_id)
                            .values(max_id=last, total=total))

    def _batch(self, ls: LoadedRuleset) -> bool | None:
        """Score the next batch in one transaction: True when there may be more, False when
        the run is through, None when another runner holds it now."""
        now = self.rt.clock.now()
        with self.rt.session() as session, session.begin():
            run = session.execute(sa.select(RUNS).where(R.id == self.run_id)
                                  .with_for_update()).mappings().one()
            if run["status"] != "running":
                return None
            executor = Executor(self.rt, session, self.app, now)
            records = executor.records(ls.form)
            table = records.table
            rows = list(session.execute(
                sa.select(table).where(table.c.id > run["last_id"], table.c.id <= run["max_id"],
                                       table.c.deleted_at.is_(None))
                .order_by(table.c.id).limit(self.batch).with_for_update()).mappings())
            if not rows:
                return False
            changed = BatchScorer(executor, ls, now).score(records.formula_values(rows))
            session.execute(RUNS.update().where(R.id == self.run_id).values(
                last_id=rows[-1]["id"], processed=R.processed + len(rows),
                changed=R.changed + changed, heartbeat_at=now))
        return True

    def _finish(self, status: str, error: str | None = None) -> None:
        now = self.rt.clock.now()
        with self.rt.session() as session, session.begin():
            session.execute(RUNS.update().where(R.id == self.run_id).values(
                status=status, error=error, finished_at=now, heartbeat_at=now))


class BatchScorer:
    """The re-score of a batch of records, in the caller's transaction."""

    def __init__(self, executor: Executor, ls: LoadedRuleset, now: datetime):
        self.executor = executor
        self.ls = ls
        self.now = now
        self.ledger = Ledger(executor.session, executor.app_key, ls.form, now)
        self.listens = any(r.enabled and r.trigger.get("on") == "threshold"
                           for r in ls.compiled.rules)

    def score(self, records: list[dict]) -> int:
        """Book the batch's lines, write the moved scores; the number of records moved."""
        first, last = records[0]["id"], records[-1]["id"]
        held = {m.key: self.ledger.totals_between(m.key, first, last) for m in self.ls.models}
        lines: list[tuple[int, Line]] = []
        quiet: dict[tuple[str, ...], list[dict]] = {}  # moved scores, by the columns written
        crossed: list[tuple[dict, list]] = []
        for record in records:
            values: dict[str, Any] = {}
            crossings: list = []
            for model in self.ls.models:
                found = self._model(model, record, held[model.key].get(record["id"]) or Totals())
                if found is None:
                    continue
                booked, score, old = found
                lines += [(record["id"], line) for line in booked]
                values[model.field] = int(score) if model.whole else score
                crossed_now = model.crossings(old, score)
                crossings += [(model, t, d) for t, d in crossed_now]
                stage = model.stage(score)
                if crossed_now and model.stage_field and stage is not None:
                    values[model.stage_field] = stage
            if values:
                quiet.setdefault(tuple(sorted(values)), []).append({"_id": record["id"],
                                                                    **values})
            if crossings:
                crossed.append((record, crossings))
        self._book(lines)
        self._write_quietly(quiet)
        if self.listens:  # the threshold rules, one level deeper, as for any write
            for record, crossings in crossed:
                self.executor.after_booking(Pass(self.ls, Event("rescore", record),
                                                 record["id"], None), crossings)
        return sum(len(v) for v in quiet.values())

    def _model(self, model: ScoreModel, record: Mapping, totals: Totals
               ) -> tuple[list[Line], float, float] | None:
        """The lines ``model`` books on ``record``, the score after them and before."""
        found: list[Line] = []
        stored = record.get(model.field)
        if stored is not None and model.round(float(stored) - totals.total):
            # a score set where no write booked it: the ledger takes it first
            manual = Line(model.key, "manual", None, model.round(float(stored) - totals.total))
            found.append(manual)
            totals = Totals(dict(totals.attributes), dict(totals.behaviours), totals.clamp,
                            totals.total)
            totals.add(manual)
        old = totals.total
        rescored = model.rescore_lines(record, totals.attributes)
        if not rescored and not found:
            return None
        rescored, score = model.result(totals.total, totals.raw, totals.clamp, rescored)
        return found + rescored, score, old

    def _book(self, lines: list[tuple[int, Line]]) -> None:
        at, app, form = self.now, self.executor.app_key, self.ls.form
        ruleset, version = self.ls.key, self.ls.version
        INSERT.run_values(self.executor.session.connection(), [
            (at, app, form, record_id, ruleset, version, line.model, line.kind, line.key,
             line.points, line.reason, None, None, None) for record_id, line in lines])

    def _write_quietly(self, quiet: Mapping[tuple[str, ...], list[dict]]) -> None:
        """The moved scores (no threshold crossed) in one statement per set of fields: the
        ledger lines are their history."""
        records = self.executor.records(self.ls.form)
        table, plan = records.table, records.plan
        conn = self.executor.session.connection()
        for keys, found in quiet.items():
            rows = []
            for item in found:
                row: dict[str, Any] = {}
                for key in keys:
                    row.update(plan.ftype(key).to_row(item[key], plan.by_key[key]))
                rows.append(row)
            columns = [*rows[0], "updated_at"]
            bulk_update(table, columns).run(conn, [
                (*row.values(), self.now, item["_id"])
                for row, item in zip(rows, found, strict=True)])

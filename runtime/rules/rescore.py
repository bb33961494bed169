"""Re-scoring: after a ruleset version changes its scoring models (attributes, their tables,
bounds), a background job goes over the form's records and books, for each, the difference
between what its attribute lines hold and what the new version gives, as ``rescore`` lines —
the old lines stay, so the ledger tells what each version gave.

The job reads and scores a batch of records locking nothing, then writes it in a short
transaction (the records' rows locked on PostgreSQL; SQLite's writers take turns), checking
first that none of them changed in between (``rescore_batch``: else the batch is worked out
again under the lock). On PostgreSQL the batches are read in a thread and written by two
others at once, committed in order; on SQLite a batch is read between two writes, outside the
write lock, which is what lets the form's writers in. Each write moves the run's cursor
(``last_id``) on in its transaction, so a killed job goes on where it stopped and never books a
record twice. Records created after the run started are scored by the new version already and
are left out (``max_id``).

Moved scores, and the stages of the records that crossed a threshold, are written in one
statement per batch: the ledger is their history (no audit entry and no record event per
record, so ``field_changed`` rules on the stage do not fire from a re-score); the threshold
rules of each crossing fire as for any write (their actions go through the records service).

Who runs it: a worker (``app.jobs.run_rescore``, handed the run at publish), or the periodic
task ``resume_rescores`` for a run no worker took or whose runner stopped beating.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cached_property
from queue import Queue
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from runtime.jobs import leases
from runtime.jobs.memory import paused_gc
from runtime.rules.executor import Executor
from runtime.rules.jobs import AFTER_COMMIT
from runtime.rules.models import Rescore
from runtime.rules.published import LoadedRuleset
from runtime.rules.rescore_batch import BatchReader, Outcome, Prepared, write

if TYPE_CHECKING:
    from metadata.models import Document, DocumentVersion
    from runtime.context import Runtime

log = logging.getLogger(__name__)
RUNS = Rescore.__table__
R = RUNS.c
BATCH = 1000  # records per transaction
COLLECT = 10  # batches between two passes of the cyclic garbage collector
LANES = 2  # PostgreSQL: batches written at once (each its own transaction and connection)
TURN_WAIT = 300.0  # seconds a written batch waits for the one before it to be committed
STALE = timedelta(seconds=60)  # a running re-score whose runner has not beaten for this long
ACTIVE = ("queued", "running")


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
@dataclass
class Work:
    """A run under way: what it reads with, where its commits are, how far it may go."""

    ls: LoadedRuleset
    reader: BatchReader
    turns: Turns
    max_id: int
    max_batches: int | None
    handed: int = 0  # batches handed to the lanes
    batches: int = 0  # batches committed

    @cached_property
    def listens(self) -> bool:
        """Whether threshold rules fire on the crossings (their actions may touch other
        records)."""
        return any(r.enabled and r.trigger.get("on") == "threshold"
                   for r in self.ls.compiled.rules)

    def more(self) -> bool:
        """Whether another batch may be read (``max_batches`` counts those handed out)."""
        return self.max_batches is None or max(self.handed, self.batches) < self.max_batches


class Turns:
    """The order batches are committed in: a lane that wrote its batch waits until the batch
    before it is committed (the run's cursor moves in order); a lane that fails or finds the
    run taken over breaks the turns, and the others give up."""

    def __init__(self, cursor: int):
        self._turn = threading.Condition()
        self.done = cursor  # the last id of the last batch committed
        self.broken = False

    def wait(self, after: int) -> bool:
        """Wait until the batch that ends at ``after`` is committed; False: given up."""
        with self._turn:
            self._turn.wait_for(lambda: self.done == after or self.broken, TURN_WAIT)
            return self.done == after and not self.broken

    def passed(self, last: int) -> None:
        with self._turn:
            self.done = last
            self._turn.notify_all()

    def breaks(self) -> None:
        with self._turn:
            self.broken = True
            self._turn.notify_all()


class Lost(Exception):
    """The run is not this runner's any more: the batch's transaction is rolled back."""


class Rescorer:
    """One run of a re-score, batch by batch: each batch read and scored locking nothing,
    then written. On SQLite one after the other (the form's writers get the write lock while
    a batch is read); on PostgreSQL the batches are read in one thread and written by
    ``LANES`` others at once, each batch committed after the one before it."""

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
        cursor, max_id = self._measure(ls)
        with self.rt.session(read_only=True) as session:
            reader = BatchReader(ls, self.rt.plan(session, self.app, ls.form), self.batch)
        work = Work(ls, reader, Turns(cursor), max_id, max_batches)
        with paused_gc():
            if self.rt.engine.dialect.name == "sqlite":
                ended = self._in_turn(work)
            else:
                ended = self._in_lanes(work, 1 if work.listens else LANES)
        if ended == "done":
            self._finish("done")
            return f"re-score {self.run_id} done"
        if ended == "lost":
            return f"re-score {self.run_id}: taken over by another runner"
        return f"re-score {self.run_id}: stopped after {work.batches} batch(es)"

    def _in_turn(self, work: Work) -> str:
        """Read a batch, write it, and so on (SQLite)."""
        after = work.turns.done
        while work.more():
            prepared = self._prepare(work.reader, after, work.max_id)
            if prepared is None:
                return "done"
            if not self._commit(work, prepared):
                return "lost"
            after = prepared.last
        return "stopped"

    def _in_lanes(self, work: Work, lanes: int) -> str:
        """Read the batches in one thread, write them in ``lanes`` others (PostgreSQL)."""
        queue: Queue[Prepared | None] = Queue(maxsize=lanes)
        with ThreadPoolExecutor(lanes + 1, thread_name_prefix="rescore") as pool:
            writers = [pool.submit(self._lane, work, queue) for _ in range(lanes)]
            try:
                after = work.turns.done
                coming = pool.submit(self._prepare, work.reader, after, work.max_id)
                ended = "stopped"
                while work.more() and not work.turns.broken:
                    prepared = coming.result()
                    if prepared is None:
                        ended = "done"
                        break
                    coming = pool.submit(self._prepare, work.reader, prepared.last,
                                         work.max_id)
                    queue.put(prepared)
                    work.handed += 1
                coming.cancel()
            finally:
                for _ in writers:
                    queue.put(None)
            for writer in writers:
                writer.result()  # a lane's failure, raised here
        return "lost" if work.turns.broken else ended

    def _lane(self, work: Work, queue: Queue[Prepared | None]) -> None:
        """Commit the batches handed out until told to stop (after a failure or a lost run
        it takes the rest without writing them: the reader never waits on a full queue)."""
        failure: BaseException | None = None
        while (prepared := queue.get()) is not None:
            if work.turns.broken:
                continue
            try:
                if not self._commit(work, prepared):
                    work.turns.breaks()
            except BaseException as exc:
                failure = exc
                work.turns.breaks()
        if failure is not None:
            raise failure

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

    def _measure(self, ls: LoadedRuleset) -> tuple[int, int]:
        """On the first start: the last record the run covers, and how many there are; the
        cursor and that last id."""
        with self.rt.session() as session, session.begin():
            run = session.execute(sa.select(R.last_id, R.max_id).where(
                R.id == self.run_id)).one()
            if run.max_id is not None:
                return run.last_id, run.max_id
            table = self.rt.plan(session, self.app, ls.form).table
            last = session.scalar(sa.select(sa.func.max(table.c.id))) or 0
            total = session.scalar(sa.select(sa.func.count()).select_from(table).where(
                table.c.deleted_at.is_(None), table.c.id <= last))
            session.execute(RUNS.update().where(R.id == self.run_id)
                            .values(max_id=last, total=total))
        return run.last_id, last

    def _prepare(self, reader: BatchReader, after: int, max_id: int) -> Prepared | None:
        """The next batch read and scored in a read transaction of its own."""
        with self.rt.session(read_only=True) as session, session.begin():
            executor = Executor(self.rt, session, self.app, self.rt.clock.now())
            return reader.prepare(executor, after, max_id)

    def _commit(self, work: Work, prepared: Prepared) -> bool:
        """Write a prepared batch in one transaction (worked out again under the lock when
        one of its records changed meanwhile), committed in its turn; False when another
        runner holds the run."""
        now = self.rt.clock.now()
        try:
            with self.rt.session() as session, session.begin():
                executor = Executor(self.rt, session, self.app, now)
                if not work.reader.still(executor, prepared):
                    again = work.reader.prepare(executor, prepared.after, prepared.last,
                                                lock=True)
                    prepared = replace(again, last=prepared.last) if again is not None else \
                        replace(prepared, count=0, outcome=Outcome())  # deleted meanwhile
                write(executor, work.ls, prepared.outcome, work.listens)
                if not work.turns.wait(prepared.after):
                    raise Lost
                run = session.execute(sa.select(R.status, R.last_id).where(
                    R.id == self.run_id).with_for_update()).one()
                if run.status != "running" or run.last_id != prepared.after:
                    raise Lost
                session.execute(RUNS.update().where(R.id == self.run_id).values(
                    last_id=prepared.last, processed=R.processed + prepared.count,
                    changed=R.changed + prepared.outcome.changed, heartbeat_at=now))
        except Lost:
            return False
        work.turns.passed(prepared.last)
        work.batches += 1
        if work.batches % COLLECT == 0:  # the batches' cycles, young: a quick pass
            gc.collect(1)
        return True

    def _finish(self, status: str, error: str | None = None) -> None:
        now = self.rt.clock.now()
        with self.rt.session() as session, session.begin():
            session.execute(RUNS.update().where(R.id == self.run_id).values(
                status=status, error=error, finished_at=now, heartbeat_at=now))

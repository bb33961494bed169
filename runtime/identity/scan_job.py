"""Running a "find duplicates" scan: first key every live record of the form again under its
published rules (one transaction), then match the records, oldest first, a batch per
transaction (``scanning.BatchMatcher``), each batch committed with the scan's progress — the
last record examined, the records merged and the pairs queued — so a job killed half-way is
resumed after the last record it kept and never merges twice.

Who runs it: an RQ worker (``app.jobs.run_identity_scan``), or the periodic ``resume_scans``
task for a scan whose job stopped beating (a killed worker, a flushed Redis). Two runners
never work on one scan: each batch moves ``last_id`` on only from where the runner found it.
Records created after the scan started went through online resolution: the scan stops at the
newest record of when it started.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from metadata.errors import Problem, TrellisError
from metadata.messages import msg
from runtime.identity.merging import Merger
from runtime.identity.scanning import SCAN_VIA, BatchMatcher
from runtime.identity.scans import SCANS, require_scanner
from runtime.jobs import leases
from runtime.storage.records import Records

if TYPE_CHECKING:
    from runtime.context import Runtime

log = logging.getLogger(__name__)
BATCH = 500
STALE = timedelta(seconds=60)  # a running scan whose job has not beaten for this long
INACTIVE = msg("the account that started this scan is no longer active")
FAILED = msg("an internal error occurred; it has been logged")
TAKEN = "taken over by another runner"
Progress = dict  # the scan's row as scans.scan_json gives it


def claim(runtime: Runtime, scan_id: int) -> bool:
    """Take a scan to run: one queued, or running with a job that stopped beating."""
    return leases.claim(runtime, SCANS, scan_id, STALE)


def stalled(session: Session, now) -> list[int]:
    """Scans whose runner stopped (to resume), queued ones whose job never ran included."""
    return leases.stalled(session, SCANS, now, STALE)


class ScanJob:
    """One run of a scan, from the record after the last one kept to the scan's end."""

    def __init__(self, runtime: Runtime, scan_id: int,
                 on_progress: Callable[[Progress], None] | None = None,
                 words: Callable[[Any], str] = str):
        self.runtime = runtime
        self.scan_id = scan_id
        self.on_progress = on_progress
        self.words = words  # a message in the language of who started it

    def run(self) -> str:
        if not claim(self.runtime, self.scan_id):
            return f"scan {self.scan_id}: nothing to do"
        try:
            done = self._run()
        except _TakenOver:
            return f"scan {self.scan_id}: {TAKEN}"
        except Exception as exc:
            self._fail(exc)
            raise
        return f"scan {self.scan_id}: {done}"

    def _run(self) -> str:
        scan = self._read()
        self.app_key, self.form_key = scan["app_key"], scan["form_key"]
        self.last_id, self.until_id = scan["last_id"], scan["until_id"]
        with self.runtime.session(read_only=True) as session:
            principal = self.runtime.directory.principal(session, scan["user_id"])
        if principal is None:
            raise TrellisError([Problem("", INACTIVE)], status=403)
        self.principal = principal
        if scan["phase"] == "keys":
            self._keys()
        while self._batch():
            pass
        done = self._update(status="done", finished_at=self.runtime.clock.now())
        return (f"{done['processed']} record(s): {done['merged']} merged, {done['queued']} "
                f"queued for review")

    def _records(self, session: Session) -> Records:
        plan = self.runtime.plan(session, self.app_key, self.form_key)
        records = self.runtime.records(session, plan, self.principal, via=SCAN_VIA)
        require_scanner(records)  # still allowed: rights may have been taken away meanwhile
        return records

    def _keys(self) -> None:
        """Key every live record again under the published rules; count what is to scan."""
        with self.runtime.session() as session, session.begin():
            records = self._records(session)
            store, table = records.identity, records.table
            store.rebuild(table, lambda rows: Merger(records, store).values(rows).items())
            if session.bind.dialect.name == "postgresql":
                # the keys were written wholesale: without fresh statistics the planner reads
                # a record's keys through the value index (100 ms a merge at 100k records)
                session.execute(sa.text("ANALYZE identity_keys, identity_blocks"))
            total, until = session.execute(sa.select(sa.func.count(), sa.func.max(table.c.id))
                                           .where(table.c.deleted_at.is_(None))).one()
            moved = session.execute(sa.update(SCANS).where(
                SCANS.c.id == self.scan_id, SCANS.c.phase == "keys",
                SCANS.c.status == "running").values(
                phase="matching", total=total, until_id=until or 0,
                heartbeat_at=self.runtime.clock.now()))
            if moved.rowcount != 1:
                raise _TakenOver()
        self.until_id = until or 0
        self._progress(self._read())

    def _batch(self) -> bool:
        """Match the next batch and keep its progress, in one transaction; False at the end."""
        with self.runtime.session() as session, session.begin():
            records = self._records(session)
            table = records.table
            rows = session.execute(sa.select(table).where(
                table.c.deleted_at.is_(None), table.c.id > self.last_id,
                table.c.id <= self.until_id).order_by(table.c.id).limit(BATCH)).mappings().all()
            if not rows:
                return False
            outcome = BatchMatcher(records, records.identity).run(rows)
            moved = session.execute(sa.update(SCANS).where(
                SCANS.c.id == self.scan_id, SCANS.c.last_id == self.last_id,
                SCANS.c.status == "running").values(
                last_id=rows[-1]["id"], heartbeat_at=self.runtime.clock.now(),
                processed=SCANS.c.processed + len(rows),
                merged=SCANS.c.merged + outcome.merged,
                queued=SCANS.c.queued + outcome.queued))
            if moved.rowcount != 1:
                raise _TakenOver()
            self.last_id = rows[-1]["id"]
        self._progress(self._read())
        return True

    def _progress(self, scan: Progress) -> None:
        if self.on_progress is not None:  # once the batch is kept for good
            self.on_progress(scan)

    def _read(self) -> Progress:
        with self.runtime.session(read_only=True) as session:
            return dict(session.execute(sa.select(SCANS).where(SCANS.c.id == self.scan_id))
                        .mappings().one())

    def _update(self, **values: Any) -> Progress:
        with self.runtime.session() as session, session.begin():
            session.execute(sa.update(SCANS).where(SCANS.c.id == self.scan_id).values(**values))
        return self._read()

    def _fail(self, exc: Exception) -> None:
        if isinstance(exc, TrellisError):
            reason = "; ".join(self.words(p.message) for p in exc.problems)
        else:
            log.exception("identity scan %s failed", self.scan_id)
            reason = self.words(FAILED)
        self._update(status="failed", error=reason, finished_at=self.runtime.clock.now())


class _TakenOver(Exception):
    """Another runner moved the scan on: this one stops (its batch is rolled back)."""

"""Running an import: its rows through the capture intake a batch at a time, each batch in one
transaction with the rows' outcomes, so a job killed half-way is resumed where it stopped and
never imports a row twice.

Who runs it: an RQ worker (``app.jobs.run_import``), the command line (``trellis import``, in
its own process), or the periodic ``resume_imports`` task for an import whose job stopped
beating (a killed worker, a flushed Redis). Two runners never work on one import: each batch
moves ``last_row`` on only from where the runner found it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from metadata.errors import Problem, TrellisError
from metadata.messages import msg
from runtime.capture.imports.files import UnreadableFile, count_rows, open_sheet
from runtime.capture.imports.mapping import RowReader
from runtime.capture.imports.models import Import, ImportRow
from runtime.capture.intake import Outcome, submit
from runtime.jobs import leases
from runtime.jobs.memory import paused_gc
from runtime.permissions import Principal
from runtime.storage.bulk import BulkInsert

if TYPE_CHECKING:
    from runtime.context import Runtime

log = logging.getLogger(__name__)
BATCH = 2000  # rows per transaction: fewer commits and round trips (PostgreSQL ×1.35)
STALE = timedelta(seconds=60)  # a running import whose job has not beaten for this long
IMPORTS = Import.__table__
ROWS = ImportRow.__table__
ROW_INSERT = BulkInsert(ROWS, ("import_id", "row", "outcome", "record_id", "merged", "merge_id",
                               "errors", "cells"))  # compiled once; COPY on PostgreSQL
INACTIVE = msg("the account that started this import is no longer active")
FAILED = msg("an internal error occurred; it has been logged")
TAKEN = "taken over by another runner"


def file_path(runtime: Runtime, import_id: str) -> Path:
    return Path(runtime.settings["import_dir"]) / f"{import_id}.upload"


@dataclass
class Progress:
    total: int | None
    processed: int
    created: int
    merged: int
    failed: int


def claim(runtime: Runtime, import_id: str) -> bool:
    """Take an import to run: one queued, or running with a job that stopped beating."""
    return leases.claim(runtime, IMPORTS, import_id, STALE)


def stalled(session: Session, now) -> list[str]:
    """Imports whose runner stopped (to resume) — queued ones included, in case their job
    never reached a worker."""
    return leases.stalled(session, IMPORTS, now, STALE)


class ImportJob:
    """One run of an import, from the row after the last one done to the end of the file."""

    def __init__(self, runtime: Runtime, import_id: str,
                 on_progress: Callable[[Progress], None] | None = None,
                 words: Callable[[Any], str] = str):
        self.runtime = runtime
        self.import_id = import_id
        self.on_progress = on_progress
        self.words = words  # a message in the importer's language (the adapter translates)

    def run(self) -> str:
        if not claim(self.runtime, self.import_id):
            return f"import {self.import_id}: nothing to do"
        try:
            done = self._run()
        except _TakenOver:
            return f"import {self.import_id}: {TAKEN}"
        except Exception as exc:
            self._fail(exc)
            raise
        return f"import {self.import_id}: {done}"

    def _run(self) -> str:
        with self.runtime.session(read_only=True) as session:
            imp = session.get(Import, self.import_id)
            self.app_key, self.form_key = imp.app_key, imp.form_key
            self.dry_run, self.last_row = imp.dry_run, imp.last_row
            self.mapping, self.header, self.format = imp.mapping, imp.header, imp.format
            principal = self.runtime.directory.principal(session, imp.user_id)
            total = imp.total
        if principal is None:
            raise TrellisError([Problem("", INACTIVE)], status=403)
        self.principal: Principal = principal
        path = file_path(self.runtime, self.import_id)
        if total is None:
            total = count_rows(path, self.format)
            self._update(total=total)
        _sheet, rows = open_sheet(path, self.format)
        pending = ((n, cells) for n, cells in rows if n > self.last_row)
        while batch := list(islice(pending, BATCH)):
            with paused_gc():  # a batch's thousands of short-lived objects (jobs.memory)
                self._batch(batch)
        progress = self._update(status="done", finished_at=self.runtime.clock.now())
        return (f"{progress.processed} row(s): {progress.created} created, {progress.merged} "
                f"merged, {progress.failed} failed")

    def _batch(self, batch: list[tuple[int, list[Any]]]) -> None:
        """Submit one batch and keep what became of each row, in one transaction."""
        with self.runtime.session() as session, session.begin():
            plan = self.runtime.plan(session, self.app_key, self.form_key)
            records = self.runtime.records(session, plan, self.principal, via="import")
            reader = RowReader(self.mapping, self.header, plan, f"import:{self.import_id}")
            payloads = [reader.values(cells) for _n, cells in batch]
            touches = [reader.touch(cells, n) for n, cells in batch]
            if self.dry_run:  # everything checked as for real, nothing kept
                nested = session.begin_nested()
                outcomes = submit(records, payloads, touches)
                nested.rollback()
            else:
                outcomes = submit(records, payloads, touches)
            progress = self._keep(session, batch, outcomes)
        if self.on_progress is not None:  # once the batch is kept for good
            self.on_progress(progress)

    def _keep(self, session: Session, batch: list[tuple[int, list[Any]]],
              outcomes: list[Outcome]) -> Progress:
        rows = []  # in ROW_INSERT's columns' order: no mapping per row
        counts: Counter[str] = Counter()
        for (n, cells), outcome in zip(batch, outcomes, strict=True):
            failed = outcome.outcome is None
            kind = "failed" if failed else outcome.outcome
            counts[kind] += 1
            record = outcome.record or {}
            rows.append((self.import_id, n, kind,
                         None if self.dry_run else record.get("id"),
                         outcome.merged or None,
                         None if self.dry_run else outcome.merge,
                         [{**e, "message": self.words(e["message"])}
                          for e in outcome.errors] or None,
                         [_jsonable(c) for c in cells] if failed else None))
        ROW_INSERT.run_values(session.connection(), rows)
        moved = session.execute(sa.update(IMPORTS).where(
            IMPORTS.c.id == self.import_id, IMPORTS.c.last_row == self.last_row,
            IMPORTS.c.status == "running").values(
            last_row=batch[-1][0], heartbeat_at=self.runtime.clock.now(),
            processed=IMPORTS.c.processed + len(rows),
            created=IMPORTS.c.created + counts["created"],
            merged=IMPORTS.c.merged + counts["merged"],
            failed=IMPORTS.c.failed + counts["failed"]))
        if moved.rowcount != 1:
            raise _TakenOver()
        self.last_row = batch[-1][0]
        return self._read(session)

    def _update(self, **values: Any) -> Progress:
        with self.runtime.session() as session, session.begin():
            session.execute(sa.update(IMPORTS).where(IMPORTS.c.id == self.import_id)
                            .values(**values))
            return self._read(session)

    def _read(self, session: Session) -> Progress:
        row = session.execute(sa.select(IMPORTS.c.total, IMPORTS.c.processed,
                                        IMPORTS.c.created, IMPORTS.c.merged, IMPORTS.c.failed)
                              .where(IMPORTS.c.id == self.import_id)).one()
        return Progress(*row)

    def _fail(self, exc: Exception) -> None:
        if isinstance(exc, TrellisError):
            reason = "; ".join(self.words(p.message) for p in exc.problems)
        elif isinstance(exc, UnreadableFile):
            reason = self.words(exc.args[0])
        else:
            log.exception("import %s failed", self.import_id)
            reason = self.words(FAILED)
        self._update(status="failed", error=reason, finished_at=self.runtime.clock.now())


class _TakenOver(Exception):
    """Another runner moved the import on: this one stops (its batch is rolled back)."""


def _jsonable(cell: Any) -> Any:
    return cell if cell is None or isinstance(cell, str | int | float | bool) else str(cell)


def failed_rows(session: Session, import_id: str) -> Iterator[tuple[int, list, list]]:
    """(row, cells, errors) of the rows that failed, in file order."""
    rows = session.execute(sa.select(ROWS.c.row, ROWS.c.cells, ROWS.c.errors).where(
        ROWS.c.import_id == import_id, ROWS.c.outcome == "failed").order_by(ROWS.c.row))
    for row, cells, errors in rows:
        yield row, cells or [], errors or []

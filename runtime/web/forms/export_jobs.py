"""Exports of long lists in the background: kept as an export of its requester, written by an
RQ job a page at a time (saying how far it got), then downloadable by the requester alone
until it expires."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app, g
from flask_babel import force_locale

from metadata.errors import Problem, TrellisError
from metadata.messages import msg
from runtime.exports.cells import Cell
from runtime.exports.formats import ExportFormat, build_format_registry
from runtime.exports.models import Export
from runtime.exports.store import KEEP, ExportStore
from runtime.permissions import Principal
from runtime.storage.query import list_records
from runtime.storage.records import Records
from runtime.web.forms.exporting import ExportSpec, ExportTable
from runtime.web.messages import translate

if TYPE_CHECKING:
    from runtime.context import Runtime

log = logging.getLogger(__name__)
FORMATS = build_format_registry()
EXPORT_QUEUE = "trellis_export_queue"  # app.extensions: hands an export's id to a worker
NO_QUEUE = msg("the background job could not be started (the job queue is not reachable); "
               "try again later")
INACTIVE = msg("the account that asked for this export is no longer active")
FAILED = msg("an internal error occurred; it has been logged")


def export_store(runtime: Runtime, session) -> ExportStore:
    hours = runtime.settings.get("export_keep_hours")
    return ExportStore(session, Path(runtime.settings["export_dir"]), runtime.clock.now(),
                       timedelta(hours=float(hours)) if hours else KEEP)


def start(runtime: Runtime, records: Records, spec: ExportSpec, fmt: ExportFormat, lang: str,
          name: str) -> Export:
    """Keep the export (committed: the job reads it) and hand it to a worker; a queue that
    cannot be reached fails it at once, with the reason."""
    store = export_store(runtime, records.session)
    plan = records.plan
    export = store.create(records.principal.user_id, plan.app_key, plan.form_key, fmt.key,
                          lang, spec.as_json(), name)
    records.session.commit()
    try:
        current_app.extensions[EXPORT_QUEUE](export.id)
    except Exception as exc:  # Redis down: say so rather than show a job that never moves
        log.warning("could not enqueue export %s: %s", export.id, exc)
        store.failed(export, translate(NO_QUEUE))
        records.session.commit()
    return export


def run(runtime: Runtime, export_id: str) -> str:
    """The job: write the export's file, then say where it is (or why it failed)."""
    with runtime.session() as session, session.begin():
        export = session.get(Export, export_id)
        if export is None or export.status != "queued":
            return f"export {export_id}: nothing to do"  # run already, or purged
        lang = export.lang
    g.setdefault("trellis_job", export_id)  # flask-babel keeps a forced locale in g
    with force_locale(lang):
        try:
            written = ExportJob(runtime, export_id).write()
        except Exception as exc:
            reason = "; ".join(translate(p.message) for p in exc.problems) \
                if isinstance(exc, TrellisError) else ""
            if not reason:
                log.exception("export %s failed", export_id)
            change(runtime, export_id, lambda store, e: store.failed(e, reason
                                                                      or translate(FAILED)))
            return f"export {export_id} failed: {reason or exc}"
    return f"export {export_id}: {written} row(s)"


def change(runtime: Runtime, export_id: str,
           changing: Callable[[ExportStore, Export], None]) -> None:
    """Change an export in a short transaction of its own (its page polls it)."""
    with runtime.session() as session, session.begin():
        export = session.get(Export, export_id)
        if export is not None:
            changing(export_store(runtime, session), export)


class ExportJob:
    """One export being written: each page of records read in a short transaction of its
    own (a long read would hold back SQLite's checkpoints), as its requester may read it."""

    def __init__(self, runtime: Runtime, export_id: str):
        self.runtime = runtime
        self.export_id = export_id
        self.written = 0

    def write(self) -> int:
        header, title, total = self._prepare()
        change(self.runtime, self.export_id, lambda store, e: store.started(e, total))
        self.partial.parent.mkdir(parents=True, exist_ok=True)
        with open(self.partial, "wb") as target:
            os.chmod(self.partial, 0o600)  # the requester's data: not for other local users
            self.fmt.write(target, title, header, self._rows())
        os.replace(self.partial, self.final)
        size = self.final.stat().st_size
        change(self.runtime, self.export_id,
               lambda store, e: store.finished(e, self.written, size))
        return self.written

    def _prepare(self) -> tuple[list[str], str, int]:
        with self.runtime.session(read_only=True) as session:
            export = session.get(Export, self.export_id)
            self.app_key, self.form_key, self.lang = export.app_key, export.form_key, export.lang
            self.spec, self.fmt = ExportSpec(**export.spec), FORMATS[export.format]
            store = export_store(self.runtime, session)
            self.partial, self.final = store.partial(export), store.path(export)
            principal = self.runtime.directory.principal(session, export.user_id)
            if principal is None:
                raise TrellisError(Problem("", INACTIVE))
            self.principal: Principal = principal
            records = self._records(session)
            header = ExportTable(self.runtime, records, self.spec.columns, self.lang).header()
            total = list_records(records, self.spec.query(per_page=1, exact=True)).total
        return header, records.plan.label(self.lang), total or 0

    def _records(self, session) -> Records:
        plan = self.runtime.plan(session, self.app_key, self.form_key)
        return self.runtime.records(session, plan, self.principal, via="ui")

    def _rows(self) -> Iterator[list[Cell]]:
        cursor = None
        while True:
            with self.runtime.session(read_only=True) as session:
                records = self._records(session)
                page = list_records(records, self.spec.query(cursor))
                rows = ExportTable(self.runtime, records, self.spec.columns, self.lang
                                   ).rows(page.records)
            yield from rows
            self.written += len(rows)
            change(self.runtime, self.export_id,
                   lambda store, e, done=self.written: store.progress(e, done))
            cursor = page.next_cursor
            if cursor is None:
                return

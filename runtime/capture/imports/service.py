"""Starting, previewing and undoing imports (the job runs them: ``job.py``).

Every step applies the importer's permissions: creating records of the form to start one;
the import's own person or one who may read all of the form's records to see it; deleting
records to undo it (a record the undoer may not delete, or that changed since the import, is
kept and reported).
"""

from __future__ import annotations

import secrets
import shutil
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import sqlalchemy as sa

from metadata.errors import Conflict, Forbidden, NotFound, Problem, TrellisError
from metadata.messages import msg
from runtime.capture.imports.files import Sheet, UnreadableFile, format_of, open_sheet
from runtime.capture.imports.job import ROWS, file_path
from runtime.capture.imports.mapping import RowReader, check, suggest
from runtime.capture.imports.models import Import
from runtime.identity.history import Unmerger
from runtime.storage.records import Records

if TYPE_CHECKING:
    from runtime.context import Runtime

PREVIEW_ROWS = 5
UNDO_BATCH = 500
NOT_A_SHEET = msg("choose a .csv or .xlsx file")


@dataclass
class Upload:
    name: str
    stream: IO[bytes]


def new_id() -> str:
    return secrets.token_hex(16)


def store_upload(runtime: Runtime, import_id: str, upload: Upload, max_bytes: int) -> Path:
    """Keep the uploaded file (at most ``max_bytes``) where the job will read it."""
    path = file_path(runtime, import_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with open(path, "wb") as target:
        while chunk := upload.stream.read(1024 * 1024):
            written += len(chunk)
            if written > max_bytes:
                target.close()
                path.unlink(missing_ok=True)
                raise TrellisError([Problem("/file", msg(
                    "the file is larger than %(mb)s MB", mb=max_bytes // (1024 * 1024)))],
                    status=413)
            target.write(chunk)
    return path


def read_sheet(path: Path, file_format: str) -> tuple[Sheet, list[tuple[int, list[Any]]]]:
    """The sheet and its first rows, or a 400 that says why the file cannot be read."""
    try:
        sheet, rows = open_sheet(path, file_format)
        first = [cells for _, (_n, cells) in zip(range(PREVIEW_ROWS), rows, strict=False)]
    except UnreadableFile as exc:
        raise TrellisError([Problem("/file", exc.args[0])]) from None
    return sheet, first


def start(runtime: Runtime, records: Records, upload: Upload, mapping: Any, dry_run: bool,
          lang: str, draft: bool = False) -> Import:
    """Keep the file and the import (queued, or a ``draft`` whose mapping the person edits
    before it runs; the caller commits, then hands a queued one to a job); a mapping left out
    is suggested from the column names."""
    records.access.require("create", records.plan.label("en") or records.plan.form_key)
    file_format = format_of(upload.name or "")
    if file_format is None:
        raise TrellisError([Problem("/file", NOT_A_SHEET)], status=415)
    import_id = new_id()
    path = store_upload(runtime, import_id, upload, runtime.settings["import_max_bytes"])
    try:
        sheet, _first = read_sheet(path, file_format)
        if mapping is None:
            mapping = suggest(sheet.header, records.plan)
        problems = check(mapping, sheet.header, records.plan)
        if problems:
            raise TrellisError(problems, status=422)
    except TrellisError:
        path.unlink(missing_ok=True)
        raise
    imp = Import(id=import_id, user_id=records.principal.user_id, app_key=records.plan.app_key,
                 form_key=records.plan.form_key, file_name=(upload.name or "")[:255],
                 format=file_format, encoding=sheet.encoding, header=sheet.header,
                 mapping={k: v for k, v in mapping.items() if v}, dry_run=dry_run, lang=lang,
                 status="draft" if draft else "queued", processed=0, created=0, merged=0,
                 failed=0, last_row=1,
                 created_at=runtime.clock.now())
    records.session.add(imp)
    records.session.flush()
    return imp


def preview(runtime: Runtime, records: Records, imp: Import) -> list[dict]:
    """The first rows as they would be stored — values after cleaning and formulas, or the
    problems that would refuse them — without writing anything."""
    path = file_path(runtime, imp.id)
    _sheet, first = read_sheet(path, imp.format)
    reader = RowReader(imp.mapping, imp.header, records.plan, f"import:{imp.id}")
    return records.check_new([reader.values(cells) for cells in first])


def get(records: Records, import_id: str) -> Import:
    """An import its reader may see: their own, or any of the form for one who reads all."""
    imp = records.session.get(Import, import_id)
    plan = records.plan
    if imp is None or (imp.app_key, imp.form_key) != (plan.app_key, plan.form_key):
        raise NotFound([Problem("", msg("no such import"))])
    if imp.user_id != records.principal.user_id and \
            records.access.scope("read") != "all":
        raise NotFound([Problem("", msg("no such import"))])
    return imp


def remap(records: Records, imp: Import, mapping: Any) -> list[Problem]:
    """Change a draft's mapping; its problems (the mapping is kept only without any)."""
    _require_draft(imp)
    problems = check(mapping, imp.header, records.plan)
    if not problems:
        imp.mapping = {k: v for k, v in mapping.items() if v}
    return problems


def run_draft(imp: Import, dry_run: bool) -> None:
    """Queue a draft for its job (the caller commits, then launches it)."""
    _require_draft(imp)
    imp.dry_run, imp.status = dry_run, "queued"


def again(runtime: Runtime, records: Records, imp: Import) -> Import:
    """A draft of the same file and mapping (after a dry run: the import for real)."""
    copy = Import(id=new_id(), user_id=records.principal.user_id, app_key=imp.app_key,
                  form_key=imp.form_key, file_name=imp.file_name, format=imp.format,
                  encoding=imp.encoding, header=imp.header, mapping=imp.mapping,
                  dry_run=False, lang=imp.lang, status="draft", processed=0, created=0,
                  merged=0, failed=0, last_row=1, created_at=runtime.clock.now())
    shutil.copyfile(file_path(runtime, imp.id), file_path(runtime, copy.id))
    records.session.add(copy)
    records.session.flush()
    return copy


def _require_draft(imp: Import) -> None:
    if imp.status != "draft":
        raise Conflict([Problem("/status", msg("this import has started already"))])


def begin_undo(records: Records, imp: Import, now) -> None:
    """Mark an import for undoing (a job does it): one that wrote records, not undone yet;
    by one who may delete the form's records."""
    records.access.require("delete", records.plan.label("en") or records.plan.form_key)
    if imp.dry_run or imp.status not in ("done", "failed"):
        raise Conflict([Problem("/status", msg(
            "only a finished import can be undone (this one is %(status)s)",
            status=imp.status))])
    imp.status, imp.undone_by, imp.undo_report = "undoing", records.principal.user_id, None


def finish_undo(runtime: Runtime, import_id: str, report: UndoReport) -> None:
    with runtime.session() as session, session.begin():
        imp = session.get(Import, import_id)
        imp.status, imp.undone_at = "undone", runtime.clock.now()
        imp.undo_report = report.as_dict()


@dataclass
class UndoReport:
    removed: int = 0
    kept: list[dict] = field(default_factory=list)  # {"row", "id", "reason"}
    unmerged: int = 0  # merges the import made, undone

    def as_dict(self) -> dict:
        return {"removed": self.removed, "unmerged": self.unmerged, "kept": self.kept}


def undo(runtime: Runtime, records_for: Callable[[Any], Records], import_id: str,
         words: Callable[[Any], str] = str) -> UndoReport:
    """Undo an import: first the merges it made (newest first, each in its own savepoint),
    then remove the records it created (a batch per transaction); a record changed since, or
    one the undoer may not delete, is kept and reported, as is a merge that cannot be undone
    (its records merged again later)."""
    report = UndoReport()
    touched = _undo_merges(runtime, records_for, import_id, report, words)
    after = 0
    while True:
        with runtime.session() as session, session.begin():
            records = records_for(session)
            batch = session.execute(sa.select(ROWS.c.id, ROWS.c.row, ROWS.c.record_id,
                                              ROWS.c.outcome)
                                    .where(ROWS.c.import_id == import_id, ROWS.c.id > after,
                                           ROWS.c.outcome == "created")
                                    .order_by(ROWS.c.id).limit(UNDO_BATCH)).all()
            if not batch:
                return report
            _undo_rows(records, batch, report, words, touched)
            after = batch[-1].id


def _undo_merges(runtime: Runtime, records_for: Callable[[Any], Records], import_id: str,
                 report: UndoReport, words: Callable[[Any], str]) -> Counter:
    """Undo the merges the import made, newest first; how many versions each record gained
    from a merge and its undo (so a record created by the import is still "unchanged")."""
    touched: Counter = Counter()
    with runtime.session() as session, session.begin():
        records = records_for(session)
        merges = session.execute(sa.select(ROWS.c.row, ROWS.c.record_id, ROWS.c.merge_id)
                                 .where(ROWS.c.import_id == import_id,
                                        ROWS.c.merge_id.is_not(None))
                                 .order_by(ROWS.c.merge_id.desc())).all()
        unmerger = Unmerger(records)
        for row in merges:
            savepoint = session.begin_nested()
            try:
                done = unmerger.undo(row.merge_id)
            except (Conflict, NotFound) as exc:
                savepoint.rollback()
                report.kept.append({"row": row.row, "id": row.record_id, "reason": words(
                    exc.problems[0].message if exc.problems else "")})
                continue
            savepoint.commit()
            report.unmerged += 1
            for record_id in (done["survivor"], *done["restored"]):
                touched[record_id] += 2
    return touched


def _undo_rows(records: Records, batch: Sequence, report: UndoReport,
               words: Callable[[Any], str], touched: Counter) -> None:
    for row in batch:
        savepoint = records.session.begin_nested()
        try:
            records.delete(row.record_id, expected_version=1 + touched[row.record_id])
        except Conflict:
            savepoint.rollback()
            report.kept.append({"row": row.row, "id": row.record_id, "reason": words(msg(
                "changed since the import: kept"))})
            continue
        except (Forbidden, NotFound) as exc:
            savepoint.rollback()
            reason = words(exc.problems[0].message) if exc.problems else ""
            if isinstance(exc, NotFound):
                continue  # deleted since: nothing to undo
            report.kept.append({"row": row.row, "id": row.record_id, "reason": reason})
            continue
        savepoint.commit()
        report.removed += 1


def remove_file(runtime: Runtime, import_id: str) -> None:
    file_path(runtime, import_id).unlink(missing_ok=True)


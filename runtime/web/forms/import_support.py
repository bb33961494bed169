"""What the import pages and the imports API share: handing an import to a worker, and the
download of its failed rows."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import quote

from flask import Response, current_app

from runtime.capture.imports import service
from runtime.capture.imports.job import failed_rows
from runtime.capture.imports.models import Import
from runtime.storage.records import Records
from runtime.web import current_runtime, db_session

NO_QUEUE = "the background job could not be started (the job queue is not reachable); " \
           "try again later"


def launch(kind: str, import_id: str) -> None:
    """Hand the import to a worker; a queue that cannot be reached fails it at once."""
    try:
        current_runtime().background[kind](import_id)
    except Exception as exc:  # Redis down: say so rather than show a job that never moves
        current_app.logger.warning("could not enqueue %s %s: %s", kind, import_id, exc)
        session = db_session()
        imp = session.get(Import, import_id)
        # an undo that cannot start leaves the import as it was; an import fails at once
        imp.status = "done" if kind == "import_undo" else "failed"
        imp.error = NO_QUEUE
        session.commit()



def errors_csv(records: Records, import_id: str) -> Response:
    """The failed rows of an import its reader may see, as CSV (UTF-8 with a BOM, for
    Excel): the file's columns as they were, then why each row failed. A cell that would
    start a formula in a spreadsheet is quoted."""
    imp = service.get(records, import_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", *imp.header, "errors"])
    for row, cells, problems in failed_rows(records.session, imp.id):
        text = "; ".join(f"{p['path'].lstrip('/') or '-'}: {p['message']}" for p in problems)
        writer.writerow([row, *[_safe(c) for c in cells], text])
    name = imp.file_name.rsplit(".", 1)[0] + "-errors.csv"
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}"})


def _safe(cell: Any) -> Any:
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return "" if cell is None else cell

"""Imports of CSV and XLSX files into a form: start one (202; a worker imports it), ask how far
it got, download its failed rows, undo it."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, jsonify, request

from metadata.errors import Problem, TrellisError
from runtime.api.access import require
from runtime.api.records import BASE, records_for
from runtime.capture.imports import service
from runtime.capture.imports.models import Import
from runtime.capture.imports.service import Upload
from runtime.storage.records import iso
from runtime.web import current_runtime, db_session
from runtime.web.forms.import_support import errors_csv, launch
from runtime.web.messages import ui_lang
from runtime.web.routes import GET, POST, Route

IMPORTS = BASE.rsplit("/", 1)[0] + "/imports"


def mapping_of(raw: str | None) -> Any:
    """The ``mapping`` part: JSON of column name → field key (absent: suggested)."""
    if raw is None or not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise TrellisError([Problem("/mapping", f"is not valid JSON: {exc}")]) from None


def flag(raw: str | None, name: str) -> bool:
    value = (raw or "").strip().lower()
    if value not in ("", "0", "1", "true", "false"):
        raise TrellisError([Problem(f"/{name}", "must be 0, 1, true or false")])
    return value in ("1", "true")


def status_json(imp: Import) -> dict[str, Any]:
    return {"id": imp.id, "status": imp.status, "file_name": imp.file_name,
            "format": imp.format, "encoding": imp.encoding, "dry_run": imp.dry_run,
            "mapping": imp.mapping, "total": imp.total, "processed": imp.processed,
            "created": imp.created, "merged": imp.merged, "failed": imp.failed,
            "error": imp.error, "created_at": iso(imp.created_at),
            "started_at": iso(imp.started_at), "finished_at": iso(imp.finished_at),
            "undone_at": iso(imp.undone_at), "undo": imp.undo_report}


def start(app_key: str, form_key: str) -> Response:
    records = records_for(app_key, form_key, require("records:write"), via="import")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise TrellisError([Problem("/file", "send the file to import as the multipart part "
                                             "'file'")])
    imp = service.start(current_runtime(), records, Upload(upload.filename, upload.stream),
                        mapping_of(request.form.get("mapping")),
                        flag(request.form.get("dry_run"), "dry_run"), ui_lang())
    import_id = imp.id
    records.session.commit()
    launch("import", import_id)
    response = jsonify(status_json(db_session().get(Import, import_id)))
    response.status_code = 202
    response.headers["Location"] = f"/api/v1{IMPORTS}/{import_id}".replace(
        "<app_key>", app_key).replace("<form_key>", form_key)
    return response


def read(app_key: str, form_key: str, import_id: str) -> Response:
    records = records_for(app_key, form_key, require("records:read"))
    return jsonify(status_json(service.get(records, import_id)))


def errors(app_key: str, form_key: str, import_id: str) -> Response:
    """The failed rows as CSV: the file's columns as they were, then why each failed."""
    records = records_for(app_key, form_key, require("records:read"))
    return errors_csv(records, import_id)


def undo(app_key: str, form_key: str, import_id: str) -> Response:
    records = records_for(app_key, form_key, require("records:write"), via="import")
    imp = service.get(records, import_id)
    service.begin_undo(records, imp, current_runtime().clock.now())
    records.session.commit()
    launch("import_undo", import_id)
    response = jsonify(status_json(db_session().get(Import, import_id)))
    response.status_code = 202
    return response


ROUTES: tuple[Route, ...] = (
    (IMPORTS, "start_import", start, POST),
    (IMPORTS + "/<import_id>", "import_status", read, GET),
    (IMPORTS + "/<import_id>/errors", "import_errors", errors, GET),
    (IMPORTS + "/<import_id>/undo", "undo_import", undo, POST),
)

"""Exports of a form's records to CSV or XLSX: the list's filter, sort and search, chosen
columns, values as people read them. Short lists answer with the file; longer ones (past
TRELLIS_EXPORT_INLINE_ROWS) with 202 and an export to ask about, whose file its requester
alone may download until it expires."""

from __future__ import annotations

from typing import Any

from flask import Response, g, jsonify, request
from flask_babel import force_locale

from metadata.errors import Problem, TrellisError
from runtime.api.access import require
from runtime.api.params import list_query
from runtime.api.records import BASE, records_for
from runtime.exports.models import Export
from runtime.storage.records import Records, iso
from runtime.web import current_runtime, db_session
from runtime.web.forms import export_jobs
from runtime.web.forms.export_jobs import FORMATS, export_store
from runtime.web.forms.exporting import (
    INLINE_ROWS,
    ExportSpec,
    file_name,
    longer_than,
    write_now,
)
from runtime.web.forms.exports import download
from runtime.web.forms.preferences import SYSTEM_COLUMNS
from runtime.web.messages import ui_lang
from runtime.web.routes import GET, POST, Route

LANGS = ("zh", "en")


def columns_of(records: Records, raw: str | None) -> list[str]:
    """The columns asked for (keys separated by commas), or every column the reader sees."""
    visible = [f["key"] for f in records.plan.fields if f["key"] not in records.access.hidden]
    if not raw or not raw.strip():
        return ["id", *visible, "owner", "created_at", "updated_at"]
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    bad = [k for k in keys if k not in SYSTEM_COLUMNS and k not in visible]
    if bad:
        raise TrellisError([Problem("/columns", f"{', '.join(map(repr, bad))} "
                                                f"{'is' if len(bad) == 1 else 'are'} not a "
                                                f"column of {records.plan.form_key}; use field "
                                                f"keys or {', '.join(SYSTEM_COLUMNS)}")])
    return list(dict.fromkeys(keys))


def export_lang(records: Records) -> str:
    lang = request.args.get("lang")
    if lang is None:  # the requester's own language, as their pages speak it
        person = records.directory.people(db_session(), [records.principal.user_id])
        found = person.get(records.principal.user_id)
        return found.locale if found and found.locale in LANGS else ui_lang()
    if lang not in LANGS:
        raise TrellisError([Problem("/lang", "must be zh or en")])
    return lang


def export_records(app_key: str, form_key: str) -> Response:
    records = records_for(app_key, form_key, require("records:read"))
    fmt = FORMATS.get(request.args.get("format", ""))
    if fmt is None:
        raise TrellisError([Problem("/format", f"must be one of {', '.join(FORMATS.keys())}")])
    rt = current_runtime()
    query = list_query(request.args)
    spec = ExportSpec(columns=columns_of(records, request.args.get("columns")),
                      filters=query.filters, formulas=[list(f) for f in query.formulas],
                      sort=[list(s) for s in query.sort], q=query.q)
    lang = export_lang(records)
    g.setdefault("trellis_export", True)  # flask-babel keeps a forced locale in g
    with force_locale(lang):
        title = records.plan.label(lang)
        name = file_name(title, fmt, rt.clock.now())
        if not longer_than(records, spec, int(rt.settings.get("export_inline_rows")
                                              or INLINE_ROWS)):
            return download(write_now(rt, records, spec, fmt, lang, title), fmt.media_type,
                            name)
        export = export_jobs.start(rt, records, spec, fmt, lang, name)
    if export.status == "failed":
        raise TrellisError([Problem("", export.error or "")], status=503)
    response = jsonify(export_json(export))
    response.status_code = 202
    response.headers["Location"] = f"/api/v1/exports/{export.id}"
    return response


def export_json(export: Export) -> dict[str, Any]:
    out = {"id": export.id, "status": export.status, "format": export.format,
           "file_name": export.file_name, "total": export.total, "done": export.done,
           "size": export.size, "error": export.error, "created_at": iso(export.created_at),
           "finished_at": iso(export.finished_at), "expires_at": iso(export.expires_at),
           "url": f"/api/v1/exports/{export.id}", "file_url": None}
    if export.status == "done":
        out["file_url"] = f"/api/v1/exports/{export.id}/file"
    return out


def export_status(export_id: str) -> Response:
    principal = require("records:read")
    export = export_store(current_runtime(), db_session()).get(export_id, principal.user_id)
    return jsonify(export_json(export))


def export_file(export_id: str) -> Response:
    principal = require("records:read")
    store = export_store(current_runtime(), db_session())
    export = store.get(export_id, principal.user_id)
    path = store.file(export)
    return download(open(path, "rb"), FORMATS[export.format].media_type, export.file_name)


ROUTES: tuple[Route, ...] = (
    (BASE + "/export", "export_records", export_records, POST),
    ("/exports/<export_id>", "export_status", export_status, GET),
    ("/exports/<export_id>/file", "export_file", export_file, GET),
)

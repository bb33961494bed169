"""The list page's export: the list as it is shown (filters, formula, search, sort, columns)
to CSV or XLSX. A short list downloads at once; a longer one becomes a background export whose
progress the list page shows, with a link to its file once written (its requester's alone,
until it expires)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import BinaryIO

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from metadata.errors import TrellisError
from runtime.exports.models import Export
from runtime.web import current_principal, current_runtime, db_session
from runtime.web.forms import export_jobs
from runtime.web.forms.context import FormContext, form_context
from runtime.web.forms.display import local_time
from runtime.web.forms.export_jobs import FORMATS, export_store
from runtime.web.forms.exporting import (
    INLINE_ROWS,
    file_name,
    longer_than,
    spec_of_list,
    write_now,
)
from runtime.web.forms.listing import ListBuilder
from runtime.web.forms.references import References
from runtime.web.messages import translate
from runtime.web.routes import GET, POST, Route


@dataclass
class ExportVM:
    """One background export as its requester's list page shows it."""

    id: str
    name: str
    status: str  # queued | running | done | failed
    status_text: str
    percent: int
    poll_url: str = ""  # while it runs: where the page asks how far it got
    download_url: str = ""
    error: str = ""


def export_vm(export: Export) -> ExportVM:
    total, done = export.total or 0, export.done or 0
    percent = 100 if export.status == "done" else int(done * 100 / total) if total else 0
    rows, of = format(done, ","), format(total, ",")
    texts = {"queued": _("Waiting for a worker…"),
             "running": _("%(done)s of %(total)s rows written", done=rows, total=of),
             "done": _("%(num)s rows, ready until %(until)s", num=rows,
                       until=local_time(export.expires_at)),
             "failed": _("Failed")}
    vm = ExportVM(export.id, export.file_name, export.status, texts.get(export.status, ""),
                  percent, error=export.error or "")
    if export.status in ("queued", "running"):
        vm.poll_url = url_for("forms.export_status", export_id=export.id)
    elif export.status == "done":
        vm.download_url = url_for("forms.export_download", export_id=export.id)
    return vm


def recent_exports(ctx: FormContext) -> list[ExportVM]:
    store = export_store(current_runtime(), db_session())
    return [export_vm(e) for e in store.recent(ctx.principal.user_id, ctx.plan.app_key,
                                               ctx.plan.form_key)]


def record_export(app_key: str, form_key: str):
    """Export the list the posted parameters describe (the list page's own)."""
    ctx = form_context(app_key, form_key)
    fmt = FORMATS.get(request.form.get("format", ""))
    if fmt is None:
        abort(400)
    rt, records = current_runtime(), ctx.records
    refs = References(rt, db_session(), ctx.plan, ctx.principal, ctx.lang)
    builder = ListBuilder(records, refs, request.form, ctx.lang)
    spec = spec_of_list(builder)
    title = ctx.plan.label(ctx.lang)
    name = file_name(title, fmt, rt.clock.now())
    try:
        if not longer_than(records, spec, int(rt.settings.get("export_inline_rows")
                                              or INLINE_ROWS)):
            return download(write_now(rt, records, spec, fmt, ctx.lang, title), fmt.media_type,
                            name)
        export = export_jobs.start(rt, records, spec, fmt, ctx.lang, name)
    except TrellisError as exc:
        flash(_("Nothing was exported: %(reason)s",
                reason="; ".join(translate(p.message) for p in exc.problems)), "error")
        return redirect(builder.url(), 303)
    if export.status == "failed":
        flash(_("Nothing was exported: %(reason)s", reason=export.error), "error")
    else:
        flash(_("The list is long: it is being exported in the background. The file will be "
                "ready below."), "info")
    return redirect(builder.url(), 303)


def download(source: bytes | BinaryIO, media_type: str, name: str) -> Response:
    """A file to save (never shown inline), private to whoever asked for it."""
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    response = send_file(source, mimetype=media_type.split(";")[0], as_attachment=True,
                         download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"  # a reader's data
    if media_type.startswith("text/csv"):
        response.headers["Content-Type"] = media_type
    return response


def export_status(export_id: str):
    """How far an export got (the list page asks while it runs)."""
    store = export_store(current_runtime(), db_session())
    export = store.get(export_id, current_principal().user_id)
    return render_template("runtime/_export_item.html", export=export_vm(export))


def export_download(export_id: str):
    store = export_store(current_runtime(), db_session())
    export = store.get(export_id, current_principal().user_id)
    path = store.file(export)
    return download(open(path, "rb"), FORMATS[export.format].media_type, export.file_name)


ROUTES: tuple[Route, ...] = (
    ("/<app_key>/<form_key>/_export", "record_export", record_export, POST),
    ("/_exports/<export_id>", "export_status", export_status, GET),
    ("/_exports/<export_id>/download", "export_download", export_download, GET),
)

"""The import pages of a form: upload a file, map its columns to fields with the first rows
shown as they will be stored, check it (a dry run) or import it, watch the progress bar, get
the failed rows, undo it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from metadata.errors import Problem, TrellisError
from runtime.capture.imports import service
from runtime.capture.imports.mapping import targets
from runtime.capture.imports.models import Import
from runtime.fields.base import label_text
from runtime.identity.scanning import SCAN_VIA
from runtime.identity.store import rules_of
from runtime.web import current_runtime, db_session
from runtime.web.forms.context import FormContext, form_context
from runtime.web.forms.display import local_time
from runtime.web.forms.import_support import errors_csv, launch
from runtime.web.messages import translate
from runtime.web.routes import GET, GET_POST, POST, Route

FORM = "/<app_key>/<form_key>/import"
ONE = FORM + "/<import_id>"
SAMPLES = 3
RECENT = 10


@dataclass
class ColumnVM:
    name: str
    samples: list[str]
    chosen: str


@dataclass
class ImportVM:
    """One import as its page shows it."""

    id: str
    file_name: str
    status: str
    status_label: str
    created: str
    url: str
    total: int | None = None
    processed: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    percent: int = 0
    rate: str = ""
    left: str = ""
    error: str | None = None
    dry_run: bool = False
    undo: dict | None = None


def status_labels() -> dict[str, str]:
    return {"draft": _("Not started"), "queued": _("Waiting for a worker"),
            "running": _("Importing"), "done": _("Done"), "failed": _("Failed"),
            "undoing": _("Undoing"), "undone": _("Undone")}


def import_vm(ctx: FormContext, imp: Import) -> ImportVM:
    vm = ImportVM(id=imp.id, file_name=imp.file_name, status=imp.status,
                  status_label=status_labels()[imp.status], created=local_time(imp.created_at),
                  url=_url("import_page", ctx, import_id=imp.id), total=imp.total,
                  processed=imp.processed, error=imp.error, dry_run=imp.dry_run,
                  counts={"created": imp.created, "merged": imp.merged, "failed": imp.failed},
                  undo=imp.undo_report)
    if imp.total:
        vm.percent = min(100, int(100 * imp.processed / imp.total))
    if imp.started_at is not None and imp.processed and imp.status == "running":
        seconds = max((current_runtime().clock.now() - imp.started_at).total_seconds(), 1e-3)
        rate = imp.processed / seconds
        vm.rate = _("%(n)s rows/s", n=f"{rate:,.0f}")
        if imp.total:
            vm.left = _("about %(n)s s left", n=f"{(imp.total - imp.processed) / rate:,.0f}")
    return vm


def _url(endpoint: str, ctx: FormContext, **values: Any) -> str:
    return url_for(f"forms.{endpoint}", app_key=ctx.plan.app_key, form_key=ctx.plan.form_key,
                   **values)


def import_home(app_key: str, form_key: str):
    """The upload form (POST: keep the file as a draft, then map its columns)."""
    ctx = form_context(app_key, form_key)
    ctx.access.require("create", ctx.plan.label("en") or form_key)
    error = None
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            if upload is None or not upload.filename:
                raise TrellisError([Problem("/file", _("Choose a .csv or .xlsx file."))])
            imp = service.start(current_runtime(), ctx.records,
                                service.Upload(upload.filename, upload.stream), None, False,
                                ctx.lang, draft=True)
        except TrellisError as exc:
            error = "; ".join(translate(p.message) for p in exc.problems)
        else:
            import_id = imp.id
            db_session().commit()
            return redirect(_url("import_page", ctx, import_id=import_id), 303)
    recent = db_session().query(Import).filter_by(
        app_key=app_key, form_key=form_key, user_id=ctx.principal.user_id).order_by(
        Import.created_at.desc()).limit(RECENT).all()
    return render_template("runtime/import_upload.html", title=_("Import"),
                           form_label=ctx.plan.label(ctx.lang), error=error,
                           list_url=_url("record_list", ctx),
                           imports=[import_vm(ctx, i) for i in recent]), 400 if error else 200


def import_page(app_key: str, form_key: str, import_id: str):
    ctx = form_context(app_key, form_key)
    imp = service.get(ctx.records, import_id)
    vm = import_vm(ctx, imp)
    if request.headers.get("HX-Target") == "import-progress":
        return render_template("runtime/_import_progress.html", imp=vm, links=_links(ctx, imp))
    columns, preview, problems = [], [], []
    if imp.status == "draft":
        columns, preview = _mapping_vm(ctx, imp)
    return render_template("runtime/import.html", title=_("Import"), imp=vm, columns=columns,
                           options=targets(ctx.plan, ctx.lang), preview=preview,
                           problems=problems, links=_links(ctx, imp),
                           form_label=ctx.plan.label(ctx.lang),
                           list_url=_url("record_list", ctx))


def _links(ctx: FormContext, imp: Import) -> dict[str, str]:
    return {"errors": _url("import_errors", ctx, import_id=imp.id) if imp.failed else "",
            "undo": _url("import_undo", ctx, import_id=imp.id)
            if imp.status in ("done", "failed") and not imp.dry_run
            and ctx.records.may("delete") else "",
            "again": _url("import_again", ctx, import_id=imp.id)
            if imp.dry_run and imp.status == "done" else "",
            "list": _url("record_list", ctx), "home": _url("import_home", ctx),
            "scan": _url("identity_scan", ctx) if imp.status == "done" and not imp.dry_run
            and may_scan(ctx) else ""}


def may_scan(ctx: FormContext) -> bool:
    """Whether to offer finding duplicates after an import: the form has match rules and the
    importer may update all of its records."""
    return bool(rules_of(ctx.plan).through(SCAN_VIA)) and ctx.access.scope("update") == "all"


def _mapping_vm(ctx: FormContext, imp: Import) -> tuple[list[ColumnVM], list[dict]]:
    """The columns with a few of their values and their targets, and the first rows as they
    would be stored (values as people read them, or why they would be refused)."""
    _sheet, first = service.read_sheet(service.file_path(current_runtime(), imp.id),
                                       imp.format)
    columns = [ColumnVM(name, [str(row[i]) for row in first[:SAMPLES]
                               if i < len(row) and row[i] not in (None, "")],
                        imp.mapping.get(name, "")) for i, name in enumerate(imp.header)]
    checked = service.preview(current_runtime(), ctx.records, imp)
    keys = [t for t in imp.mapping.values() if t in ctx.plan.by_key]
    labels = {k: label_text(ctx.plan.by_key[k].get("label"), ctx.lang) or k for k in keys}
    rows = []
    for n, result in enumerate(checked, start=2):
        values = result.get("values", {})
        rows.append({"row": n, "cells": [ctx.plan.types[ctx.plan.by_key[k]["type"]].display(
            values.get(k), ctx.plan.by_key[k], ctx.lang) for k in keys],
            "errors": [f"{labels.get(e['path'].lstrip('/'), e['path'])}: "
                       f"{translate(e['message'])}" for e in result.get("errors", [])]})
    return columns, [{"labels": [labels[k] for k in keys], "rows": rows}]


def import_mapping(app_key: str, form_key: str, import_id: str):
    """Save the columns' targets (the page's selects post them by column number)."""
    ctx = form_context(app_key, form_key)
    imp = service.get(ctx.records, import_id)
    mapping = {name: request.form.get(f"c{i}", "") or None
               for i, name in enumerate(imp.header)}
    problems = service.remap(ctx.records, imp, mapping)
    if problems:
        db_session().rollback()
        return render_template("runtime/_import_problems.html",
                               problems=[translate(p.message) for p in problems]), 422
    db_session().commit()
    if request.headers.get("HX-Request"):  # the page again, with its preview of the rows
        return "", 204, {"HX-Refresh": "true"}
    return redirect(_url("import_page", ctx, import_id=import_id), 303)


def import_run(app_key: str, form_key: str, import_id: str):
    ctx = form_context(app_key, form_key)
    imp = service.get(ctx.records, import_id)
    service.run_draft(imp, dry_run=request.form.get("dry_run") == "1")
    db_session().commit()
    launch("import", import_id)
    return redirect(_url("import_page", ctx, import_id=import_id), 303)


def import_again(app_key: str, form_key: str, import_id: str):
    ctx = form_context(app_key, form_key)
    copy = service.again(current_runtime(), ctx.records, service.get(ctx.records, import_id))
    copy_id = copy.id
    db_session().commit()
    return redirect(_url("import_page", ctx, import_id=copy_id), 303)


def import_undo(app_key: str, form_key: str, import_id: str):
    ctx = form_context(app_key, form_key)
    imp = service.get(ctx.records, import_id)
    service.begin_undo(ctx.records, imp, current_runtime().clock.now())
    db_session().commit()
    launch("import_undo", import_id)
    return redirect(_url("import_page", ctx, import_id=import_id), 303)


def import_errors(app_key: str, form_key: str, import_id: str):
    return errors_csv(form_context(app_key, form_key).records, import_id)


ROUTES: tuple[Route, ...] = (
    (FORM, "import_home", import_home, GET_POST),
    (ONE, "import_page", import_page, GET),
    (ONE + "/mapping", "import_mapping", import_mapping, POST),
    (ONE + "/run", "import_run", import_run, POST),
    (ONE + "/again", "import_again", import_again, POST),
    (ONE + "/undo", "import_undo", import_undo, POST),
    (ONE + "/errors", "import_errors", import_errors, GET),
)

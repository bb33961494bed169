"""The "Find duplicates" panel of a form (/a/<app>/<form>/duplicates/scan): a button that starts
a scan of every record (``runtime.identity.scans``), then its progress bar, asking again every
second while it runs; when it is done, how many records were merged and how many pairs wait
for review, with links to both. The review queue shows it, and so does the builder's
Duplicates page once the form is published (it loads the panel from here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from metadata.errors import TrellisError
from runtime.identity import scans
from runtime.identity.scanning import SCAN_VIA
from runtime.web import current_runtime, db_session
from runtime.web.forms.context import FormContext, form_context
from runtime.web.forms.display import local_time
from runtime.web.messages import translate
from runtime.web.routes import GET_POST, Route

PANEL = "/<app_key>/<form_key>/duplicates/scan"


@dataclass
class ScanVM:
    """The form's latest scan as the panel shows it (``id`` 0: none yet)."""

    url: str  # the panel: GET asks again, POST starts a scan
    review_url: str
    merges_url: str
    may_start: bool = True
    id: int = 0
    status: str = ""
    status_label: str = ""
    percent: int = 0
    processed: int = 0
    total: int | None = None
    merged: int = 0
    queued: int = 0
    started: str = ""
    rate: str = ""
    error: str = ""
    refused: str = ""  # why the last start was refused

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")


def status_labels() -> dict[str, str]:
    return {"queued": _("Waiting for a worker"), "running": _("Finding duplicates"),
            "done": _("Done"), "failed": _("Failed")}


def scan_vm(ctx: FormContext, scan: Mapping[str, Any] | None) -> ScanVM:
    keys = {"app_key": ctx.plan.app_key, "form_key": ctx.plan.form_key}
    vm = ScanVM(url_for("forms.identity_scan", **keys), url_for("forms.review_queue", **keys),
                url_for("forms.merge_history", **keys))
    if scan is None:
        return vm
    vm.id, vm.status, vm.status_label = scan["id"], scan["status"], \
        status_labels()[scan["status"]]
    if scan["status"] == "running" and scan["phase"] == "keys":
        vm.status_label = _("Keying the records again")
    vm.processed, vm.total, vm.merged, vm.queued = scan["processed"], scan["total"], \
        scan["merged"], scan["queued"]
    vm.started, vm.error = local_time(scan["started_at"] or scan["created_at"]), \
        scan["error"] or ""
    vm.may_start = not vm.active
    if scan["status"] == "done":
        vm.percent = 100
    elif scan["total"]:
        vm.percent = min(100, int(100 * scan["processed"] / scan["total"]))
    if scan["status"] == "running" and scan["started_at"] and scan["processed"]:
        seconds = max((current_runtime().clock.now() - scan["started_at"]).total_seconds(),
                      1e-3)
        vm.rate = _("%(n)s records/s", n=f"{scan['processed'] / seconds:,.0f}")
    return vm


def panel_for(ctx: FormContext) -> ScanVM | None:
    """The panel of the form's latest scan, or None for one who may not start scans."""
    try:
        latest = scans.latest(ctx.records, 1)
    except TrellisError:
        return None
    return scan_vm(ctx, latest[0] if latest else None)


def panel_of(app_key: str, form_key: str) -> ScanVM | None:
    """The panel for the builder's page (None: the form is not published, or the designer
    may not start scans)."""
    try:
        return panel_for(form_context(app_key, form_key))
    except TrellisError:
        return None


def panel(app_key: str, form_key: str):
    """GET: the panel as it is now (what the progress bar asks every second); POST: start a
    scan (htmx: the panel answers; a plain form: back to the review queue)."""
    ctx = form_context(app_key, form_key)
    ctx.access.require("update", ctx.plan.label(ctx.lang) or form_key)
    refused = ""
    if request.method == "POST":
        refused = _start(ctx)
        if not request.headers.get("HX-Request"):
            if refused:
                flash(refused, "error")
            return redirect(url_for("forms.review_queue", app_key=app_key, form_key=form_key),
                            303)
    vm = panel_for(ctx)
    if vm is None:
        return render_template("runtime/_identity_scan.html", scan=None), 403
    vm.refused = refused
    return render_template("runtime/_identity_scan.html", scan=vm)


def _start(ctx: FormContext) -> str:
    """Start a scan and hand it to a worker; why not, when it was refused."""
    records = current_runtime().records(db_session(), ctx.plan, ctx.principal, via=SCAN_VIA)
    try:
        scan_id = scans.start(records, ctx.lang)
    except scans.ScanRunning:
        db_session().rollback()
        return ""  # the panel shows the running one
    except TrellisError as exc:
        db_session().rollback()
        return "; ".join(translate(p.message) for p in exc.problems)
    db_session().commit()
    try:
        current_runtime().background["identity_scan"](scan_id)
    except Exception as exc:  # Redis down: say so rather than show a scan that never moves
        current_app.logger.warning("could not enqueue identity scan %s: %s", scan_id, exc)
        scans.fail_to_launch(records, scan_id, translate(scans.NO_QUEUE))
        db_session().commit()
    return ""


ROUTES: tuple[Route, ...] = (
    (PANEL, "identity_scan", panel, GET_POST),
)

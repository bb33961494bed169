""""Find duplicates" scans of a form: start one (202; a worker scans), ask how far it got, list
the latest. One scan per form at a time: a second start answers 409 with the running one."""

from __future__ import annotations

from flask import Response, current_app, jsonify

from runtime.api.access import require
from runtime.api.errors import problem_json
from runtime.api.records import BASE, records_for
from runtime.identity import scans
from runtime.identity.scanning import SCAN_VIA
from runtime.web import current_runtime
from runtime.web.messages import ui_lang
from runtime.web.routes import GET, POST, Route

SCANS = BASE.rsplit("/", 1)[0] + "/identity/scans"


def launch(records, scan_id: int) -> None:
    """Hand the scan to a worker; a queue that cannot be reached fails it at once."""
    try:
        current_runtime().background["identity_scan"](scan_id)
    except Exception as exc:  # Redis down: say so rather than show a scan that never moves
        current_app.logger.warning("could not enqueue identity scan %s: %s", scan_id, exc)
        scans.fail_to_launch(records, scan_id, str(scans.NO_QUEUE))
        records.session.commit()


def location(app_key: str, form_key: str, scan_id: int) -> str:
    return f"/api/v1{SCANS}/{scan_id}".replace("<app_key>", app_key).replace(
        "<form_key>", form_key)


def start(app_key: str, form_key: str) -> Response:
    records = records_for(app_key, form_key, require("records:write"), via=SCAN_VIA)
    try:
        scan_id = scans.start(records, ui_lang())
    except scans.ScanRunning as running:
        records.session.rollback()
        response = jsonify({"errors": [problem_json(p) for p in running.problems],
                            "scan": scans.scan_json(running.scan)})
        response.status_code = 409
        response.headers["Location"] = location(app_key, form_key, running.scan["id"])
        return response
    records.session.commit()
    launch(records, scan_id)
    response = jsonify(scans.scan_json(scans.get(records, scan_id)))
    response.status_code = 202
    response.headers["Location"] = location(app_key, form_key, scan_id)
    return response


def read(app_key: str, form_key: str, scan_id: int) -> Response:
    records = records_for(app_key, form_key, require("records:read"))
    return jsonify(scans.scan_json(scans.get(records, scan_id)))


def latest(app_key: str, form_key: str) -> Response:
    records = records_for(app_key, form_key, require("records:read"))
    return jsonify({"scans": [scans.scan_json(s) for s in scans.latest(records)]})


ROUTES: tuple[Route, ...] = (
    (SCANS, "start_identity_scan", start, POST),
    (SCANS, "identity_scans", latest, GET),
    (SCANS + "/<int:scan_id>", "identity_scan", read, GET),
)

"""A record's assignment log: who routing gave it to, by which strategy and rule, and why."""

from __future__ import annotations

from flask import Response, jsonify

from runtime.api.access import require
from runtime.api.records import BASE, records_for
from runtime.routing.store import RoutingStore
from runtime.web.routes import GET, Route


def assignments(app_key: str, form_key: str, record_id: int) -> Response:
    records = records_for(app_key, form_key, require("records:read"))
    records.get(record_id)  # 404 unless the reader may read the record (its row scope)
    store = RoutingStore(records.session, records.directory, records.now)
    return jsonify({"assignments": store.assignments(app_key, form_key, record_id)})


ROUTES: tuple[Route, ...] = (
    (BASE + "/<int:record_id>/assignments", "assignments", assignments, GET),
)

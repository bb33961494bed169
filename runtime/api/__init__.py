"""The REST API (/api/v1): JSON in and out, bearer tokens, errors as {path, message} lists.

Each module lists its endpoints in a ``ROUTES`` table (runtime.web.routes); every one must
also be in the OpenAPI document (runtime/api/openapi_paths.py; tests/integration/
test_openapi.py fails on a route missing there)."""

from __future__ import annotations

from flask import Blueprint
from werkzeug.exceptions import HTTPException

from metadata.errors import TrellisError
from runtime.api import (
    bulk,
    capture,
    documents,
    exports,
    files,
    formula,
    identity,
    identity_scans,
    imports,
    openapi,
    outbox,
    records,
    routing,
    rules_runtime,
    rulesets,
    scoring,
    workflows,
)
from runtime.api.access import check_csrf, require
from runtime.api.errors import (
    handle_http_error,
    handle_query_stopped,
    handle_trellis_error,
    handle_unexpected,
)
from runtime.storage.transactions import QueryStopped
from runtime.web.routes import add_routes

__all__ = ["ROUTES", "api_blueprint", "require"]

ROUTES = (*documents.ROUTES, *records.ROUTES, *bulk.ROUTES, *exports.ROUTES, *imports.ROUTES,
          *identity.ROUTES, *identity_scans.ROUTES,
          *files.ROUTES, *formula.ROUTES, *capture.ROUTES, *routing.ROUTES,
          *openapi.ROUTES, *rulesets.ROUTES, *rules_runtime.ROUTES, *scoring.ROUTES,
          *outbox.ROUTES, *workflows.ROUTES)


def api_blueprint() -> Blueprint:
    bp = Blueprint("api", __name__)
    bp.before_request(check_csrf)
    bp.register_error_handler(TrellisError, handle_trellis_error)
    bp.register_error_handler(QueryStopped, handle_query_stopped)
    bp.register_error_handler(HTTPException, handle_http_error)
    bp.register_error_handler(Exception, handle_unexpected)
    add_routes(bp, ROUTES)
    return bp

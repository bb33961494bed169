"""The REST API (/api/v1): JSON in and out, bearer tokens, errors as {path, message} lists."""

from __future__ import annotations

from flask import Blueprint, request
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug.exceptions import HTTPException
from wtforms import ValidationError

from metadata.errors import Problem, TrellisError
from runtime.api import documents, files, formula, openapi, records
from runtime.api.errors import (
    handle_http_error,
    handle_query_stopped,
    handle_trellis_error,
    handle_unexpected,
)
from runtime.permissions import Principal
from runtime.storage.transactions import QueryStopped
from runtime.web import current_principal

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def require(scope: str, roles: frozenset[str] | None = None) -> Principal:
    """The request's principal, if it holds ``scope`` (and one of ``roles``); else 401/403."""
    principal = current_principal()
    if principal is None:
        raise TrellisError([Problem("", "log in or send a valid API token "
                                        "(Authorization: Bearer <token>)")], status=401)
    if not principal.has_scope(scope):
        raise TrellisError([Problem("", f"this token lacks the {scope!r} scope")], status=403)
    if roles and not (principal.roles & roles) and not principal.is_admin:
        raise TrellisError([Problem("", "your role may not do this (needs "
                                        + " or ".join(sorted(roles)) + ")")], status=403)
    return principal


def api_blueprint() -> Blueprint:
    bp = Blueprint("api", __name__)

    @bp.before_request
    def check_csrf():
        # Browsers send cookies on their own, never a bearer token: only a request that a valid
        # token authenticated (a principal with token scopes) needs no CSRF token. Any other
        # Authorization header (Basic from a proxy, a bad token) leaves the cookie in charge.
        if request.method in SAFE_METHODS:
            return
        principal = current_principal()
        if principal is None or principal.scopes is not None:
            return  # no session to protect (the endpoint answers 401), or a bearer token
        try:
            validate_csrf(request.headers.get("X-CSRFToken") or request.headers.get(
                "X-CSRF-Token"))
        except (ValidationError, CSRFError):
            raise TrellisError([Problem("", "missing or invalid CSRF token (send it in the "
                                            "X-CSRFToken header, or use an API token)")],
                               status=400) from None

    bp.register_error_handler(TrellisError, handle_trellis_error)
    bp.register_error_handler(QueryStopped, handle_query_stopped)
    bp.register_error_handler(HTTPException, handle_http_error)
    bp.register_error_handler(Exception, handle_unexpected)
    documents.register(bp, require)
    records.register(bp, require)
    files.register(bp, require)
    formula.register(bp, require)
    openapi.register(bp)
    return bp

"""Who may call an endpoint: the request's principal, checked for a token scope and roles.

Views call ``require`` themselves (it is module-level, not handed to them), so each endpoint
names the scope it needs where it does its work."""

from __future__ import annotations

from flask import request
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from metadata.errors import Problem, TrellisError
from runtime.permissions import Principal
from runtime.web import SAFE_METHODS, current_principal

DESIGNERS = frozenset({"admin", "designer"})


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


def check_csrf() -> None:
    """Before every API request: a cookie-authenticated change must carry the CSRF token.

    Browsers send cookies on their own, never a bearer token: only a request that a valid
    token authenticated (a principal with token scopes) needs no CSRF token. Any other
    Authorization header (Basic from a proxy, a bad token) leaves the cookie in charge."""
    if request.method in SAFE_METHODS:
        return
    principal = current_principal()
    if principal is None or principal.scopes is not None:
        return  # no session to protect (the endpoint answers 401), or a bearer token
    try:
        validate_csrf(request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token"))
    except (ValidationError, CSRFError):
        raise TrellisError([Problem("", "missing or invalid CSRF token (send it in the "
                                        "X-CSRFToken header, or use an API token)")],
                           status=400) from None

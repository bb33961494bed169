"""Request plumbing: the per-request session, locale, CSRF, security headers, error pages."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, render_template, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from app.extensions import babel, csrf
from metadata.orm import MAX_INTEGER
from runtime.api.errors import error_response, handle_http_error, handle_trellis_error
from runtime.jobs.memory import settle_once
from runtime.storage.transactions import QueryStopped
from runtime.web import current_runtime as runtime
from runtime.web import db_session, rollback
from runtime.web.messages import translate

__all__ = ["db_session", "init_app", "runtime"]
log = logging.getLogger(__name__)

CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
       "script-src 'self'; object-src 'none'; frame-ancestors 'self'; base-uri 'self'; "
       "form-action 'self'")


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: the numbers in paths are ids and version numbers, INTEGER
    columns, so a larger number names nothing (404) instead of overflowing the database."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_INTEGER, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def select_locale() -> str:
    if current_user and current_user.is_authenticated:
        return current_user.locale
    lang = request.cookies.get("lang")
    if lang in ("zh", "en"):
        return lang
    return request.accept_languages.best_match(
        ["zh", "en"], default=current_app.config["BABEL_DEFAULT_LOCALE"])


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES",
                          str(app.root_path + "/translations"))
    babel.init_app(app, locale_selector=select_locale,
                   timezone_selector=lambda: app.config["BABEL_DEFAULT_TIMEZONE"])
    csrf.init_app(app)
    trust_proxies(app)
    app.url_map.converters["int"] = IdConverter  # before any blueprint adds its routes

    @app.teardown_appcontext
    def close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()
        for callback in g.pop("after_session", ()):
            try:
                callback()
            except Exception:  # the answer is made: a failed after-write must not change it
                log.exception("a write after the request failed")

    @app.after_request
    def security_headers(response):
        csp = response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if "frame-ancestors 'self'" in csp:  # a public form's page may be framed elsewhere
            response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    if not app.testing:  # (tests build many apps in one process: nothing to freeze there)
        app.before_request(settle_once)

    for code in (400, 403, 404, 405, 413, 500):
        app.register_error_handler(code, error_page)
    app.register_error_handler(QueryStopped, query_stopped)


def query_stopped(exc: QueryStopped):
    """A statement the database stopped (the time limit, a number out of range), for
    blueprints without handlers of their own: rolled back, so the page can still read."""
    rollback()
    if request.path.startswith("/api/"):
        return handle_trellis_error(exc)
    messages = [translate(p.message) for p in exc.problems]
    return render_template("app/error.html", code=exc.status, messages=messages), exc.status


def trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, take the client's address and scheme from the
    X-Forwarded-For/-Proto values they add (the log-in throttle counts per client address)."""
    proxies = app.config["TRUSTED_PROXIES"]
    if isinstance(proxies, bool) or not isinstance(proxies, int) or proxies < 0:
        raise ValueError(f"TRELLIS_TRUSTED_PROXIES must be a whole number (0 without a "
                         f"reverse proxy), not {proxies!r}")
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def error_page(exc):
    """Errors outside a blueprint's own handlers: JSON under /api/, a page elsewhere."""
    code = getattr(exc, "code", None) or 500
    if request.path.startswith("/api/"):
        return handle_http_error(exc) if isinstance(exc, HTTPException) else error_response(code)
    return render_template("app/error.html", code=code), code

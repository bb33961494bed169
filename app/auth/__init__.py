"""People and access: users, roles, teams, sessions and API tokens."""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from flask import Flask, current_app, g, request
from flask_babel import lazy_gettext
from flask_login import current_user

from app.auth import service
from app.auth.principals import SessionUser, SessionUsers, TokenPrincipals
from app.extensions import login_manager
from runtime.context import Runtime
from runtime.permissions import Principal
from runtime.web import after_session, current_runtime, db_session

log = logging.getLogger(__name__)
TOUCH_LOCK_WAIT = 0.2  # seconds; last_used_at is a hint, not worth keeping a reader waiting
KNOWN = "trellis_principals"  # app.extensions: (TokenPrincipals, SessionUsers)


def init_app(app: Flask) -> None:
    from app.auth.devices import DeviceCookies
    from app.auth.login import LOGIN_GATE, LoginGate
    from app.auth.throttle import LoginThrottle, ThrottlePolicy
    from app.auth.views import auth_blueprint

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # flask-login's own words are English: ours go through the UI language
    login_manager.login_message = lazy_gettext("Please log in to access this page.")
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)
    app.extensions[KNOWN] = (TokenPrincipals(), SessionUsers())
    app.extensions[LOGIN_GATE] = LoginGate(
        LoginThrottle(ThrottlePolicy.from_config(app.config)),
        DeviceCookies(app.config["SECRET_KEY"]))
    app.extensions["trellis"].authenticate = principal_of_request
    app.register_blueprint(auth_blueprint())


def load_user(user_id: str) -> SessionUser | None:
    """The logged-in user of a session cookie (a snapshot kept while the directory stands)."""
    if not user_id.isdigit():
        return None
    return current_app.extensions[KNOWN][1].load(db_session(), int(user_id))


def principal_of_request() -> Principal | None:
    """On the API, a bearer token or the session; on pages, the session alone: pages do not
    check a token's scopes, so a token must not stand in for the person logged in there."""
    if request.blueprint == "api":
        return authenticate()
    if "principal" not in g:
        g.principal = (service.principal(current_user) if current_user.is_authenticated
                       else None)
    return g.principal


def authenticate() -> Principal | None:
    """The principal of the current request: a bearer token, or the logged-in user."""
    if "principal" in g:
        return g.principal
    header = request.headers.get("Authorization", "")
    found = None
    if header.lower().startswith("bearer "):
        found = token_principal(header[7:].strip())
    elif current_user.is_authenticated:
        found = service.principal(current_user)
    g.principal = found
    return found


def token_principal(secret: str) -> Principal | None:
    """The principal of a bearer token (its use recorded after the request), if it is valid."""
    tokens = current_app.extensions[KNOWN][0]
    entry = tokens.lookup(db_session(), secret)
    if entry is None:
        return None
    runtime = current_runtime()
    now = runtime.clock.now()
    if tokens.used(entry, now):
        token_id = entry.token_id
        after_session(lambda: touch_token(runtime, token_id, now))
    return entry.principal


def touch_token(runtime: Runtime, token_id: int, now: datetime) -> None:
    """A short write of its own after the request: a GET never writes inside its read,
    and waits for no writer (if one holds SQLite's lock, this use goes unrecorded)."""
    try:
        with runtime.session(lock_wait=TOUCH_LOCK_WAIT) as session, session.begin():
            service.touch_token(session, token_id, now)
    except sa.exc.OperationalError:
        log.info("token %s: last use not recorded (the database is busy)", token_id)


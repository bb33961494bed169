"""People and access: users, roles, teams, sessions and API tokens."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask, g, request

from app.extensions import login_manager
from runtime.permissions import Principal
from runtime.web import after_session

log = logging.getLogger(__name__)
TOUCH_LOCK_WAIT = 0.2  # seconds; last_used_at is a hint, not worth keeping a reader waiting


def init_app(app: Flask) -> None:
    from app.auth import service
    from app.auth.models import User
    from app.auth.principals import TokenPrincipals
    from app.auth.views import auth_blueprint
    from app.web import db_session

    login_manager.init_app(app)
    tokens = TokenPrincipals()
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        user = db_session().get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.active else None

    def authenticate() -> Principal | None:
        """The principal of the current request: a bearer token, or the logged-in user."""
        if "principal" in g:
            return g.principal
        header = request.headers.get("Authorization", "")
        found = None
        if header.lower().startswith("bearer "):
            entry = tokens.lookup(db_session(), header[7:].strip())
            if entry is not None:
                found = entry.principal
                g.token_auth = True
                now = app.extensions["trellis"].clock.now()
                if tokens.used(entry, now):
                    token_id = entry.token_id
                    after_session(lambda: touch_token(token_id, now))
        else:
            from flask_login import current_user

            if current_user.is_authenticated:
                found = service.principal(current_user)
        g.principal = found
        return found

    def touch_token(token_id: int, now) -> None:
        """A short write of its own after the request: a GET never writes inside its read,
        and waits for no writer (if one holds SQLite's lock, this use goes unrecorded)."""
        runtime = app.extensions["trellis"]
        try:
            with runtime.session(lock_wait=TOUCH_LOCK_WAIT) as session, session.begin():
                service.touch_token(session, token_id, now)
        except sa.exc.OperationalError:
            log.info("token %s: last use not recorded (the database is busy)", token_id)

    def principal_of_request() -> Principal | None:
        """On the API, a bearer token or the session; on pages, the session alone: pages do not
        check a token's scopes, so a token must not stand in for the person logged in there."""
        if request.blueprint == "api":
            return authenticate()
        if "principal" not in g:
            from flask_login import current_user

            g.principal = (service.principal(current_user) if current_user.is_authenticated
                           else None)
        return g.principal

    app.extensions["trellis"].authenticate = principal_of_request
    app.register_blueprint(auth_blueprint(app.config))

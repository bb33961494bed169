"""People and access: users, roles, teams, sessions and API tokens."""

from __future__ import annotations

from flask import Flask, g, request

from app.extensions import login_manager
from runtime.permissions import Principal


def init_app(app: Flask) -> None:
    from app.auth import service
    from app.auth.models import User
    from app.auth.views import auth_blueprint
    from app.web import db_session

    login_manager.init_app(app)
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
            runtime = app.extensions["trellis"]
            pair = service.user_for_token(db_session(), header[7:].strip(), runtime.clock.now())
            if pair is not None:
                user, token = pair
                found = service.principal(user, token.scopes)
                g.token_auth = True
                db_session().commit()
        else:
            from flask_login import current_user

            if current_user.is_authenticated:
                found = service.principal(current_user)
        g.principal = found
        return found

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

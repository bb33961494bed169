"""Log in, log out, language, and the API tokens page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from app.auth import service
from app.auth.devices import DeviceCookies
from app.auth.login import LoginGate, login_page, safe_next
from app.auth.throttle import LoginThrottle, ThrottlePolicy
from app.web import db_session, runtime
from metadata.errors import InvalidDocument


def auth_blueprint(config) -> Blueprint:
    bp = Blueprint("auth", __name__)
    gate = LoginGate(LoginThrottle(ThrottlePolicy.from_config(config)),
                     DeviceCookies(config["SECRET_KEY"]))

    @bp.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "POST":
            return gate.log_in()
        return login_page(None, 200)

    @bp.post("/logout")
    def logout():
        logout_user()
        return redirect(url_for("auth.login"))

    @bp.post("/locale")
    def set_locale():
        lang = request.form.get("lang", "")
        if lang not in ("zh", "en"):
            abort(400)
        if current_user.is_authenticated:
            current_user.locale = lang
            db_session().commit()
        response = redirect(safe_next(request.form.get("next") or request.referrer and
                                       urlsplit(request.referrer).path))
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True)
        return response

    @bp.route("/settings/tokens", methods=["GET", "POST"])
    @login_required
    def tokens():
        session = db_session()
        created = None
        if request.method == "POST":
            scopes = request.form.getlist("scopes") or None
            try:
                _token, created = service.create_token(session, current_user,
                                                       request.form.get("name", "token"),
                                                       scopes, runtime().clock.now())
                session.commit()
            except InvalidDocument as exc:
                session.rollback()
                flash(exc.problems[0].message, "error")
        return render_template("app/tokens.html", tokens=service.tokens_of(session, current_user),
                               created=created,
                               scopes=service.SCOPES)

    @bp.post("/settings/tokens/<int:token_id>/revoke")
    @login_required
    def revoke(token_id: int):
        session = db_session()
        try:
            service.revoke_token(session, token_id, current_user, runtime().clock.now())
        except InvalidDocument:
            abort(404)
        session.commit()
        flash(_("Token revoked."), "info")
        return redirect(url_for("auth.tokens"))

    return bp

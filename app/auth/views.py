"""Log in, log out, language, and the API tokens page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import service
from app.auth.throttle import LoginThrottle
from app.web import db_session, runtime
from metadata.errors import InvalidDocument


def _safe_next(target: str | None) -> str:
    if not target:
        return url_for("shell.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return url_for("shell.home")
    return target


def auth_blueprint() -> Blueprint:
    bp = Blueprint("auth", __name__)

    throttle = LoginThrottle()

    @bp.route("/login", methods=["GET", "POST"])
    def login():
        error, status = None, 200
        if request.method == "POST":
            email = request.form.get("email", "").strip().lower()
            keys = (f"ip:{request.remote_addr}", f"email:{email}")
            wait = throttle.retry_after(*keys)
            if wait:
                error, status = _("Too many failed log-ins. Try again in %(minutes)s minutes.",
                                  minutes=max(1, round(wait / 60))), 429
            else:
                user = service.check_login(db_session(), email,
                                           request.form.get("password", ""))
                if user is None:
                    throttle.failed(*keys)
                    error, status = _("Wrong email or password."), 401
                else:
                    throttle.succeeded(*keys)
                    login_user(user, remember=bool(request.form.get("remember")))
                    return redirect(_safe_next(request.args.get("next")))
        response = render_template("app/login.html", error=error,
                                   email=request.form.get("email", ""))
        return response, status

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
        response = redirect(_safe_next(request.form.get("next") or request.referrer and
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

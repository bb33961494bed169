"""Log in, log out, language, and the API tokens page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from app.auth import service
from app.auth.login import login_gate, login_page, safe_next
from app.web import db_session, runtime
from metadata.errors import InvalidDocument
from runtime.web.routes import GET_POST, POST, Route, add_routes


def login():
    if request.method == "POST":
        return login_gate().log_in()
    return login_page(None, 200)


def logout():
    logout_user()
    return redirect(url_for("auth.login"))


def set_locale():
    lang = request.form.get("lang", "")
    if lang not in ("zh", "en"):
        abort(400)
    if current_user.is_authenticated:
        service.set_locale(db_session(), current_user.id, lang)
        db_session().commit()
    response = redirect(safe_next(request.form.get("next") or request.referrer and
                                   urlsplit(request.referrer).path))
    response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


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
                           created=created, scopes=service.SCOPES)


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


ROUTES: tuple[Route, ...] = (
    ("/login", "login", login, GET_POST),
    ("/logout", "logout", logout, POST),
    ("/locale", "set_locale", set_locale, POST),
    ("/settings/tokens", "tokens", tokens, GET_POST),
    ("/settings/tokens/<int:token_id>/revoke", "revoke", revoke, POST),
)


def auth_blueprint() -> Blueprint:
    bp = Blueprint("auth", __name__)
    add_routes(bp, ROUTES)
    return bp

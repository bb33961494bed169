"""The log-in form's POST: throttle, check the password, remember the device."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, make_response, redirect, render_template, request, url_for
from flask_babel import format_time, format_timedelta
from flask_babel import gettext as _
from flask_login import login_user

from app.auth import service
from app.auth.devices import COOKIE, MAX_AGE, DeviceCookies
from app.auth.throttle import Attempt, LoginThrottle
from app.web import db_session, runtime


def safe_next(target: str | None) -> str:
    """A local path to go to after logging in, never another site."""
    if not target:
        return url_for("shell.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return url_for("shell.home")
    return target


def login_page(error: str | None, status: int, headers: dict | None = None):
    body = render_template("app/login.html", error=error, email=request.form.get("email", ""))
    return body, status, headers or {}


class LoginGate:
    """Checks a posted e-mail and password behind the throttle."""

    def __init__(self, throttle: LoginThrottle, devices: DeviceCookies):
        self.throttle = throttle
        self.devices = devices

    def attempt(self) -> Attempt:
        account = request.form.get("email", "").strip().lower()[:254]
        raw = request.cookies.get(COOKIE)
        # remote_addr is the real client once TRELLIS_TRUSTED_PROXIES names the proxies in front
        return Attempt(account=account, address=(request.remote_addr or "")[:64],
                       device=self.devices.trusted_device(raw, account))

    def log_in(self):
        session, now = db_session(), runtime().clock.now()
        attempt = self.attempt()
        wait = self.throttle.retry_after(session, attempt, now)
        if wait:
            return self.locked(wait, now)
        user = service.check_login(session, attempt.account, request.form.get("password", ""))
        # end the reads; then, holding the counters, look again: an attempt elsewhere may have
        # reached a limit while this password was checked, and its lock holds for this one too
        session.commit()
        self.throttle.hold(session, attempt)
        wait = self.throttle.retry_after(session, attempt, now)
        if wait:
            session.commit()
            return self.locked(wait, now)
        if user is None:
            self.throttle.failed(session, attempt, now)
            session.commit()
            self.throttle.prune(session, now)
            session.commit()
            return login_page(_("Wrong email or password."), 401)
        self.throttle.succeeded(session, attempt)
        session.commit()
        login_user(user, remember=bool(request.form.get("remember")))
        response = make_response(redirect(safe_next(request.args.get("next"))))
        response.set_cookie(COOKIE, self.devices.after_login(request.cookies.get(COOKIE),
                                                             attempt.account),
                            max_age=int(MAX_AGE.total_seconds()), httponly=True, samesite="Lax",
                            secure=bool(current_app.config["SESSION_COOKIE_SECURE"]))
        return response

    def locked(self, wait: int, now):
        """429 with Retry-After, and a page saying when to try again."""
        delay = timedelta(seconds=wait)
        error = _("Too many failed log-ins. Try again at %(time)s (%(delay)s).",
                  time=format_time(now + delay, "short"),
                  delay=format_timedelta(delay, add_direction=True))
        return login_page(error, 429, {"Retry-After": str(wait)})


LOGIN_GATE = "trellis_login_gate"  # the app's LoginGate, in app.extensions (app.auth.init_app)


def login_gate() -> LoginGate:
    return current_app.extensions[LOGIN_GATE]

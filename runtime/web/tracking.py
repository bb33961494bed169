"""The links of e-mails, reached without logging in (``/t/...``): a tracked link records the
click and redirects to the URL that was in the message (only such URLs: the signed token
names a message and the index of its link, never a URL); an unsubscribe link asks, then
marks the recipient unsubscribed for the app. The blueprint is exempt from the session CSRF
check: the signed token is the authority (a mail client's one-click unsubscribe posts it
without a page)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _

from runtime.notify.clicks import click, unsubscribe
from runtime.web import current_runtime
from runtime.web.routes import GET, GET_POST, Route, add_routes


def follow(token: str):
    rt = current_runtime()
    with rt.session(timeout=rt.settings.get("statement_timeout") or 0) as session, \
            session.begin():
        url = click(rt, session, token, rt.clock.now())
    if url is None:
        abort(404)
    return redirect(url, 302)


def unsubscribe_page(token: str):
    rt = current_runtime()
    found = rt.notify.tokens.unsubscription(token)
    if found is None:
        abort(404)
    lang = _lang()
    done = False
    if request.method == "POST":
        with rt.session(timeout=rt.settings.get("statement_timeout") or 0) as session, \
                session.begin():
            unsubscribe(rt, session, token, rt.clock.now())
        done = True
    with force_locale(lang):
        title = _("Unsubscribed") if done else _("Unsubscribe")
        message = (_("%(address)s will receive no more messages of this kind.",
                     address=found.address) if done else
                   _("Stop sending messages to %(address)s?", address=found.address))
        return render_template("runtime/public/unsubscribe.html", lang=lang, title=title,
                               message=message, done=done, color="",
                               button=_("Unsubscribe"))


def _lang() -> str:
    asked = request.args.get("lang")
    if asked in ("zh", "en"):
        return asked
    return request.accept_languages.best_match(["zh", "en"]) or "zh"


ROUTES: tuple[Route, ...] = (
    ("/t/<token>", "follow", follow, GET),
    ("/t/unsubscribe/<token>", "unsubscribe", unsubscribe_page, GET_POST),
)


def tracking_blueprint() -> Blueprint:
    bp = Blueprint("tracking", __name__)
    add_routes(bp, ROUTES)
    return bp

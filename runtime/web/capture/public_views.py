"""Public form pages, for anyone, without logging in: ``/f/<app>/<slug>`` (the page and its
submissions), its live formula state, its QR codes, and the embedding script.

A submission: the honeypot (filled: answered as a success, nothing stored), the page's signed
token (missing or forged: 400; too fast or too old: the page again), the rate limit per client
address (429), then the intake (``runtime.capture.intake.submit``), which checks and
calculates exactly as for a logged-in person. The answer is a thank-you (or the designer's
redirect) or the page with the problems of the fields it shows — never stored data.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from flask import Response, abort, redirect, render_template, request, send_file, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from metadata.errors import Problem
from runtime.capture import ratelimit
from runtime.capture.intake import submit as intake
from runtime.capture.public import PublicForm
from runtime.web import current_runtime, db_session, read_only
from runtime.web.capture import tokens
from runtime.web.capture.public_page import (
    HONEYPOT,
    TOKEN,
    arrival,
    nothing_related,
    page_lang,
    param_values,
    public_access,
    public_principal,
    public_vm,
)
from runtime.web.capture.service import active_user, external_url
from runtime.web.forms import live
from runtime.web.forms.formdata import parse_post
from runtime.web.routes import GET, POST, Route

STATIC = Path(__file__).resolve().parents[3] / "static" / "js"
CSP = ("default-src 'self'; img-src 'self' data: {logo}; style-src 'self' 'unsafe-inline'; "
       "script-src 'self'; object-src 'none'; frame-ancestors {ancestors}; base-uri 'self'; "
       "form-action 'self' {redirect}")


def find(app_key: str, slug: str) -> PublicForm:
    """The published form of ``app_key`` whose public page is at ``slug`` (404 otherwise)."""
    rt = current_runtime()
    for doc in rt.published_documents(db_session(), "form"):
        if doc.app_key == app_key and ((doc.body.get("capture") or {}).get("public")
                                       or {}).get("slug") == slug:
            page = PublicForm.of(app_key, doc.body, rt.fields)
            if page is not None:
                return page
    abort(404)


def framed(response: Response, page: PublicForm) -> Response:
    """This page alone may be framed (by the sites ``embed_origins`` names, else any)."""
    logo = (page.config.get("theme") or {}).get("logo") or ""
    redirect_to = page.redirect or ""
    response.headers["Content-Security-Policy"] = CSP.format(
        ancestors=page.frame_ancestors(), logo=_origin(logo),
        redirect=_origin(redirect_to)).replace("  ", " ")
    response.headers["Cache-Control"] = "no-store"
    return response


def _origin(url: str) -> str:
    if not url.startswith(("https://", "http://")):
        return ""
    scheme, _sep, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def render(page: PublicForm, status: int = 200, posted=None, problems=(), notice: str = ""
           ) -> Response:
    lang = page_lang()
    with force_locale(lang):
        plan = current_runtime().plan(db_session(), page.app_key, page.form_key)
        token = tokens.issue(f"{page.app_key}/{page.slug}")
        vm = public_vm(plan, page, lang, token, posted, list(problems))
        if notice:
            vm.errors.append(notice)
        html = render_template("runtime/public/form.html", page=vm)
    return framed(Response(html, status), page)


_THANKS: dict[tuple, str] = {}  # the thank-you page of a form version, language and address


def thanks(page: PublicForm, version: int = 0) -> Response:
    if page.redirect:
        return redirect(page.redirect, 303)
    lang = page_lang()
    again = request.full_path.rstrip("?")
    key = (page.app_key, page.slug, version, lang, again)
    html = _THANKS.get(key) if version else None
    if html is None:
        html = _thanks_html(page, lang, again)
        if version and len(_THANKS) < 10_000:
            _THANKS[key] = html
    return framed(Response(html), page)


def _thanks_html(page: PublicForm, lang: str, again: str) -> str:
    from metadata.labels import label_text

    with force_locale(lang):
        message = label_text((page.config.get("thanks") or {}).get("message"), lang)
        plan = current_runtime().plan(db_session(), page.app_key, page.form_key)
        return render_template("runtime/public/thanks.html", lang=lang,
                               title=label_text(page.config.get("title"), lang)
                               or plan.label(lang),
                               message=message or _("Thank you! We have received your "
                                                    "submission."),
                               color=(page.config.get("theme") or {}).get("color") or "",
                               again=again)


def page_view(app_key: str, slug: str) -> Response:
    page = find(app_key, slug)
    if request.method == "GET":
        return render(page)
    return submission(page)


def submission(page: PublicForm) -> Response:
    if request.form.get(HONEYPOT):
        return thanks(page)  # a bot: it learns nothing
    verdict = tokens.check(request.form.get(TOKEN), f"{page.app_key}/{page.slug}",
                           page.min_seconds)
    if verdict == tokens.MISSING:
        abort(400)
    rt, session = current_runtime(), db_session()
    plan = rt.plan(session, page.app_key, page.form_key)
    posted = parse_post(plan, request.form, public_access(plan, page))
    if verdict != tokens.VALID:
        with force_locale(page_lang()):
            notice = _("That was quick! Please check your answers and submit again.") \
                if verdict == tokens.TOO_FAST else \
                _("This page was open for a long time: please submit again.")
        return render(page, 422, posted, notice=notice)
    return _create(page, plan, posted)


def _counted(page: PublicForm) -> bool:
    """Count the submission against its client address's limit (in the caller's
    transaction); whether it is within the limit."""
    rt, session = current_runtime(), db_session()
    limit, seconds = page.rate
    key = f"public:{page.app_key}:{page.slug}:{request.remote_addr or '-'}"
    return ratelimit.count(session, key, rt.clock.now(), timedelta(seconds=seconds)) <= limit


def _too_many(page: PublicForm) -> Response:
    with force_locale(page_lang()):
        text = _("Too many submissions from your network: please try again in a minute.")
    response = Response(text, 429, mimetype="text/plain")
    response.headers["Retry-After"] = str(page.rate[1])
    return framed(response, page)


def _create(page: PublicForm, plan, posted: dict) -> Response:
    """Count the submission and create its record in one transaction; a refused one is
    still counted (in a transaction of its own), and answered with the page again."""
    rt, session = current_runtime(), db_session()
    if not _counted(page):
        session.commit()
        return _too_many(page)
    records = rt.records(session, plan, public_principal(page), via="public")
    records.lang = page_lang()
    payload = {**param_values(plan, page, request.args),
               **{k: v for k, v in posted.items() if v not in (None, [], "")}}
    if page.owner is not None and active_user(session, page.owner):
        payload["owner"] = page.owner
    touch = arrival(page, request.args, request.headers.get("Referer"))
    [outcome] = intake(records, [payload], [touch])
    if outcome.outcome is None:
        session.rollback()
        _counted(page)
        session.commit()
        problems = [Problem(e["path"], e["message"], record=e.get("record"))
                    for e in outcome.errors]
        return render(page, 422, posted, problems)
    session.commit()
    return thanks(page, plan.version)


@read_only
def state(app_key: str, slug: str) -> Response:
    """The live form's formula state for what a stranger has typed (exposed fields only)."""
    page = find(app_key, slug)
    rt = current_runtime()
    plan = rt.plan(db_session(), page.app_key, page.form_key)
    with force_locale(page_lang()):
        return live.state_response(plan, {}, public_access(plan, page), page_lang(),
                                   nothing_related)


def qr(app_key: str, slug: str, kind: str) -> Response:
    """The page's address as a QR code (PNG or SVG, by segno), with the query string asked
    with (``qr.png?utm_source=expo`` codes the campaign into the address)."""
    find(app_key, slug)
    query = request.query_string.decode()
    target = external_url(url_for("capture.public_page", app_key=app_key, slug=slug)) + \
        (f"?{query}" if query else "")
    import segno  # the QR code page only: not loaded by every web, worker and scheduler process

    code = segno.make(target, error="m")
    out = io.BytesIO()
    if kind == "svg":
        code.save(out, kind="svg", scale=8, border=2, xmldecl=False)
        mimetype = "image/svg+xml"
    else:
        code.save(out, kind="png", scale=10, border=2)
        mimetype = "image/png"
    response = Response(out.getvalue(), mimetype=mimetype)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def qr_png(app_key: str, slug: str) -> Response:
    return qr(app_key, slug, "png")


def qr_svg(app_key: str, slug: str) -> Response:
    return qr(app_key, slug, "svg")


def embed_script() -> Response:
    """The script that embeds a public form in another site and sizes its iframe."""
    response = send_file(STATIC / "trellis-embed.js", mimetype="text/javascript",
                         max_age=3600)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def region_options() -> Response:
    """The cities or districts of a place (public data), for a public form's region input."""
    from runtime.web.forms.lookups import region_options as options

    return Response(options())


ROUTES: tuple[Route, ...] = (
    ("/f/embed.js", "embed_script", embed_script, GET),
    ("/f/_regions", "region_options", region_options, GET),
    ("/f/<app_key>/<slug>", "public_page", page_view, ("GET", "POST")),
    ("/f/<app_key>/<slug>/state", "public_state", state, POST),
    ("/f/<app_key>/<slug>/qr.png", "public_qr_png", qr_png, GET),
    ("/f/<app_key>/<slug>/qr.svg", "public_qr_svg", qr_svg, GET),
)

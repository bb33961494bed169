"""The Channels page of a form (/build/<app>/forms/<form>/capture): the public form's
settings with its link, embed code and QR code; the webhooks with their mapping editor and a
test payload, their address and secret (admins), and the console of their deliveries with
replays. Settings go into the draft (``capture``) through the document store; publishing the
form puts them to work, as for any other change of the form."""

from __future__ import annotations

import json
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.capture_vm import hook_config, hook_vms, public_config, public_settings
from metadata.errors import TrellisError
from metadata.labels import label_text
from runtime.capture.deliveries import Deliveries, as_json
from runtime.capture.webhooks import Webhook, compiled
from runtime.web import current_runtime, db_session, read_only, transaction
from runtime.web.capture.service import (
    active_user,
    endpoints,
    ensure_endpoint,
    external_url,
    records_of,
)
from runtime.web.messages import translate, ui_lang
from runtime.web.routes import GET, POST, Route

MAX_PAYLOAD = 256 * 1024


def _docs(app_key: str, form_key: str) -> tuple[Any, dict | None]:
    rt, session = current_runtime(), db_session()
    doc = rt.store.get(session, app_key, "form", form_key)
    return doc, rt.store.published_body(session, doc)


def page(app_key: str, form_key: str):
    rt = current_runtime()
    doc, published = _docs(app_key, form_key)
    lang = ui_lang()
    public = public_settings(doc.draft, rt.fields, lang)
    owner_name = rt.directory.names(db_session(), [int(public.owner)]).get(int(public.owner)) \
        if public.owner else None
    live = ((published or {}).get("capture") or {}).get("public") or {}
    link = external_url(url_for("capture.public_page", app_key=app_key, slug=live["slug"])) \
        if live.get("slug") and live.get("enabled", True) else ""
    hooks = hook_vms(doc.draft, published)
    if "admin" in current_user.role_keys:
        for hook in hooks:
            _reveal(app_key, form_key, hook)
    return render_template(
        "builder/capture.html", app_key=app_key, form_key=form_key, public=public,
        owner_name=owner_name, users_url=url_for("forms.user_search"),
        link=link, hooks=hooks, admin="admin" in current_user.role_keys,
        form_label=label_text(doc.draft.get("label"), lang) or form_key,
        designer_url=url_for("builder.form_designer", app_key=app_key, form_key=form_key),
        published=doc.published_version is not None, draft_differs=doc.draft != published)


def _reveal(app_key: str, form_key: str, hook) -> None:
    if not hook.published:
        return
    ensure_endpoint(app_key, form_key, hook.key)
    store = endpoints()
    revealed = store.reveal(store.get(app_key, form_key, hook.key))
    hook.url = external_url(f"/hooks/{revealed.token}") if revealed.token else None
    hook.secret = revealed.secret
    rt = current_runtime()
    plan = rt.plan(db_session(), app_key, form_key)
    service = Deliveries(db_session(), Webhook.all_of(app_key, plan.doc)[hook.key],
                         rt.clock.now, records_of(app_key, form_key, "webhook"), active_user)
    hook.deliveries = [as_json(d) for d in service.latest(limit=20)]


def _save(app_key: str, form_key: str, change) -> bool:
    """Apply ``change`` to a copy of the draft and save it (and publish, when asked)."""
    rt, session = current_runtime(), db_session()
    doc = rt.store.get(session, app_key, "form", form_key)
    body = json.loads(json.dumps(doc.draft))
    change(body.setdefault("capture", {}))
    if not body["capture"]:
        body.pop("capture")
    try:
        with transaction():
            saved = rt.store.save_draft(session, app_key, "form", form_key, body,
                                        doc.revision, current_user.id)
            if request.form.get("publish") == "1":
                rt.publish(session, saved, current_user.id, "channels")
    except TrellisError as exc:
        for problem in exc.problems:
            flash(f"{problem.path}: {translate(problem.message)}", "error")
        return False
    flash(_("Published.") if request.form.get("publish") == "1" else _("Saved to the draft."),
          "success")
    return True


def save_public(app_key: str, form_key: str):
    keys = [f["key"] for f in _docs(app_key, form_key)[0].draft.get("fields", [])]
    config = public_config(request.form, keys)

    def change(capture: dict) -> None:
        if config["slug"] or config["enabled"]:
            capture["public"] = config
        else:
            capture.pop("public", None)

    _save(app_key, form_key, change)
    return redirect(url_for("builder.form_capture", app_key=app_key, form_key=form_key))


def save_hook(app_key: str, form_key: str):
    config, problems = hook_config(request.form)
    index = request.form.get("index", type=int)
    for problem in problems:
        flash(problem, "error")
    if not problems:
        def change(capture: dict) -> None:
            hooks = capture.setdefault("webhooks", [])
            if request.form.get("remove") == "1" and index is not None:
                hooks.pop(index)
            elif index is not None and 0 <= index < len(hooks):
                hooks[index] = {**hooks[index], **config}
            else:
                hooks.append(config)
            if not hooks:
                capture.pop("webhooks")

        _save(app_key, form_key, change)
    return redirect(url_for("builder.form_capture", app_key=app_key, form_key=form_key,
                            _anchor="webhooks"))


@read_only
def try_mapping(app_key: str, form_key: str):
    """What a test payload becomes under a mapping (both as typed on the page): per field,
    the path, what it picked and the value the form would receive; and the problems."""
    rt = current_runtime()
    rows, problems = [], []
    try:
        mapping = json.loads(request.form.get("mapping") or "{}")
        payload = json.loads((request.form.get("payload") or "null")[:MAX_PAYLOAD])
    except ValueError as exc:
        problems.append(str(exc))
        mapping, payload = {}, None
    if not problems:
        compiled_map = compiled(mapping, rt.functions, "/mapping")
        applied = compiled_map.apply(payload)
        sources = compiled_map.sources()
        rows = [{"field": key, "source": sources.get(key, ""),
                 "picked": json.dumps(applied.picked.get(key), ensure_ascii=False),
                 "value": json.dumps(value, ensure_ascii=False)}
                for key, value in applied.values.items()]
        problems = [f"{p.path}: {translate(p.message)}"
                    for p in compiled_map.problems + applied.problems]
    return render_template("builder/_capture_try.html", rows=rows, problems=problems)


def rotate(app_key: str, form_key: str, hook_key: str):
    if "admin" not in current_user.role_keys:
        return redirect(url_for("builder.form_capture", app_key=app_key, form_key=form_key))
    store = endpoints()
    ensure_endpoint(app_key, form_key, hook_key)
    given = (request.form.get("secret") or "").strip()
    store.rotate(store.get(app_key, form_key, hook_key),
                 address=request.form.get("address") == "1", secret=given or True)
    db_session().commit()
    flash(_("The webhook's secret was changed: give the new one to the sender."), "success")
    return redirect(url_for("builder.form_capture", app_key=app_key, form_key=form_key,
                            _anchor="webhooks"))


def replay(app_key: str, form_key: str, hook_key: str):
    if "admin" not in current_user.role_keys:
        return redirect(url_for("builder.form_capture", app_key=app_key, form_key=form_key))
    rt = current_runtime()
    plan = rt.plan(db_session(), app_key, form_key)
    service = Deliveries(db_session(), Webhook.all_of(app_key, plan.doc)[hook_key],
                         rt.clock.now, records_of(app_key, form_key, "webhook"), active_user)
    store = endpoints()
    secret = store.reveal(store.get(app_key, form_key, hook_key)).secret
    chosen = request.form.get("delivery", type=int)
    rows = [service.one(chosen)] if chosen else service.refused()
    done = [service.replay(row, secret) for row in rows if row is not None]
    applied = sum(1 for row in done if row.status == "applied")
    flash(_("Replayed %(n)s: %(applied)s applied.", n=len(done), applied=applied), "success")
    return redirect(url_for("builder.form_capture", app_key=app_key, form_key=form_key,
                            _anchor="webhooks"))


CAPTURE = "/<app_key>/forms/<form_key>/capture"
ROUTES: tuple[Route, ...] = (
    (CAPTURE, "form_capture", page, GET),
    (CAPTURE + "/public", "capture_public", save_public, POST),
    (CAPTURE + "/webhooks", "capture_hook", save_hook, POST),
    (CAPTURE + "/_try", "capture_try", try_mapping, POST),
    (CAPTURE + "/webhooks/<hook_key>/rotate", "capture_rotate", rotate, POST),
    (CAPTURE + "/webhooks/<hook_key>/replay", "capture_replay", replay, POST),
)

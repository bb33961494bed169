"""The identity editor of a form (/build/<app>/forms/<form>/identity): how the form recognises
the same person or company arriving again. The page prints the form's draft; builder-identity.js
edits its ``identity`` and saves the whole draft through the documents API (PUT with If-Match),
as the form designer does, so a refusal comes back as problems with JSON Pointers that the page
shows beside the control at fault. Publishing the form puts the rules to work; the "Find
duplicates" panel (runtime.web.identity.scan) then applies them to the records stored before."""

from __future__ import annotations

from flask import render_template, url_for

from builder.identity_vm import identity_vm
from runtime.web import current_runtime, db_session
from runtime.web.identity.scan import panel_of
from runtime.web.messages import ui_lang
from runtime.web.routes import GET, Route


def page(app_key: str, form_key: str):
    rt, session = current_runtime(), db_session()
    doc = rt.store.get(session, app_key, "form", form_key)
    api = f"/api/v1/apps/{app_key}/forms/{form_key}"
    keys = {"app_key": app_key, "form_key": form_key}
    urls = {"api": api, "publish": api + "/publish", "home": url_for("builder.home"),
            "designer": url_for("builder.form_designer", **keys),
            "history": url_for("builder.history", app_key=app_key, kinds="forms",
                               key=form_key),
            "scan": url_for("forms.identity_scan", **keys)}
    if doc.published_version is not None:  # the records' side: pairs waiting, merges made
        urls["review"] = url_for("forms.review_queue", **keys)
        urls["merges"] = url_for("forms.merge_history", **keys)
        urls["rebuild"] = api + "/identity/rebuild"
    vm = identity_vm(doc.draft, rt.store.published_body(session, doc), rt.fields, ui_lang(),
                     app_key=app_key, form_key=form_key, revision=doc.revision,
                     published_version=doc.published_version, urls=urls)
    scan = panel_of(app_key, form_key) if doc.published_version is not None else None
    return render_template("builder/identity.html", vm=vm, scan=scan)


ROUTES: tuple[Route, ...] = (
    ("/<app_key>/forms/<form_key>/identity", "form_identity", page, GET),
)

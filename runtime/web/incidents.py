"""The admin page of incidents (/admin/incidents): what rules' asynchronous actions kept
failing and which chains of rules were stopped, in every app, with a retry button."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from metadata.errors import TrellisError
from metadata.labels import label_text
from runtime.rules.incidents import INCIDENTS, RETRYABLE, retry_incident
from runtime.web import current_runtime, db_session, transaction
from runtime.web.messages import N_, ui_lang
from runtime.web.routes import GET, POST

SHOWN = 200


def incidents_page():
    rows = db_session().execute(sa.select(INCIDENTS).order_by(
        INCIDENTS.c.status != "open", INCIDENTS.c.id.desc()).limit(SHOWN)).mappings()
    kinds = {"rule_action": _("a rule's action kept failing"),
             "rule_chain": _("a chain of rules was stopped")}
    statuses = {"open": _("open"), "retrying": _("retrying"), "resolved": _("resolved")}
    names = Names(ui_lang())
    return render_template("runtime/incidents_admin.html", kinds=kinds, statuses=statuses,
                           incidents=[{**r, "retryable": r["kind"] in RETRYABLE
                                       and r["status"] == "open", **names.of(r),
                                       "summary": summary_words(r)}
                                      for r in rows])


def summary_words(row) -> str:
    """The incident's summary in the reader's language (kept as a message), else as
    stored."""
    message = row.get("message")
    if not message:
        return row["summary"]
    return _(message["template"], **(message.get("params") or {}))


class Names:
    """What an incident is about in words: the record as a link with its form's label, the
    rules by their labels (keys where the metadata is gone)."""

    def __init__(self, lang: str):
        self.lang = lang
        self.forms: dict[tuple[str, str], str | None] = {}
        self.rules: dict[str, dict[str, str]] = {}

    def of(self, row) -> dict:
        app_key, form_key, record_id = row["app_key"], row["form_key"], row["record_id"]
        form = self.form(app_key, form_key) if form_key else None
        url = url_for("forms.record_detail", app_key=app_key, form_key=form_key,
                      record_id=record_id) if form and record_id else ""
        rules = self.rule_labels(app_key)
        return {"record": f"{form or form_key} #{record_id}" if record_id else "",
                "record_url": url,
                "rule_label": ", ".join(rules.get(k.strip(), k.strip())
                                        for k in (row["rule"] or "").split(",") if k.strip())}

    def form(self, app_key: str, form_key: str) -> str | None:
        if (app_key, form_key) not in self.forms:
            try:
                plan = current_runtime().plan(db_session(), app_key, form_key)
                self.forms[app_key, form_key] = plan.label(self.lang) or form_key
            except TrellisError:  # the form is gone or unpublished
                self.forms[app_key, form_key] = None
        return self.forms[app_key, form_key]

    def rule_labels(self, app_key: str) -> dict[str, str]:
        if app_key not in self.rules:
            loaded = current_runtime().rules.app(db_session(), app_key).by_form
            self.rules[app_key] = {
                f"{ls.key}.{r['key']}": label_text(r.get("label"), self.lang) or r["key"]
                for rulesets in loaded.values() for ls in rulesets
                for r in ls.doc.get("rules") or []}
        return self.rules[app_key]


def retry_one(incident_id: int):
    rt = current_runtime()
    row = db_session().execute(sa.select(INCIDENTS).where(INCIDENTS.c.id == incident_id)
                               ).mappings().first()
    job_id = None
    if row is not None:
        with transaction() as session:
            job_id = retry_incident(session, dict(row), rt.clock.now())
    if job_id is None and (row is None or row["kind"] != "workflow_step"):
        flash(_("Incident %(id)s cannot be retried.", id=incident_id), "error")
    else:
        if job_id is not None:
            rt.launch_rule_job(job_id)
        flash(_("Incident %(id)s will be tried again.", id=incident_id), "success")
    return redirect(url_for("admin.incidents"))


class IncidentsPage:
    """A page of the admin area; the admin blueprint lets admins only in."""

    key = "incidents"
    label = N_("Incidents")
    endpoint = "admin.incidents"

    routes = (
        ("/incidents", "incidents", incidents_page, GET),
        ("/incidents/<int:incident_id>/retry", "incidents_retry", retry_one, POST),
    )

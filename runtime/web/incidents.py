"""The admin page of incidents (/admin/incidents): what rules' asynchronous actions kept
failing and which chains of rules were stopped, in every app, with a retry button."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from runtime.rules.incidents import INCIDENTS, RETRYABLE, retry_incident
from runtime.web import current_runtime, db_session, transaction
from runtime.web.messages import N_
from runtime.web.routes import GET, POST

SHOWN = 200


def incidents_page():
    rows = db_session().execute(sa.select(INCIDENTS).order_by(
        INCIDENTS.c.status != "open", INCIDENTS.c.id.desc()).limit(SHOWN)).mappings()
    kinds = {"rule_action": _("a rule's action kept failing"),
             "rule_chain": _("a chain of rules was stopped")}
    statuses = {"open": _("open"), "retrying": _("retrying"), "resolved": _("resolved")}
    return render_template("runtime/incidents_admin.html", kinds=kinds, statuses=statuses,
                           incidents=[{**r, "retryable": r["kind"] in RETRYABLE
                                       and r["status"] == "open"} for r in rows])


def retry_one(incident_id: int):
    rt = current_runtime()
    row = db_session().execute(sa.select(INCIDENTS).where(INCIDENTS.c.id == incident_id)
                               ).mappings().first()
    job_id = None
    if row is not None:
        with transaction() as session:
            job_id = retry_incident(session, dict(row), rt.clock.now())
    if job_id is None:
        flash(_("Incident %(id)s cannot be retried.", id=incident_id), "error")
    else:
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

"""The admin page of record events (/admin/events): each consumer's backlog, the deliveries
that failed with their errors, and a retry button."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from runtime.events.delivery import retry
from runtime.events.status import backlogs, failed_deliveries, failed_ids
from runtime.web import current_principal, current_runtime, db_session, transaction


def _require_admin():
    principal = current_principal()
    if principal is None:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if not principal.is_admin:
        abort(403)
    return None


def _retry(delivery_ids: list[int]) -> int:
    """Give failed deliveries their attempts again and hand them out; how many there were."""
    hub, now = current_runtime().events, current_runtime().clock.now()
    groups: dict[str, list[int]] = {}
    with transaction() as session:
        for delivery_id in delivery_ids:
            found = retry(hub, session, delivery_id, now)
            if found is not None:
                groups.setdefault(found[0], []).append(found[1])
    hub.publish(groups)  # without a queue, the sweeper's next pass delivers them
    return sum(len(ids) for ids in groups.values())


def events_admin_blueprint() -> Blueprint:
    bp = Blueprint("events_admin", __name__)
    bp.before_request(_require_admin)

    @bp.get("")
    def index():
        runtime, session = current_runtime(), db_session()
        modes = {"synchronous": _("inside the write"), "asynchronous": _("in a worker"),
                 "unregistered": _("no longer registered")}
        return render_template("runtime/events_admin.html", modes=modes,
                               consumers=backlogs(session, runtime.consumers),
                               failed=failed_deliveries(session))

    @bp.post("/deliveries/<int:delivery_id>/retry")
    def retry_one(delivery_id: int):
        if _retry([delivery_id]):
            flash(_("Delivery %(id)s will be tried again.", id=delivery_id), "success")
        else:
            flash(_("Delivery %(id)s has not failed (any more).", id=delivery_id), "error")
        return redirect(url_for("events_admin.index"))

    @bp.post("/consumers/<consumer>/retry")
    def retry_consumer(consumer: str):
        count = _retry(failed_ids(db_session(), consumer))
        flash(_("%(n)s failed deliveries of %(consumer)s will be tried again.", n=count,
                consumer=consumer), "success")
        return redirect(url_for("events_admin.index"))

    return bp

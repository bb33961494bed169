"""The admin page of record events (/admin/events): each consumer's backlog, the deliveries
that failed with their errors, and a retry button."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from runtime.events.delivery import retry
from runtime.events.status import backlogs, failed_deliveries, failed_ids
from runtime.web import current_runtime, db_session, transaction
from runtime.web.messages import N_
from runtime.web.routes import GET, POST


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


def events_page():
    runtime, session = current_runtime(), db_session()
    modes = {"synchronous": _("inside the write"), "asynchronous": _("in a worker"),
             "unregistered": _("no longer registered")}
    return render_template("runtime/events_admin.html", modes=modes,
                           consumers=backlogs(session, runtime.consumers),
                           failed=failed_deliveries(session))


def retry_one(delivery_id: int):
    if _retry([delivery_id]):
        flash(_("Delivery %(id)s will be tried again.", id=delivery_id), "success")
    else:
        flash(_("Delivery %(id)s has not failed (any more).", id=delivery_id), "error")
    return redirect(url_for("admin.events"))


def retry_consumer(consumer: str):
    count = _retry(failed_ids(db_session(), consumer))
    flash(_("%(n)s failed deliveries of %(consumer)s will be tried again.", n=count,
            consumer=consumer), "success")
    return redirect(url_for("admin.events"))


class EventsPage:
    """A page of the admin area (``/admin/events``); the admin blueprint lets admins only in."""

    key = "events"
    label = N_("Record events")
    endpoint = "admin.events"

    routes = (
        ("/events", "events", events_page, GET),
        ("/events/deliveries/<int:delivery_id>/retry", "events_retry_one", retry_one, POST),
        ("/events/consumers/<consumer>/retry", "events_retry_consumer", retry_consumer, POST),
    )

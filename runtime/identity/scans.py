"""Starting and reading "find duplicates" scans of a form (the job runs them: ``scan_job``).

Who may: a person who may update every record of the form (a scan merges records of anyone);
one who may update only some is refused, as is anyone while the form has no match rules. One
scan per form at a time: a partial UNIQUE index on the running ones refuses a second, whatever
the timing, and the refusal names the running scan.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from metadata.errors import Conflict, Forbidden, NotFound, Problem, TrellisError
from metadata.messages import msg
from runtime.identity.models import SCAN_ACTIVE, IdentityScan
from runtime.identity.store import rules_of
from runtime.storage.records import Records, iso

SCANS = IdentityScan.__table__
LISTED = 20
NO_QUEUE = msg("the background job could not be started (the job queue is not reachable); "
               "try again later")


class ScanRunning(Conflict):
    """A scan of the form is queued or running already: ``scan`` is it."""

    def __init__(self, scan: Mapping[str, Any]):
        super().__init__([Problem("", msg("a scan of this form is running already (scan "
                                          "%(n)s): wait for it to finish", n=scan["id"]))])
        self.scan = scan


def scan_json(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "status": row["status"], "phase": row["phase"],
            "total": row["total"], "processed": row["processed"], "merged": row["merged"],
            "queued": row["queued"], "error": row["error"], "user": row["user_id"],
            "created_at": iso(row["created_at"]), "started_at": iso(row["started_at"]),
            "finished_at": iso(row["finished_at"])}


def require_scanner(records: Records) -> None:
    """Refuse one who may not update every record of the form."""
    what = records.plan.label("en") or records.plan.form_key
    if records.access.require("update", what) != "all":
        raise Forbidden([Problem("", msg("finding duplicates merges records of everyone: "
                                         "only those who may update all records of "
                                         "%(form)s may start it", form=what))])


def _form(records: Records) -> sa.ColumnElement[bool]:
    plan = records.plan
    return sa.and_(SCANS.c.app_key == plan.app_key, SCANS.c.form_key == plan.form_key)


def active(records: Records) -> dict[str, Any] | None:
    """The form's queued or running scan, if one is."""
    row = records.conn.execute(sa.select(SCANS).where(
        _form(records), SCANS.c.status.in_(SCAN_ACTIVE))).mappings().first()
    return dict(row) if row else None


def start(records: Records, lang: str) -> int:
    """Queue a scan of the form (the caller commits, then hands it to a job); its id."""
    require_scanner(records)
    if not rules_of(records.plan).through("scan"):
        raise TrellisError([Problem("/identity/match", msg(
            "%(form)s has no match rules: publish some first",
            form=records.plan.form_key))], status=422)
    running = active(records)
    if running is not None:
        raise ScanRunning(running)
    plan = records.plan
    savepoint = records.session.begin_nested()
    try:
        scan_id = records.conn.execute(SCANS.insert().values(
            app_key=plan.app_key, form_key=plan.form_key, user_id=records.principal.user_id,
            lang=lang, status="queued", phase="keys", processed=0, merged=0, queued=0,
            last_id=0, created_at=records.now)).inserted_primary_key[0]
    except IntegrityError:  # another request was quicker: the unique index refused this one
        savepoint.rollback()
        raise ScanRunning(active(records) or {"id": 0}) from None
    savepoint.commit()
    return scan_id


def get(records: Records, scan_id: int) -> dict[str, Any]:
    require_scanner(records)
    row = records.conn.execute(sa.select(SCANS).where(
        _form(records), SCANS.c.id == scan_id)).mappings().first()
    if row is None:
        raise NotFound([Problem("", msg("no such scan"))])
    return dict(row)


def latest(records: Records, limit: int = LISTED) -> list[dict[str, Any]]:
    """The form's scans, the latest first."""
    require_scanner(records)
    rows = records.conn.execute(sa.select(SCANS).where(_form(records))
                                .order_by(SCANS.c.id.desc()).limit(limit)).mappings()
    return [dict(r) for r in rows]


def fail_to_launch(records: Records, scan_id: int, reason: str) -> None:
    """A scan whose job could not be handed to a worker fails at once (not stuck queued):
    ``reason``, NO_QUEUE in the reader's words."""
    records.conn.execute(sa.update(SCANS).where(SCANS.c.id == scan_id).values(
        status="failed", error=reason, finished_at=records.now))

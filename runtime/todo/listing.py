"""A person's to-do list as data (for the page and ``GET /api/v1/todo``): their open tasks
with the app's priority and hint worked out on each record, overdue first, then by priority
(higher first), then by due time (none last)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from metadata.errors import TrellisError
from runtime.permissions import SYSTEM
from runtime.todo.hints import app_settings, work_out
from runtime.workflows import tasks as wf_tasks

if TYPE_CHECKING:
    from runtime.context import Runtime

FAR = datetime.max.replace(tzinfo=UTC)


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def _worked(rt: Runtime, session: Session, row: dict, lang: str) -> dict:
    plan = rt.plan(session, row["app_key"], row["form_key"])
    try:
        record = rt.records(session, plan, SYSTEM).get_all(row["record_id"])
    except TrellisError:
        return row
    worked = work_out(rt, session, app_settings(rt, session, row["app_key"]), plan, record,
                      lang)
    if worked.priority is not None:
        row["priority"] = worked.priority
    if worked.hint:
        row["hint"] = worked.hint
    return row


def open_tasks(rt: Runtime, session: Session, user_id: int, lang: str) -> list[dict]:
    """The user's open tasks (snoozed ones left out), ranked, each with ``overdue``."""
    now = rt.clock.now()
    rows = [_worked(rt, session, dict(r) | {"due_at": _aware(r["due_at"])}, lang)
            for r in wf_tasks.todo(session, user_id, now)]
    return sorted(rows, key=lambda r: (not r["overdue"], -(r["priority"] or 0),
                                       r["due_at"] or FAR, r["id"]))

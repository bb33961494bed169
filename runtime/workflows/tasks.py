"""Human tasks: decided by their assignee (approve, reject, return for changes, complete —
with a comment and the fields the step lets them edit), reassigned; and each person's to-do
list, overdue first, then by priority, then by due time."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from metadata.errors import NotFound, Problem, TrellisError
from runtime.permissions import SYSTEM, Principal
from runtime.storage.records import Records
from runtime.workflows.effects import CHANNEL
from runtime.workflows.runner import launcher
from runtime.workflows.store import INSTANCES, TASKS, Rows

if TYPE_CHECKING:
    from runtime.context import Runtime

OUTCOMES = {"approval": {"approve": "approved", "reject": "rejected", "return": "returned"},
            "task": {"complete": "done"}}


def task_of(session: Session, task_id: int, lock: bool = False) -> dict:
    query = sa.select(TASKS).where(TASKS.c.id == task_id)
    found = session.execute(query.with_for_update() if lock else query).mappings().first()
    if found is None:
        raise NotFound(f"no task {task_id}")
    return dict(found)


def _may_act(task: Mapping, principal: Principal) -> None:
    if task["assignee_id"] != principal.user_id and not principal.is_admin:
        raise TrellisError([Problem("", "this task is someone else's")], 403)
    if task["status"] != "open":
        raise TrellisError([Problem("", f"this task is {task['status']} already")], 409)


def decide(rt: Runtime, session: Session, task_id: int, principal: Principal, action: str,
           comment: str | None = None, values: Mapping[str, Any] | None = None) -> dict:
    """Decide an open task; the token waiting on it resumes in a step of its own."""
    task = task_of(session, task_id, lock=True)
    _may_act(task, principal)
    outcome = OUTCOMES.get(task["kind"], {}).get(action)
    if outcome is None:
        raise TrellisError([Problem("/action", f"a {task['kind']} is not {action}d; it takes "
                                    + ", ".join(OUTCOMES.get(task["kind"], {})))], 422)
    now = rt.clock.now()
    if values:
        _edit(rt, session, task, values, now)
    session.execute(TASKS.update().where(TASKS.c.id == task_id).values(
        status="done", outcome=outcome, comment=comment, decided_at=now,
        decided_by=principal.user_id))
    still_open = session.scalar(sa.select(sa.func.count()).where(
        TASKS.c.token_id == task["token_id"], TASKS.c.status == "open"))
    rows = Rows(session, now, launcher(rt))
    rows.owe(task["instance_id"], task["token_id"], task["node"], "task", f"k:{task_id}",
             {"outcome": outcome, "task": task_id, "open": still_open})
    return task_of(session, task_id)


def _edit(rt: Runtime, session: Session, task: Mapping, values: Mapping, now: datetime
          ) -> None:
    allowed = set(task["editable"] or [])
    wrong = [Problem(f"/values/{k}", "this step does not let you change this field")
             for k in values if k not in allowed]
    if wrong:
        raise TrellisError(wrong, 422)
    plan = rt.plan(session, task["app_key"], task["form_key"])
    Records(session, plan, SYSTEM, now, CHANNEL, directory=rt.directory).update(
        task["record_id"], dict(values))


def reassign(rt: Runtime, session: Session, task_id: int, principal: Principal,
             user_id: int) -> dict:
    task = task_of(session, task_id, lock=True)
    _may_act(task, principal)
    if not rt.directory.active(session, [user_id]):
        raise TrellisError([Problem("/user", f"user {user_id} is not an active user")], 422)
    session.execute(TASKS.update().where(TASKS.c.id == task_id).values(assignee_id=user_id))
    return task_of(session, task_id)


def snooze(session: Session, task_id: int, principal: Principal, until: datetime,
           now: datetime) -> dict:
    """Keep an open task out of its assignee's to-do list until ``until``."""
    task = task_of(session, task_id, lock=True)
    _may_act(task, principal)
    if until <= now:
        raise TrellisError([Problem("/until", "must be a time to come")], 422)
    session.execute(TASKS.update().where(TASKS.c.id == task_id).values(snoozed_until=until))
    return task_of(session, task_id)


def note(session: Session, task_id: int, principal: Principal, text: str, now: datetime,
         record: int | None = None) -> dict:
    """A follow-up noted on an open task (``record``: the activity record it created)."""
    task = task_of(session, task_id, lock=True)
    _may_act(task, principal)
    entry = {"at": now.isoformat(), "by": principal.user_id, "text": text[:2000]}
    if record is not None:
        entry["record"] = record
    session.execute(TASKS.update().where(TASKS.c.id == task_id).values(
        notes=[*(task["notes"] or []), entry][-50:]))
    return task_of(session, task_id)


def may_act(session: Session, task_id: int, principal: Principal) -> dict:
    """The open task ``principal`` may act on (403, 404 or 409 otherwise)."""
    task = task_of(session, task_id)
    _may_act(task, principal)
    return task


def _awake(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(TASKS.c.snoozed_until.is_(None), TASKS.c.snoozed_until <= now)


def open_count(session: Session, user_id: int, now: datetime) -> tuple[int, int]:
    """(open, overdue) tasks in the user's to-do list (snoozed ones left out)."""
    late = sa.case((TASKS.c.due_at < now, 1), else_=0)
    found = session.execute(sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(late), 0))
                            .where(TASKS.c.assignee_id == user_id, TASKS.c.status == "open",
                                   _awake(now))).one()
    return int(found[0]), int(found[1])


def todo(session: Session, user_id: int, now: datetime, limit: int = 200) -> list[dict]:
    """The user's open tasks, snoozed ones left out: overdue first, then higher priority,
    then sooner due."""
    overdue = sa.case((sa.and_(TASKS.c.due_at.is_not(None), TASKS.c.due_at < now), 0),
                      else_=1)
    rows = session.execute(
        sa.select(TASKS, INSTANCES.c.workflow).join(
            INSTANCES, INSTANCES.c.id == TASKS.c.instance_id)
        .where(TASKS.c.assignee_id == user_id, TASKS.c.status == "open", _awake(now))
        .order_by(overdue, TASKS.c.priority.desc(), TASKS.c.due_at.is_(None), TASKS.c.due_at,
                  TASKS.c.id).limit(limit)).mappings()
    return [dict(r) | {"overdue": bool(r["due_at"] and r["due_at"] < now)} for r in rows]

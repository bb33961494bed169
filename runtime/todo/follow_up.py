"""A follow-up logged from the to-do list: a record of the app's follow-up form (an activity)
linked to the task's record, created as the person logging it, when the app names one;
always a note on the task (with the record it created)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from metadata.errors import Problem, TrellisError
from runtime.permissions import Principal
from runtime.todo.hints import app_settings
from runtime.workflows import tasks as wf_tasks

if TYPE_CHECKING:
    from runtime.context import Runtime

MAX_TEXT = 2000


def log_follow_up(rt: Runtime, session: Session, task_id: int, principal: Principal,
                  text: object) -> dict:
    """The task with the follow-up noted on it; 422 at /text without a text."""
    if not isinstance(text, str) or not text.strip():
        raise TrellisError([Problem("/text", "write what was done")], 422)
    if len(text) > MAX_TEXT:
        raise TrellisError([Problem("/text", f"at most {MAX_TEXT} characters")], 422)
    task = wf_tasks.may_act(session, task_id, principal)
    follow = app_settings(rt, session, task["app_key"]).get("follow_up")
    record_id = None
    if follow:
        plan = rt.plan(session, task["app_key"], follow["form"])
        created = rt.records(session, plan, principal, via="web").create(
            {**(follow.get("values") or {}), follow["link"]: task["record_id"],
             follow["note"]: text.strip()})
        record_id = created["id"]
    return wf_tasks.note(session, task_id, principal, text.strip(), rt.clock.now(),
                         record=record_id)

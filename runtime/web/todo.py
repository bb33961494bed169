"""The signed-in user's daily to-do list (每日待办): their open approvals and tasks ranked by
the app's priority, each with its record, due time and hint; filters with counts; and the
actions done in place (approve, reject, return, complete, reassign, snooze, log a follow-up),
each through runtime.workflows.tasks. A refused action answers {path, message} with its
4xx status; the page shows it on the task."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, jsonify, make_response, render_template, request
from flask_babel import get_timezone
from flask_login import login_required

from metadata.errors import Problem, TrellisError
from runtime.todo.follow_up import log_follow_up
from runtime.todo.listing import open_tasks
from runtime.web import current_principal, current_runtime, db_session, transaction
from runtime.web.messages import ui_lang
from runtime.web.routes import GET, POST, Route, add_routes
from runtime.web.todo_view import task_vm, todo_vm
from runtime.workflows import tasks as wf_tasks

DECISIONS = ("approve", "reject", "return", "complete")
PEOPLE = 200  # users offered for a reassignment


def _view():
    rt, session, principal = current_runtime(), db_session(), current_principal()
    now, lang = rt.clock.now(), ui_lang()
    rows = open_tasks(rt, session, principal.user_id, lang)
    tasks = [task_vm(rt, session, row, principal, lang, now) for row in rows]
    args = request.values
    return todo_vm(tasks, now, args.get("show", "all"), args.get("workflow", ""),
                   args.get("kind", ""))


def _people() -> list:
    rt = current_runtime()
    return rt.directory.search(db_session(), current_principal(), "", limit=PEOPLE)


@login_required
def page():
    return render_template("runtime/todo.html", todo=_view(), people=_people())


@login_required
def count():
    rt = current_runtime()
    total, late = wf_tasks.open_count(db_session(), current_principal().user_id,
                                      rt.clock.now())
    return render_template("runtime/_todo_count.html", total=total, late=late)


def _until(value: str | None) -> datetime:
    """A local date-time from the page (the reader's time zone) as a moment."""
    try:
        wall = datetime.fromisoformat(value or "")
    except ValueError:
        raise TrellisError([Problem("/until", "must be a date and time")], 422) from None
    if wall.tzinfo is not None:
        return wall
    zone = get_timezone()
    return zone.localize(wall) if hasattr(zone, "localize") else wall.replace(tzinfo=zone)


def _user(value: str | None) -> int:
    if not value or not value.isdigit() or not 0 < int(value) < 2**53:
        raise TrellisError([Problem("/user", "choose a user")], 422)
    return int(value)


def _act(task_id: int, action: str) -> None:
    rt, principal, form = current_runtime(), current_principal(), request.form
    with transaction() as session:
        if action in DECISIONS:
            comment = (form.get("comment") or "").strip() or None
            if action in ("reject", "return") and not comment:
                raise TrellisError([Problem("/comment", "say why")], 422)
            wf_tasks.decide(rt, session, task_id, principal, action, comment)
        elif action == "reassign":
            wf_tasks.reassign(rt, session, task_id, principal, _user(form.get("user")))
        elif action == "snooze":
            wf_tasks.snooze(session, task_id, principal, _until(form.get("until")),
                            rt.clock.now())
        else:
            log_follow_up(rt, session, task_id, principal, form.get("text"))


@login_required
def act(task_id: int, action: str):
    """Do the action, then answer the list as it is now (its counts too)."""
    try:
        _act(task_id, action)
    except TrellisError as exc:
        return jsonify({"problems": [{"path": p.path, "message": p.message}
                                     for p in exc.problems]}), exc.status
    answer = make_response(render_template("runtime/_todo_list.html", todo=_view(),
                                           people=_people()))
    answer.headers["HX-Trigger"] = "todo-changed"
    return answer


ACTIONS = "<any(approve, reject, return, complete, reassign, snooze, follow_up):action>"
ROUTES: tuple[Route, ...] = (
    ("", "page", page, GET),
    ("/_count", "count", count, GET),
    (f"/<int:task_id>/{ACTIONS}", "act", act, POST),
)


def todo_blueprint() -> Blueprint:
    bp = Blueprint("todo", __name__)
    add_routes(bp, ROUTES)
    return bp

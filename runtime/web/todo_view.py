"""The to-do page's view of each task: the app's priority and hint worked out on the record,
the record's key fields, the due time in words in the reader's language and time zone; and
the list ranked (overdue first, then priority, then due time), filtered and counted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone

from metadata.errors import TrellisError
from metadata.labels import label_text
from runtime.permissions import Principal
from runtime.web.forms.references import References

FILTERS = ("overdue", "today", "week", "all")
KEY_FIELDS = 3  # the record's fields shown with a task


@dataclass
class TaskVM:
    id: int
    kind: str
    workflow: str
    title: str
    record_url: str
    record_name: str
    fields: list[tuple[str, str]]
    due_at: datetime | None
    due_words: str
    overdue: bool
    priority: float
    hint: str
    reminded: bool
    escalated: bool
    notes: list[str] = field(default_factory=list)
    editable: list[str] = field(default_factory=list)

    def in_filter(self, name: str, now: datetime) -> bool:
        if name == "overdue":
            return self.overdue
        if name == "all" or self.due_at is None:
            return name == "all"
        local, today = to_user_timezone(self.due_at), to_user_timezone(now).date()
        if name == "today":
            return self.overdue or local.date() == today
        return self.overdue or local.date() < today + timedelta(days=7 - today.weekday())


def due_words(due: datetime | None, now: datetime) -> str:
    """"overdue 2 h", "today 15:00", "tomorrow 09:00", "12-08 10:00" in the reader's zone."""
    if due is None:
        return _("No due time")
    if due < now:
        late = now - due
        if late < timedelta(hours=1):
            return _("Overdue %(num)s min", num=max(1, late.seconds // 60))
        if late < timedelta(days=1):
            return _("Overdue %(num)s h", num=late.seconds // 3600)
        return _("Overdue %(num)s d", num=late.days)
    local, today = to_user_timezone(due), to_user_timezone(now).date()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return _("Today %(time)s", time=clock)
    if local.date() == today + timedelta(days=1):
        return _("Tomorrow %(time)s", time=clock)
    return local.strftime("%m-%d %H:%M")


def _record(rt, session, plan, record_id: int, principal: Principal, lang: str
            ) -> tuple[str, list[tuple[str, str]]]:
    """(the record's name, the key fields the reader may see)."""
    try:
        shown = rt.records(session, plan, principal).get(record_id)
    except TrellisError:
        shown = {}
    title = plan.title_field
    name = str(shown.get(title) or f"#{record_id}") if title else f"#{record_id}"
    keys = [f for f in plan.fields if f["key"] != title
            and shown.get(f["key"]) not in (None, "", [], False)][:KEY_FIELDS]
    refs = References(rt, session, plan, principal, lang)
    refs.add_records(keys, [shown])
    refs.load()
    return name, [(label_text(f.get("label"), lang) or f["key"],
                          refs.text(f, shown[f["key"]])) for f in keys]


def task_vm(rt, session, row: Mapping, principal: Principal, lang: str, now: datetime
            ) -> TaskVM:
    """A task of ``runtime.todo.listing.open_tasks`` as the page shows it."""
    plan = rt.plan(session, row["app_key"], row["form_key"])
    name, fields = _record(rt, session, plan, row["record_id"], principal, lang)
    due = row["due_at"]
    return TaskVM(
        row["id"], row["kind"], row["workflow"], label_text(row["title"], lang) or "",
        url_for("forms.record_detail", app_key=row["app_key"], form_key=row["form_key"],
                record_id=row["record_id"]), name, fields, due, due_words(due, now),
        row["overdue"], row["priority"] or 0.0, row["hint"] or "",
        row["reminded_at"] is not None, bool(row["escalated"]),
        [n["text"] for n in row["notes"] or []][-3:], list(row["editable"] or []))


@dataclass
class TodoVM:
    tasks: list[TaskVM]
    counts: dict[str, int]
    shown: str
    workflows: list[str]
    workflow: str
    kind: str


def todo_vm(tasks: list[TaskVM], now: datetime, shown: str, workflow: str, kind: str
            ) -> TodoVM:
    """The tasks of one filter (and workflow, kind), and how many each filter holds."""
    shown = shown if shown in FILTERS else "all"
    pool = [t for t in tasks if (not workflow or t.workflow == workflow)
            and (not kind or t.kind == kind)]
    counts = {name: sum(1 for t in pool if t.in_filter(name, now)) for name in FILTERS}
    return TodoVM([t for t in pool if t.in_filter(shown, now)], counts, shown,
                  sorted({t.workflow for t in tasks}), workflow, kind)

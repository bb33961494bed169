"""The signed-in user's in-app notifications: the bell in the top bar (its unread count is
fetched after the page loaded, one indexed count; the dropdown's list when it is opened), the
page of them all, newest first, each leading to its record, and marking them read."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required

from metadata.labels import label_text
from runtime.rules.models import Notification
from runtime.web import current_principal, current_runtime, db_session, transaction
from runtime.web.forms.display import local_time
from runtime.web.messages import ui_lang
from runtime.web.routes import GET, POST, Route, add_routes

NOTES = Notification.__table__
N = NOTES.c
MENU = 8  # notifications in the bell's dropdown
PAGE = 100  # on the page


@dataclass(frozen=True)
class NoteVM:
    id: int
    title: str
    message: str
    when: str
    high: bool
    read: bool
    url: str  # posting to it marks it read and goes to its record


def _mine() -> sa.ColumnElement[bool]:
    return N.user_id == current_principal().user_id


def unread_count() -> int:
    return db_session().scalar(sa.select(sa.func.count()).select_from(NOTES).where(
        _mine(), N.read_at.is_(None))) or 0


def newest(limit: int) -> list[NoteVM]:
    lang = ui_lang()
    rows = db_session().execute(sa.select(NOTES).where(_mine()).order_by(N.id.desc())
                                .limit(limit)).mappings()
    return [NoteVM(r["id"], label_text(r["title"], lang) or "",
                   label_text(r["message"], lang) or "", local_time(r["created_at"]),
                   r["priority"] == "high", r["read_at"] is not None,
                   url_for("notes.open_note", note_id=r["id"])) for r in rows]


@login_required
def bell():
    return render_template("app/_bell.html", unread=unread_count())


@login_required
def menu():
    here = urlsplit(request.headers.get("HX-Current-URL", ""))
    back = here.path + (f"?{here.query}" if here.query else "")
    return render_template("app/_bell_menu.html", notes=newest(MENU), back=back)


@login_required
def page():
    return render_template("app/notifications.html", notes=newest(PAGE),
                           unread=unread_count(), back=url_for("notes.page"))


@login_required
def open_note(note_id: int):
    """Mark the notification read and go to its record (or the page of notifications)."""
    found = db_session().execute(sa.select(NOTES).where(_mine(), N.id == note_id)
                                 ).mappings().first()
    if found is None:
        return redirect(url_for("notes.page"), 303)
    _mark(N.id == note_id)
    if found["app_key"] and found["form_key"] and found["record_id"]:
        return redirect(url_for("forms.record_detail", app_key=found["app_key"],
                                form_key=found["form_key"], record_id=found["record_id"]), 303)
    return redirect(url_for("notes.page"), 303)


@login_required
def read_one(note_id: int):
    _mark(N.id == note_id)
    return _back()


@login_required
def read_all():
    _mark(sa.true())
    return _back()


def _mark(which: sa.ColumnElement[bool]) -> None:
    with transaction() as session:
        session.execute(NOTES.update().where(_mine(), N.read_at.is_(None), which)
                        .values(read_at=current_runtime().clock.now()))


def _back():
    """Back to the page the button was on (this site's only)."""
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("notes.page")
    return redirect(target, 303)


ROUTES: tuple[Route, ...] = (
    ("", "page", page, GET),
    ("/_bell", "bell", bell, GET),
    ("/_menu", "menu", menu, GET),
    ("/<int:note_id>/open", "open_note", open_note, POST),
    ("/<int:note_id>/read", "read_one", read_one, POST),
    ("/read", "read_all", read_all, POST),
)


def notifications_blueprint() -> Blueprint:
    bp = Blueprint("notes", __name__)
    add_routes(bp, ROUTES)
    return bp


"""Each person's own lists: the columns (and their order) a form's list opens with, and personal
views saved under a name beside the shared ones a designer publishes (columns, sort, filters,
formula and search). Kept per user in ``list_preferences``; nobody else sees them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from runtime.fields.base import label_text
from runtime.storage.models import ListPreference
from runtime.web import current_runtime, db_session, transaction
from runtime.web.forms.context import FormContext, form_context
from runtime.web.routes import POST, Route

SYSTEM_COLUMNS = ("id", "created_at", "updated_at", "owner")  # beside the fields
DEFAULT = ""  # the name of the list as it opens
MAX_NAME = 100
MAX_VIEWS = 50  # personal views per person and form
MAX_COLUMNS = 200
STATE_KEYS = ("sort", "q", "fx")  # single values a personal view keeps (and f/o/v rows)


@dataclass
class ViewsMenu:
    """The list's views menu and column chooser, as the page shows them."""

    shared: list[tuple[str, str, bool]]  # (label, url, current) of the designers' views
    mine: list[tuple[str, str, bool]]  # (name, url, current) of the reader's own
    current: str  # the reader's view shown ("" for none)
    columns: list[tuple[str, str, bool]]  # (key, label, shown): the shown first, in order
    state: list[tuple[str, str]]  # the list as it is now, for saving it as a view
    save_columns_url: str
    save_view_url: str
    delete_view_url: str


def views_menu(app_key: str, form_key: str, shared: Sequence[Mapping], lang: str,
               saved_states: Mapping[str, dict], list_state: Mapping[str, Any],
               columns: Sequence[tuple[str, str]], shown: Sequence[str]) -> ViewsMenu:
    """``columns``: every (key, label) the reader may show; ``shown``: those shown now."""
    mine, view = list_state.get("mine", ""), list_state.get("view", "")
    labels = dict(columns)
    order = [(k, labels[k], True) for k in shown if k in labels]
    order += [(k, label, False) for k, label in columns if k not in shown]
    pairs = [(k, list_state[k]) for k in STATE_KEYS if list_state.get(k)]
    pairs += [(k, v) for k in ("f", "o", "v") for v in list_state.get(k, [])]
    keys = {"app_key": app_key, "form_key": form_key}
    return ViewsMenu(
        shared=[(label_text(v.get("label"), lang) or v["key"],
                 _list_url(app_key, form_key, view=v["key"]), not mine and view == v["key"])
                for v in shared],
        mine=[(name, _list_url(app_key, form_key, mine=name), name == mine)
              for name in sorted(saved_states) if name != DEFAULT],
        current=mine, columns=order, state=pairs,
        save_columns_url=url_for("forms.save_columns", **keys),
        save_view_url=url_for("forms.save_my_view", **keys),
        delete_view_url=url_for("forms.delete_my_view", **keys))


def saved(session: Session, user_id: int, app_key: str, form_key: str) -> dict[str, dict]:
    """The person's saved states of a form's list, by name (DEFAULT: the list as it opens)."""
    rows = session.execute(sa.select(ListPreference.name, ListPreference.state).where(
        ListPreference.user_id == user_id, ListPreference.app_key == app_key,
        ListPreference.form_key == form_key)).all()
    return {name: state for name, state in rows}


def _store(session: Session, user_id: int, app_key: str, form_key: str, name: str,
           state: dict[str, Any]) -> None:
    found = session.scalar(sa.select(ListPreference).where(
        ListPreference.user_id == user_id, ListPreference.app_key == app_key,
        ListPreference.form_key == form_key, ListPreference.name == name))
    now = current_runtime().clock.now()
    if found is None:
        session.add(ListPreference(user_id=user_id, app_key=app_key, form_key=form_key,
                                   name=name, state=state, updated_at=now))
    else:
        found.state, found.updated_at = state, now


def _readable(app_key: str, form_key: str) -> FormContext:
    """The form's context, when the person may read its records (else 403/404)."""
    ctx = form_context(app_key, form_key)
    ctx.access.require("read", ctx.plan.label(ctx.lang))
    return ctx


def _columns(allowed: set[str]) -> list[str]:
    """The columns posted, in their order: known ones only, each once."""
    chosen = [c for c in request.form.getlist("columns") if c in allowed]
    return list(dict.fromkeys(chosen))[:MAX_COLUMNS]


def _list_url(app_key: str, form_key: str, **args: str) -> str:
    return url_for("forms.record_list", app_key=app_key, form_key=form_key,
                   **{k: v for k, v in args.items() if v})


def save_columns(app_key: str, form_key: str):
    """The columns of the list as it opens for this person (or of their view ``mine``)."""
    ctx = _readable(app_key, form_key)
    allowed = {f["key"] for f in ctx.plan.fields if f["key"] not in ctx.access.hidden}
    columns = _columns(allowed | set(SYSTEM_COLUMNS))
    mine = request.form.get("mine", "")
    if not columns:
        flash(_("Choose at least one column."), "error")
        return redirect(_list_url(app_key, form_key, mine=mine), 303)
    session, user = db_session(), ctx.principal.user_id
    states = saved(session, user, app_key, form_key)
    state = dict(states.get(mine, {})) if mine in states else {}
    state["columns"] = columns
    with transaction():
        _store(session, user, app_key, form_key, mine if mine in states else DEFAULT, state)
    return redirect(_list_url(app_key, form_key, mine=mine if mine in states else ""), 303)


def save_view(app_key: str, form_key: str):
    """Save the list as it is now (the posted state) as one of this person's views."""
    ctx = _readable(app_key, form_key)
    name = " ".join(request.form.get("name", "").split())[:MAX_NAME]
    session, user = db_session(), ctx.principal.user_id
    states = saved(session, user, app_key, form_key)
    if not name or (name not in states and len(states) > MAX_VIEWS):
        flash(_("Give the view a name.") if not name else _(
            "You have %(n)s views of this list already: delete one first.", n=MAX_VIEWS),
            "error")
        return redirect(_list_url(app_key, form_key), 303)
    state: dict[str, Any] = {k: request.form.get(k, "")[:2000] for k in STATE_KEYS}
    for part in ("f", "o", "v"):
        state[part] = [v[:500] for v in request.form.getlist(part)][:20]
    columns = states.get(DEFAULT, {}).get("columns")
    if columns:
        state["columns"] = columns
    with transaction():
        _store(session, user, app_key, form_key, name, state)
    return redirect(_list_url(app_key, form_key, mine=name), 303)


def delete_view(app_key: str, form_key: str):
    ctx = _readable(app_key, form_key)
    name = request.form.get("name", "")
    with transaction():
        db_session().execute(sa.delete(ListPreference).where(
            ListPreference.user_id == ctx.principal.user_id, ListPreference.app_key == app_key,
            ListPreference.form_key == form_key, ListPreference.name == name,
            ListPreference.name != DEFAULT))
    return redirect(_list_url(app_key, form_key), 303)


ROUTES: tuple[Route, ...] = (
    ("/<app_key>/<form_key>/_columns", "save_columns", save_columns, POST),
    ("/<app_key>/<form_key>/_my_views", "save_my_view", save_view, POST),
    ("/<app_key>/<form_key>/_my_views/delete", "delete_my_view", delete_view, POST),
)

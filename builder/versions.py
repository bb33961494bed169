"""Version history of a form, view or app: published versions, diffs, and rollback.

Views read the request and hand view models to the templates; the runtime does the work (its
``rollback`` publishes a copy of an old version and migrates the form's table).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.changes import Change, describe, type_names
from builder.effects import TableEffect, table_effect
from metadata.errors import TrellisError
from metadata.models import Document
from metadata.orm import whole_number
from runtime.fields.base import label_text
from runtime.forms.formulas import stored_types
from runtime.web import current_runtime, db_session, transaction
from runtime.web.forms.display import local_time
from runtime.web.messages import translate, ui_lang
from runtime.web.routes import GET, GET_POST, Route

KIND_OF = {"forms": "form", "views": "view", "apps": "app", "rulesets": "ruleset",
           "workflows": "workflow"}
ROLLBACK_NOTE = re.compile(r"rollback to version (\d+)")  # metadata.store's note


def note_text(note: str) -> str:
    """A version's note; the notes Trellis writes itself in the UI language."""
    rollback = ROLLBACK_NOTE.fullmatch(note)
    if rollback:
        return _("rollback to version %(num)s", num=rollback.group(1))
    automatic = {"created": _("created"), "imported": _("imported")}
    return automatic.get(note, note)


def kind_labels() -> dict[str, str]:
    return {"form": _("Form"), "view": _("List view"), "app": _("App"),
            "ruleset": _("Ruleset"), "workflow": _("Workflow")}


@dataclass
class VersionRow:
    number: int
    when: str
    who: str
    note: str
    current: bool
    rollback_url: str = ""


@dataclass
class DiffVM:
    left: str  # "3" or "draft"
    right: str
    changes: list[Change]
    url: str

    @property
    def left_label(self) -> str:
        return side_label(self.left)

    @property
    def right_label(self) -> str:
        return side_label(self.right)


def side_label(which: str) -> str:
    return _("Draft") if which == "draft" else _("Version %(num)s", num=which)


@dataclass
class HistoryVM:
    title: str
    kind_label: str
    key: str
    app_key: str
    app_label: str
    url: str
    versions: list[VersionRow]
    draft_state: str
    draft_dirty: bool
    choices: list[tuple[str, str]] = field(default_factory=list)
    diff: DiffVM | None = None
    links: list[tuple[str, str]] = field(default_factory=list)
    left: str = ""  # what the compare picker shows chosen
    right: str = "draft"


@dataclass
class RollbackVM:
    title: str
    kind_label: str
    number: int
    next_number: int
    history_url: str
    action: str
    changes: list[Change]
    effect: TableEffect | None
    draft_dirty: bool
    errors: list[str] = field(default_factory=list)


def load(app_key: str, kinds: str, key: str) -> Document:
    if kinds not in KIND_OF or (kinds == "apps" and key != app_key):
        abort(404)
    return current_runtime().store.get(db_session(), app_key, KIND_OF[kinds], key)


def body_of(doc: Document, which: str) -> dict:
    """The draft (``"draft"``) or a published version's body."""
    if which == "draft":
        return doc.draft
    number = whole_number(which)
    if number is None:
        abort(404)
    return current_runtime().store.version(db_session(), doc, number).body


def default_pair(doc: Document, numbers: list[int]) -> tuple[str, str] | None:
    """Draft against the published version when they differ, else the last two versions."""
    if not numbers:
        return None
    published = str(doc.published_version or numbers[-1])
    if doc.draft != body_of(doc, published):
        return published, "draft"
    if len(numbers) > 1:
        return str(numbers[-2]), str(numbers[-1])
    return None


def history_vm(doc: Document, kinds: str, left: str | None, right: str | None) -> HistoryVM:
    rt, session, lang = current_runtime(), db_session(), ui_lang()
    versions = rt.store.versions(session, doc)
    names = rt.directory.names(session, {v.published_by for v in versions})
    keys = {"app_key": doc.app_key, "kinds": kinds, "key": doc.key}
    rows = [VersionRow(v.number, local_time(v.published_at), names.get(v.published_by, ""),
                       note_text(v.note), v.number == doc.published_version,
                       url_for("builder.rollback", number=v.number, **keys)
                       if v.number != doc.published_version else "")
            for v in reversed(versions)]
    dirty = doc.published_version is None or doc.draft != body_of(doc, str(doc.published_version))
    if doc.published_version is None:
        state = _("Never published: the draft (revision %(rev)s) is all there is.",
                  rev=doc.revision)
    elif dirty:
        state = _("The draft (revision %(rev)s) has changes not yet published.",
                  rev=doc.revision)
    else:
        state = _("The draft is the same as the published version %(num)s.",
                  num=doc.published_version)
    url = url_for("builder.history", **keys)
    vm = HistoryVM(title=label_text(doc.draft.get("label"), lang) or doc.key,
                   kind_label=kind_labels()[doc.kind], key=doc.key, app_key=doc.app_key,
                   app_label=app_label(doc.app_key, lang), url=url, versions=rows,
                   draft_state=state, draft_dirty=dirty)
    vm.choices = [(w, side_label(w)) for w in ["draft", *(str(v.number)
                                                          for v in reversed(versions))]]
    pair = (left, right) if left and right else default_pair(doc, [v.number for v in versions])
    if pair:
        changes = describe(body_of(doc, pair[0]), body_of(doc, pair[1]), lang,
                           type_names(current_runtime().fields, lang))
        vm.diff = DiffVM(pair[0], pair[1], changes, url)
        vm.left, vm.right = pair
    elif versions:
        vm.left = str(versions[-1].number)
    vm.links = designer_links(doc)
    return vm


def app_label(app_key: str, lang: str) -> str:
    app = current_runtime().store.find(db_session(), app_key, "app", app_key)
    return (label_text(app.draft.get("label"), lang) if app is not None else "") or app_key


def designer_links(doc: Document) -> list[tuple[str, str]]:
    if doc.kind == "view":
        return [(_("Open the view designer"), url_for("builder.view_designer",
                                                      app_key=doc.app_key, view_key=doc.key))]
    if doc.kind == "workflow":
        return [(_("Open the workflow designer"), url_for(
            "builder.workflow_designer", app_key=doc.app_key, key=doc.key))]
    if doc.kind == "form" and doc.published_version is not None:
        return [(_("Open the records"), url_for("forms.record_list", app_key=doc.app_key,
                                                form_key=doc.key))]
    return []


def rollback_vm(doc: Document, kinds: str, number: int) -> RollbackVM:
    rt, session, lang = current_runtime(), db_session(), ui_lang()
    version = rt.store.version(session, doc, number)
    target = version.body
    current = body_of(doc, str(doc.published_version)) if doc.published_version else {}
    latest = max((v.number for v in rt.store.versions(session, doc)), default=0)
    keys = {"app_key": doc.app_key, "kinds": kinds, "key": doc.key}
    effect = None
    if doc.kind == "form":
        effect = table_effect(rt, session, doc.app_key, doc.key, target, lang, current,
                              stored_types(target, version.formulas or {}))
    published = doc.published_version
    return RollbackVM(
        title=label_text(doc.draft.get("label"), lang) or doc.key,
        kind_label=kind_labels()[doc.kind], number=number, next_number=latest + 1,
        history_url=url_for("builder.history", **keys),
        action=url_for("builder.rollback", number=number, **keys),
        changes=describe(current, target, lang, type_names(rt.fields, lang)), effect=effect,
        draft_dirty=published is not None and doc.draft != current)


def history(app_key: str, kinds: str, key: str):
    doc = load(app_key, kinds, key)
    vm = history_vm(doc, kinds, request.args.get("from"), request.args.get("to"))
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "diff":
        return render_template("builder/_versions_diff.html", diff=vm.diff, vm=vm)
    return render_template("builder/versions.html", vm=vm)


def rollback(app_key: str, kinds: str, key: str, number: int):
    doc = load(app_key, kinds, key)
    vm = rollback_vm(doc, kinds, number)
    if request.method == "GET":
        return render_template("builder/versions_rollback.html", vm=vm)
    rt = current_runtime()
    try:
        with transaction() as session:
            version, _plan = rt.rollback(session, doc, number, current_user.id)
    except TrellisError as exc:
        vm = rollback_vm(load(app_key, kinds, key), kinds, number)
        vm.errors = [translate(p.message) for p in exc.problems]
        return render_template("builder/versions_rollback.html", vm=vm), exc.status
    flash(_("Rolled back to version %(old)s: it is now published as version %(new)s.",
            old=number, new=version.number), "success")
    return redirect(vm.history_url, 303)


HISTORY = "/<app_key>/<any(forms, views, apps, rulesets, workflows):kinds>/<key>/history"
ROUTES: tuple[Route, ...] = (  # version history and rollback
    (HISTORY, "history", history, GET),
    (HISTORY + "/<int:number>/rollback", "rollback", rollback, GET_POST),
)

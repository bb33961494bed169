"""The merge history of a form (/a/<app>/<form>/merges): every merge, newest first — automatic
by a rule, from an import, or decided in the review queue — with who or what made it, and an
Undo button that brings the merged records back. What the undo reports is shown: the records
restored, and the fields of the surviving record changed since the merge (kept as they are
now, never lost in silence)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from metadata.errors import TrellisError
from runtime.fields.base import label_text
from runtime.identity.history import Unmerger, list_merges
from runtime.identity.scanning import SCAN_VIA
from runtime.web import current_runtime, db_session, transaction
from runtime.web.forms.context import FormContext, form_context
from runtime.web.forms.display import channel_label, local_time
from runtime.web.forms.references import References
from runtime.web.identity.review import review_context, rule_names
from runtime.web.messages import translate
from runtime.web.routes import GET, POST, Route

FORM = "/<app_key>/<form_key>/merges"
PAGE = 50
REPORT = "identity_undo_report"  # the last undo's report, shown once on the next page


@dataclass
class Named:
    id: int
    title: str
    url: str  # "" when it cannot be opened (merged away, or not the reader's)


@dataclass
class MergeVM:
    id: int
    at: str
    survivor: Named
    merged: list[Named]
    cause: str  # the rule, or who merged them by hand, and through what
    undone: str  # when it was undone ("" if not)
    undo_url: str = ""


@dataclass
class ChangedSince:
    label: str
    at_merge: str
    now: str


@dataclass
class UndoReport:
    id: int
    survivor: Named
    restored: list[Named]
    changed: list[ChangedSince] = field(default_factory=list)


@dataclass
class HistoryVM:
    form_label: str
    merges: list[MergeVM]
    report: UndoReport | None
    list_url: str
    review_url: str
    older_url: str = ""


def _titles(ctx: FormContext, refs: References, ids: set[int]) -> dict[int, str]:
    """The titles of the live records among ``ids`` the reader may open."""
    key = ctx.plan.title_field
    fld = ctx.plan.by_key.get(key) if key and key not in ctx.access.hidden else None
    rows = ctx.records.to_json(ctx.records.readable_rows(ids)) if ids else []
    if fld is not None:
        refs.add_records([fld], rows)
        refs.load()
    return {r["id"]: (refs.text(fld, r.get(key)) if fld else "") or f"#{r['id']}"
            for r in rows}


def _named(ctx: FormContext, titles: Mapping[int, str], record_id: int) -> Named:
    if record_id not in titles:
        return Named(record_id, f"#{record_id}", "")
    return Named(record_id, titles[record_id], url_for(
        "forms.record_detail", app_key=ctx.plan.app_key, form_key=ctx.plan.form_key,
        record_id=record_id))


def _cause(ctx: FormContext, refs: References, merge: Mapping, rules: Mapping) -> str:
    who = refs.user_name(merge["user"]) if merge.get("user") else _("System")
    via = _("duplicate scan") if merge.get("via") == SCAN_VIA else \
        channel_label(merge.get("via"), ctx.lang) or merge.get("via") or ""
    if merge.get("rule"):
        return _("rule %(rule)s · %(who)s · %(via)s", rule=rules.get(merge["rule"],
                                                                      merge["rule"]),
                 who=who, via=via)
    return _("by hand · %(who)s · %(via)s", who=who, via=via)


def merge_vms(ctx: FormContext, merges: list[dict]) -> list[MergeVM]:
    refs = References(current_runtime(), db_session(), ctx.plan, ctx.principal, ctx.lang)
    refs.add_user([m["user"] for m in merges if m.get("user")])
    titles = _titles(ctx, refs, {i for m in merges for i in [m["survivor"], *m["merged"]]})
    rules = rule_names(ctx)
    may_undo = ctx.access.allows("update")
    out = []
    for merge in merges:
        vm = MergeVM(merge["id"], local_time(merge["at"]),
                     _named(ctx, titles, merge["survivor"]),
                     [_named(ctx, titles, i) for i in merge["merged"]],
                     _cause(ctx, refs, merge, rules), local_time(merge.get("undone_at")))
        if may_undo and not vm.undone:
            vm.undo_url = url_for("forms.merge_undo", app_key=ctx.plan.app_key,
                                  form_key=ctx.plan.form_key, merge_id=merge["id"])
        out.append(vm)
    return out


def report_vm(ctx: FormContext, report: Mapping[str, Any]) -> UndoReport:
    refs = References(current_runtime(), db_session(), ctx.plan, ctx.principal, ctx.lang)
    titles = _titles(ctx, refs, {report["survivor"], *report["restored"]})
    changed = []
    for item in report.get("changed_since") or []:
        fld = ctx.plan.by_key.get(item["field"])
        if fld is None or item["field"] in ctx.access.hidden:
            continue
        changed.append(ChangedSince(label_text(fld.get("label"), ctx.lang) or fld["key"],
                                    refs.text(fld, item.get("at_merge")) or "—",
                                    refs.text(fld, item.get("now")) or "—"))
    return UndoReport(report["id"], _named(ctx, titles, report["survivor"]),
                      [_named(ctx, titles, i) for i in report["restored"]], changed)


def history(app_key: str, form_key: str):
    ctx = form_context(app_key, form_key)
    ctx.access.require("read", ctx.plan.label(ctx.lang) or form_key)
    before = request.args.get("before", type=int)
    merges = list_merges(ctx.records, limit=PAGE + 1, before=before)
    keys = {"app_key": app_key, "form_key": form_key}
    report = session.pop(REPORT, None)
    vm = HistoryVM(ctx.plan.label(ctx.lang), merge_vms(ctx, merges[:PAGE]),
                   report_vm(ctx, report) if report else None,
                   url_for("forms.record_list", **keys),
                   url_for("forms.review_queue", **keys) if ctx.access.allows("update")
                   else "")
    if len(merges) > PAGE:
        vm.older_url = url_for("forms.merge_history", before=merges[PAGE - 1]["id"], **keys)
    return render_template("runtime/identity_merges.html", vm=vm, title=_("Merge history"))


def undo(app_key: str, form_key: str, merge_id: int):
    ctx = review_context(app_key, form_key)
    target = redirect(url_for("forms.merge_history", app_key=app_key, form_key=form_key), 303)
    try:
        with transaction():
            report = Unmerger(ctx.records).undo(merge_id)
    except TrellisError as exc:  # already undone, or a later merge builds on it
        for problem in exc.problems:
            flash(translate(problem.message), "error")
        return target
    session[REPORT] = report
    return target


ROUTES: tuple[Route, ...] = (
    (FORM, "merge_history", history, GET),
    (FORM + "/<int:merge_id>/undo", "merge_undo", undo, POST),
)

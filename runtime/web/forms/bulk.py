"""Bulk actions on the list page: the chosen records get one field's new value, are deleted
(soft) or given to another owner; the page then says what was done and what was refused, why,
with links to the records (runtime.storage.bulk_changes does the work, record by record)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from metadata.errors import Problem, TrellisError
from metadata.orm import whole_number
from runtime.fields.base import label_text
from runtime.storage.bulk_changes import MAX_IDS, BulkChanges, Summary, chosen_ids
from runtime.web import current_runtime, db_session, transaction
from runtime.web.forms.context import FormContext, form_context
from runtime.web.forms.formdata import editable_fields
from runtime.web.forms.references import References
from runtime.web.forms.viewmodels import PageContext, field_vm
from runtime.web.messages import translate
from runtime.web.routes import GET, POST, Route

CHANGED = "trellis:records-changed"  # the event that makes the list page read its rows again


@dataclass
class Refused:
    id: int
    title: str
    url: str  # empty: the reader may not open it
    reasons: list[str]


@dataclass
class BulkSummaryVM:
    message: str = ""
    refused: list[Refused] = field(default_factory=list)
    error: str = ""  # the whole request was refused (nothing was changed)


def bulk_fields(ctx: FormContext) -> list[dict]:
    """The fields a bulk edit may set: those the reader may type into, one value each."""
    if not ctx.access.allows("update"):
        return []
    types = ctx.plan.types
    return [f for f in editable_fields(ctx.plan, ctx.access)
            if not types[f["type"]].holds_rows and not types[f["type"]].calculated]


def posted_ids(limit: int = MAX_IDS) -> list[int]:
    raw = request.form.getlist("_ids")
    return chosen_ids([whole_number(v) or 0 for v in raw] if raw else None, "/_ids", limit)


def bulk_action(app_key: str, form_key: str):
    ctx = form_context(app_key, form_key)
    action = request.form.get("_action", "")
    if action not in ("update", "delete", "assign"):
        abort(400)
    changes = BulkChanges(ctx.records)
    try:
        ids = posted_ids()
        with transaction():
            summary = run_action(ctx, changes, action, ids)
    except TrellisError as exc:
        vm = BulkSummaryVM(error="; ".join(problem_text(ctx, p) for p in exc.problems))
        return render_template("runtime/_bulk_summary.html", summary=vm), 422
    vm = summary_vm(ctx, summary)
    return Response(render_template("runtime/_bulk_summary.html", summary=vm),
                    headers={"HX-Trigger": CHANGED})


def run_action(ctx: FormContext, changes: BulkChanges, action: str, ids: list[int]) -> Summary:
    if action == "delete":
        return changes.delete(ids)
    if action == "assign":
        owner = whole_number(request.form.get("_owner", ""))
        if owner is None:
            raise TrellisError([Problem("/owner", _("Choose the new owner."))], status=422)
        return changes.assign(ids, owner)
    key = request.form.get("_field", "")
    fld = next((f for f in bulk_fields(ctx) if f["key"] == key), None)
    if fld is None:
        raise TrellisError([Problem("/_field", _("Choose a field to change."))], status=422)
    value = ctx.plan.types[fld["type"]].parse_form(request.form.getlist(key), fld)
    return changes.update(ids, {key: value})


def problem_text(ctx: FormContext, problem: Problem) -> str:
    """A problem with the label of the field it is about (``/changes/stage`` or ``/stage``)."""
    parts = [p for p in problem.path.split("/") if p and p != "changes"]
    fld = ctx.plan.by_key.get(parts[0]) if parts else None
    text = translate(problem.message)
    if fld is None:
        return _("Owner") + ": " + text if parts[:1] == ["owner"] else text
    return f"{label_text(fld.get('label'), ctx.lang) or fld['key']}: {text}"


def summary_vm(ctx: FormContext, summary: Summary) -> BulkSummaryVM:
    done = summary.count("deleted" if summary.action == "delete" else "updated")
    unchanged = summary.count("unchanged")
    if summary.action == "delete":
        message = ngettext("%(num)s record deleted.", "%(num)s records deleted.", done)
    else:
        message = ngettext("%(num)s record changed.", "%(num)s records changed.", done)
    if unchanged:
        message += " " + ngettext("%(num)s already had this value.",
                                  "%(num)s already had this value.", unchanged)
    refused = summary.refused
    if refused:
        message += " " + ngettext("%(num)s refused:", "%(num)s refused:", len(refused))
    titles = record_titles(ctx, [o.id for o in refused])
    return BulkSummaryVM(message=message, refused=[
        Refused(o.id, titles.get(o.id, f"#{o.id}"),
                url_for("forms.record_detail", app_key=ctx.plan.app_key,
                        form_key=ctx.plan.form_key, record_id=o.id) if o.id in titles else "",
                [problem_text(ctx, p) for p in o.problems]) for o in refused])


def record_titles(ctx: FormContext, ids: list[int]) -> dict[int, str]:
    """The titles of the records among ``ids`` the reader may open."""
    rows = ctx.records.readable_rows(ids) if ids else []
    key = ctx.plan.title_field
    fld = ctx.plan.by_key.get(key) if key and key not in ctx.access.hidden else None
    if fld is None or ctx.plan.types[fld["type"]].separate(fld):
        return {r["id"]: f"#{r['id']}" for r in rows}
    records = ctx.records.to_json(rows)
    refs = References(current_runtime(), db_session(), ctx.plan, ctx.principal, ctx.lang)
    refs.add_records([fld], records)
    refs.load()
    return {r["id"]: refs.text(fld, r.get(key)) or f"#{r['id']}" for r in records}


def bulk_value(app_key: str, form_key: str):
    """The input of the field a bulk edit sets, as the record form shows it."""
    ctx = form_context(app_key, form_key)
    key = request.args.get("_field", "")
    fld = next((f for f in bulk_fields(ctx) if f["key"] == key), None)
    if fld is None:
        return ""
    refs = References(current_runtime(), db_session(), ctx.plan, ctx.principal, ctx.lang)
    page = PageContext(ctx.plan, ctx.access, refs, ctx.lang, validate_url=None)
    vm = field_vm(page, fld, None, dom_id=f"bulk-{key}")
    vm.required = False  # an empty value clears the field (where the form allows it)
    return render_template("runtime/_bulk_value.html", f=vm)


ROUTES: tuple[Route, ...] = (
    ("/<app_key>/<form_key>/_bulk", "bulk_action", bulk_action, POST),
    ("/<app_key>/<form_key>/_bulk/value", "bulk_value", bulk_value, GET),
)

"""The generated UI of published forms (pages under /a/<app>/...).

Views stay thin: they read the request, call the storage layer (which checks permissions) and
hand view models built in runtime.forms.* to the templates.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from metadata.errors import Conflict, Forbidden, Problem, TrellisError
from metadata.messages import msg
from metadata.orm import whole_number
from runtime.capture.intake import CREATED, submit
from runtime.fields.base import FieldValueError
from runtime.storage.records import InvalidRecord
from runtime.storage.transactions import QueryStopped
from runtime.web import (
    current_principal,
    current_runtime,
    db_session,
    read_only,
    rollback,
    transaction,
)
from runtime.web.forms import (
    bulk,
    bulk_rules,
    display,
    exports,
    imports,
    listing,
    live,
    lookups,
    preferences,
)
from runtime.web.forms.context import FormContext, form_context
from runtime.web.forms.formdata import field_key, parse_post
from runtime.web.forms.layout import layout_tabs
from runtime.web.forms.list_actions import list_actions
from runtime.web.forms.navigation import visible_apps
from runtime.web.forms.references import References
from runtime.web.forms.viewmodels import (
    FormVM,
    PageContext,
    collect_posted,
    error_map,
    error_records,
    form_fields,
)
from runtime.web.identity import history as merge_history
from runtime.web.identity import review
from runtime.web.identity import scan as identity_scan
from runtime.web.messages import translate, ui_lang
from runtime.web.routes import GET, GET_POST, POST, Route, add_routes
from runtime.web.routing_log import assignment_lines
from runtime.web.rules_page import rule_buttons, run_rule_page, score_panels


def new_references(ctx: FormContext) -> References:
    return References(current_runtime(), db_session(), ctx.plan, ctx.principal, ctx.lang)


def record_title(ctx: FormContext, refs: References, record: dict) -> str:
    key = ctx.plan.title_field
    if key and key not in ctx.access.hidden:
        text = refs.text(ctx.plan.by_key[key], record.get(key))
        if text:
            return text
    return f"#{record['id']}"


def defaults(ctx: FormContext) -> dict[str, Any]:
    out = {}
    for fld in ctx.plan.fields:
        ftype = ctx.plan.types[fld["type"]]
        if fld.get("default") is not None and not ftype.generated:
            try:
                out[fld["key"]] = ftype.coerce(fld["default"], fld)
            except FieldValueError:
                continue
    return out


def error_links(ctx: FormContext, problems: list[Problem]) -> dict[str, tuple[str, str]]:
    """A link to the other record a field's problem is about (it holds a unique value)."""
    keys = {"app_key": ctx.plan.app_key, "form_key": ctx.plan.form_key}
    return {key: (url_for("forms.record_detail", record_id=rid, **keys),
                  _("Open record #%(id)s", id=rid))
            for key, rid in error_records(problems).items()}


def render_form(ctx: FormContext, record: dict | None, posted: dict | None = None,
                problems: list = (), conflict: bool = False, status: int = 200):
    plan, lang = ctx.plan, ctx.lang
    refs = new_references(ctx)
    load_related = ctx.records.reader_related()
    values = record if record is not None else live.formula_defaults(plan, defaults(ctx),
                                                                     load_related)
    refs.add_records(plan.fields, [values])
    if posted:
        collect_posted(refs, plan, posted)
    refs.load()
    errors, general = error_map(plan, list(problems), lang)
    validate_url = url_for("forms.validate", app_key=plan.app_key, form_key=plan.form_key)
    page = PageContext(plan, ctx.access, refs, lang, validate_url, errors,
                       error_links(ctx, list(problems)))
    list_url = url_for("forms.record_list", app_key=plan.app_key, form_key=plan.form_key)
    vm = FormVM(title=plan.label(lang), action=request.path, cancel_url=list_url,
                validate_url=validate_url, fields=form_fields(page, values, posted),
                errors=general, conflict=conflict, submit_label=_("Save"))
    typed = live.typed_values(plan, posted) if posted else {}
    system = ctx.records.system_values(ctx.principal.user_id) if record is None else {}
    live.apply_state(plan, vm.fields, live.state_of(plan, {**system, **values, **typed},
                                                    load_related), lang)
    if plan.behaviour is not None:
        vm.state_url = url_for("forms.form_state", app_key=plan.app_key,
                               form_key=plan.form_key,
                               record=record["id"] if record is not None else None)
    vm.tabs = layout_tabs(plan.doc.get("layout"), vm.fields, lang)
    if record is not None:
        vm.version = whole_number(request.form.get("version", "")) or record["version"] \
            if conflict else record["version"]
        vm.title = record_title(ctx, refs, record)
        vm.cancel_url = url_for("forms.record_detail", app_key=plan.app_key,
                                form_key=plan.form_key, record_id=record["id"])
        vm.reload_url = url_for("forms.record_edit", app_key=plan.app_key,
                                form_key=plan.form_key, record_id=record["id"])
    template = "runtime/edit.html" if record is not None else "runtime/new.html"
    return render_template(template, form=vm, form_label=plan.label(lang),
                           list_url=list_url), status


def require_login():
    if current_user.is_authenticated:
        return None
    login = url_for("auth.login", next=request.full_path)
    if request.endpoint in lookups.JSON_ENDPOINTS:
        return jsonify({"errors": [{"path": "", "message": _("Please log in.")}]}), 401
    if request.headers.get("HX-Request"):
        return Response(status=401, headers={"HX-Redirect": login})
    return redirect(login)


def refuse_nul():
    """No database stores a NUL character (PostgreSQL refuses it even as a parameter): a query
    argument holding one is a 400, whichever page or lookup reads it."""
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            raise TrellisError([Problem("/" + name.replace("\x00", ""), msg(
                "must not contain NUL characters (\\u0000)"))], status=400)


def trellis_error(exc: TrellisError):
    if request.endpoint in lookups.JSON_ENDPOINTS:
        return jsonify({"errors": [{"path": p.path, "message": translate(p.message)}
                                   for p in exc.problems]}), exc.status
    messages = [translate(p.message) for p in exc.problems]
    return render_template("app/error.html", code=exc.status, messages=messages), exc.status


def query_stopped(exc: QueryStopped):
    rollback()  # so that the page around the message can still read
    return trellis_error(exc)


def app_home(app_key: str):
    for app in visible_apps(db_session(), current_principal(), ui_lang()):
        if app.key == app_key:
            if app.forms:
                return redirect(app.forms[0].url)
            return render_template("runtime/empty_app.html", app=app)
    abort(404)


def record_list(app_key: str, form_key: str):
    ctx = form_context(app_key, form_key)
    mine = preferences.saved(db_session(), ctx.principal.user_id, app_key, form_key) \
        if ctx.principal is not None else {}
    builder = listing.ListBuilder(ctx.records, new_references(ctx), request.args, ctx.lang,
                                  mine)
    vm = builder.build(ctx.plan.label(ctx.lang), ctx.records.may("create"))
    actions = list_actions(ctx)
    if request.headers.get("HX-Target") == "record-list":
        # the address bar shows the list as it is, not the search form's empty filter row
        return Response(render_template("runtime/_record_list.html", list=vm, actions=actions),
                        headers={"HX-Push-Url": builder.url(page=str(builder.page)
                                                            if builder.page > 1 else "")})
    return render_template("runtime/list.html", list=vm, actions=actions)


def record_new(app_key: str, form_key: str):
    ctx = form_context(app_key, form_key)
    ctx.access.require("create", ctx.plan.label(ctx.lang))
    if request.method == "GET":
        return render_form(ctx, None)
    posted = parse_post(ctx.plan, request.form, ctx.access)
    with transaction():  # identity rules may merge it into a stored record (intake)
        [outcome] = submit(ctx.records, [posted])
    if outcome.outcome is None:
        problems = [Problem(e["path"], e["message"], record=e.get("record"))
                    for e in outcome.errors]
        return render_form(ctx, None, posted, problems, status=422)
    record = outcome.record
    flash(_("Record created.") if outcome.outcome == CREATED else
          _("It matched an existing record: merged into it."), "success")
    return redirect(url_for("forms.record_detail", app_key=app_key, form_key=form_key,
                            record_id=record["id"]), 303)


@read_only
def validate(app_key: str, form_key: str):
    """Inline validation: the error (or none) of the input that changed, checked on the server."""
    ctx = form_context(app_key, form_key)
    posted = parse_post(ctx.plan, request.form, ctx.access)
    key = field_key(request.headers.get("HX-Trigger-Name") or request.form.get("_field", ""))
    _values, problems = ctx.plan.load(posted, partial=False, access=ctx.access)
    errors, _general = error_map(ctx.plan, problems, ctx.lang)
    return render_template("runtime/_field_error.html", error_id=f"err-{key}",
                           error=errors.get(key, ""))


@read_only
def form_state(app_key: str, form_key: str):
    """The live form's formula-driven state for what has been typed so far (JSON)."""
    ctx = form_context(app_key, form_key)
    record_id = request.args.get("record", "")
    if record_id:  # beyond the ids any record can have: 404 like any missing record
        record = ctx.records.get_all(whole_number(record_id, 2**63) or 0)
    else:  # a new record: its system fields as they will be when it is saved
        record = ctx.records.system_values(ctx.principal.user_id)
    return live.state_response(ctx.plan, record, ctx.access, ctx.lang,
                               ctx.records.reader_related())


def record_detail(app_key: str, form_key: str, record_id: int):
    ctx = form_context(app_key, form_key)
    plan, lang, records = ctx.plan, ctx.lang, ctx.records
    record = records.get(record_id)
    history = records.history(record_id)
    refs = new_references(ctx)
    refs.add_records(plan.fields, [record])
    refs.add_user([record.get("owner"), record.get("created_by")])
    display.collect_history(refs, plan, history)
    refs.load()
    keys = {"app_key": app_key, "form_key": form_key, "record_id": record_id}
    conditional = set() if plan.behaviour is None else live.hidden_keys(
        plan, records.get_all(record_id), records.reader_related())  # hidden by formula
    return render_template(
        "runtime/detail.html", title=record_title(ctx, refs, record),
        form_label=plan.label(lang), record=record,
        fields=display.detail_fields(plan, ctx.access, record, refs, lang, conditional),
        meta=_meta(record, refs), timeline=display.timeline(plan, history, refs, lang),
        touches=display.touch_lines(records.touches.of(record_id), record_id, lang),
        assignments=assignment_lines(records, record_id, lang),
        scores=score_panels(records, record_id, lang),
        rule_buttons=rule_buttons(records, record_id, lang),
        list_url=url_for("forms.record_list", app_key=app_key, form_key=form_key),
        edit_url=url_for("forms.record_edit", **keys) if records.may("update", record_id)
        else "",
        delete_url=url_for("forms.record_delete", **keys) if records.may("delete", record_id)
        else "")


def record_edit(app_key: str, form_key: str, record_id: int):
    ctx = form_context(app_key, form_key)
    record = ctx.records.get(record_id)
    if not ctx.records.may("update", record_id):
        raise Forbidden(_("you may not change this record"))
    if request.method == "GET":
        return render_form(ctx, record)
    posted = parse_post(ctx.plan, request.form, ctx.access)
    for key in live.locked_keys(ctx.plan, ctx.records.get_all(record_id),
                                ctx.records.reader_related()):
        posted.pop(key, None)  # read-only by formula: its input was disabled, not emptied
    version = request.form.get("version", "")
    try:
        with transaction():
            ctx.records.update(record_id, posted, whole_number(version))
    except Conflict:
        # keep what was typed, and the version it was typed against: the person reloads
        return render_form(ctx, ctx.records.get(record_id), posted, conflict=True, status=409)
    except InvalidRecord as exc:
        return render_form(ctx, record, posted, exc.problems, status=422)
    flash(_("Changes saved."), "success")
    return redirect(url_for("forms.record_detail", app_key=app_key, form_key=form_key,
                            record_id=record_id), 303)


def run_rule(app_key: str, form_key: str, record_id: int, rule: str):
    return run_rule_page(form_context(app_key, form_key), record_id, rule)


def record_delete(app_key: str, form_key: str, record_id: int):
    ctx = form_context(app_key, form_key)
    with transaction():
        ctx.records.delete(record_id)
    flash(_("Record deleted."), "info")
    return redirect(url_for("forms.record_list", app_key=app_key, form_key=form_key), 303)


FORM = "/<app_key>/<form_key>"
RECORD = FORM + "/<int:record_id>"
ROUTES: tuple[Route, ...] = (
    ("/<app_key>", "app_home", app_home, GET),
    (FORM, "record_list", record_list, GET),
    (FORM + "/new", "record_new", record_new, GET_POST),
    (FORM + "/validate", "validate", validate, POST),
    (FORM + "/state", "form_state", form_state, POST),
    (RECORD, "record_detail", record_detail, GET),
    (RECORD + "/edit", "record_edit", record_edit, GET_POST),
    (RECORD + "/delete", "record_delete", record_delete, POST),
    (RECORD + "/rules/<rule>/run", "run_rule", run_rule, POST),
)


def forms_blueprint() -> Blueprint:
    bp = Blueprint("forms", __name__)
    bp.before_request(require_login)
    bp.before_request(refuse_nul)
    bp.register_error_handler(TrellisError, trellis_error)
    bp.register_error_handler(QueryStopped, query_stopped)
    add_routes(bp, (*ROUTES, *lookups.ROUTES, *preferences.ROUTES, *bulk.ROUTES,
                    *bulk_rules.ROUTES, *exports.ROUTES, *imports.ROUTES, *review.ROUTES,
                    *merge_history.ROUTES, *identity_scan.ROUTES))
    return bp


def _meta(record: dict, refs: References) -> list[tuple[str, str]]:
    owner = record.get("owner")
    creator = record.get("created_by")
    return [(_("Owner"), refs.user_name(owner) if owner else ""),
            (_("Created by"), refs.user_name(creator) if creator else ""),
            (_("Created"), display.local_time(record.get("created_at"))),
            (_("Updated"), display.local_time(record.get("updated_at"))),
            (_("Version"), str(record.get("version", "")))]


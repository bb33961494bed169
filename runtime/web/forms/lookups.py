"""The helpers widgets call while a form is filled: region lists, user and record search,
file uploads."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _

from metadata.errors import Forbidden, NotFound, Problem, TrellisError
from runtime.fields.base import FieldType, FieldValueError, RecordTitles
from runtime.fields.regions import region_data
from runtime.forms.plan import FormPlan
from runtime.permissions import Access, Principal
from runtime.storage.files import CHUNK, as_json
from runtime.storage.query import ListQuery, list_records
from runtime.web import current_principal, current_runtime, db_session, file_store, transaction
from runtime.web.forms.context import form_context
from runtime.web.messages import ui_lang
from runtime.web.routes import GET, POST, Route

SEARCH_LIMIT = 20
JSON_ENDPOINTS = frozenset({"forms.user_search", "forms.relation_lookup", "forms.upload",
                            "forms.form_state"})


def resolve_field(plan: FormPlan, path: str, access: Access,
                  wanted: Callable[[FieldType, dict], bool], what: str
                  ) -> tuple[dict, FieldType]:
    """The field (or sub-table field, ``items.product``) a widget asks about, and its type,
    when the type is ``wanted`` (``what``: what such a field is called in the message)."""
    top, _sep, sub = path.partition(".")
    fld = plan.by_key.get(top)
    if fld is not None and sub:
        fld = next((s for s in plan.types[fld["type"]].row_fields(fld) if s["key"] == sub),
                   None)
    ftype = plan.types[fld["type"]] if fld is not None else None
    if ftype is None or top in access.hidden or not wanted(ftype, fld):
        raise NotFound([Problem("/field", f"{path!r} is not a {what} field of "
                                          f"{plan.form_key}")])
    return fld, ftype


def links_records(ftype: FieldType, fld: dict) -> bool:
    """Whether the ids of a field's values are records of another form (a record picker)."""
    return isinstance(ftype.names(fld), RecordTitles)


def takes_uploads(ftype: FieldType, fld: dict) -> bool:
    return ftype.upload_rules(fld) is not None


def region_options() -> str:
    province = request.args.get("province", "").strip()
    city = request.args.get("city", "").strip()
    names: list[str] = []
    try:
        if province and city:
            names = region_data().districts(province, city)
        elif province:
            names = region_data().cities(province)
    except FieldValueError:
        names = []
    blank = _("District") if city else _("City")
    return render_template("runtime/_region_options.html", names=names, blank=blank)


def user_search():
    """Active users for a user picker, with what the reader may see of them (the directory
    decides: names for everyone, e-mail addresses for those who manage people)."""
    q = request.args.get("q", "").strip()[:100]
    roles = [r for r in request.args.get("roles", "").split(",") if r]
    found = current_runtime().directory.search(db_session(), current_principal(), q, roles,
                                               SEARCH_LIMIT)
    return jsonify([person.picker_entry() for person in found])


def relation_lookup(plan: FormPlan, principal: Principal, access: Access, field_path: str):
    fld, ftype = resolve_field(plan, field_path, access, links_records, "relation")
    titles = ftype.names(fld)
    rt, session = current_runtime(), db_session()
    target = rt.plan(session, plan.app_key, titles.form)
    records = rt.records(session, target, principal, via="ui")
    if not records.may("read"):
        return jsonify([])
    q = request.args.get("q", "").strip()[:200]
    page = list_records(records, ListQuery(q=q, per_page=SEARCH_LIMIT, with_total=False))
    key = titles.title_field(target.title_field)
    title_fld = target.by_key.get(key) if key and key not in records.access.hidden else None
    lang = ui_lang()
    out = []
    for record in page.records:
        title = ""
        if title_fld is not None:
            title = target.types[title_fld["type"]].display(record.get(key), title_fld, lang)
        out.append({"id": record["id"], "title": title or f"#{record['id']}"})
    return jsonify(out)


def upload(plan: FormPlan, principal: Principal, access: Access, field_path: str):
    fld, ftype = resolve_field(plan, field_path, access, takes_uploads, "attachment")
    rules = ftype.upload_rules(fld)
    if field_path.partition(".")[0] in access.readonly:
        raise Forbidden([Problem("/field", _("you may not change this field"))])
    if not access.allows("create") and not access.allows("update"):
        raise Forbidden([Problem("", _("you may not add files to this form"))])
    file = request.files.get("file")
    if file is None or not file.filename:
        raise TrellisError([Problem("/file", _("choose a file to upload"))])
    limit_mb = min(rules.max_mb, float(current_app.config["UPLOAD_MAX_MB"]))
    store = file_store()
    with transaction():
        attachment = store.save(file.stream, file.filename, file.mimetype,
                                int(limit_mb * CHUNK), principal.user_id)
        # by what its bytes were read as (a name may claim an image; only the bytes are one)
        if not rules.accepts(attachment.name, attachment.content_type):
            store.remove([attachment.id])  # the transaction forgets its row
            raise TrellisError([Problem("/file", _(
                "%(name)s is not an accepted type (%(types)s)", name=attachment.name,
                types=", ".join(rules.accept)))])
    return jsonify(as_json(attachment)), 201


def lookup_view(app_key: str, form_key: str, field_path: str):
    ctx = form_context(app_key, form_key)
    return relation_lookup(ctx.plan, ctx.principal, ctx.access, field_path)


def upload_view():
    ctx = form_context(request.args.get("app_key", ""), request.args.get("form_key", ""))
    return upload(ctx.plan, ctx.principal, ctx.access, request.args.get("field_path", ""))


ROUTES: tuple[Route, ...] = (  # the forms blueprint's, after its pages
    ("/_regions", "region_options", region_options, GET),
    ("/_users", "user_search", user_search, GET),
    ("/<app_key>/<form_key>/_lookup/<field_path>", "relation_lookup", lookup_view, GET),
    ("/_upload", "upload", upload_view, POST),
)

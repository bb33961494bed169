"""Metadata endpoints: schemas, apps, forms and views with drafts, versions, diffs, packages."""

from __future__ import annotations

from flask import Response, jsonify, request
from sqlalchemy.orm import Session

from metadata.diff import diff
from metadata.errors import Conflict, NotFound, Problem, StaleDraft, TrellisError, pointer
from metadata.messages import msg
from metadata.orm import whole_number
from metadata.package import export_package, import_package
from runtime.api.access import DESIGNERS, require
from runtime.api.errors import if_match, json_body
from runtime.permissions import Principal, readable_forms
from runtime.rules.rescore import rescore_of
from runtime.web import current_runtime, db_session, transaction
from runtime.web.routes import GET, POST, Route

KIND_OF = {"forms": "form", "views": "view", "rulesets": "ruleset", "workflows": "workflow"}
MAX_NOTE = 500  # the column's length


def _document_response(doc, body: dict, status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["ETag"] = f'"{doc.revision}"'
    response.headers["X-Trellis-Revision"] = str(doc.revision)
    if doc.published_version is not None:
        response.headers["X-Trellis-Published-Version"] = str(doc.published_version)
    return response


def base_revision() -> int | None:
    """The draft revision the client edited: If-Match header or ?base_version=."""
    return if_match("base_version", "must be the revision number you loaded (from the ETag "
                                    "header)")


def _version_number(raw: str | None, name: str) -> int:
    number = whole_number(raw)
    if number is None:
        raise TrellisError([Problem(f"/{name}", "must be a version number")])
    return number


def _summary(store, session, doc) -> dict:
    return {"kind": doc.kind, "key": doc.key, "label": doc.draft.get("label"),
            "revision": doc.revision, "published_version": doc.published_version,
            "updated_at": doc.updated_at.isoformat()}


# -- schemas, apps, packages --------------------------------------------------------------


def schema(kind: str) -> Response:
    schemas = current_runtime().schemas
    if kind not in schemas:
        raise NotFound([Problem("", f"no schema for {kind!r}; kinds: " + ", ".join(schemas))])
    return jsonify(schemas[kind])


def designs(principal: Principal) -> bool:
    """Whether the principal sees every document with its drafts, policies and versions."""
    return principal.is_admin or bool(principal.roles & DESIGNERS)


def readable(session: Session, principal: Principal, app_key: str) -> frozenset[str]:
    """The published forms of an app whose records the principal may read: all that a
    member learns of an app's documents (their policies and hidden fields stay unseen)."""
    forms = {d.key: d.body for d in current_runtime().published_documents(session, "form")
             if d.app_key == app_key}
    return frozenset(forms) if designs(principal) else readable_forms(principal, forms)


def list_apps() -> Response:
    principal = require("metadata:read")
    rt, session = current_runtime(), db_session()
    apps = []
    for doc in rt.store.list(session, kind="app"):
        forms = rt.store.list(session, doc.key, "form")
        if not designs(principal):  # a member: the apps and forms whose records they read
            shown = readable(session, principal, doc.key)
            forms = [d for d in forms if d.key in shown]
            if not forms:
                continue
        item = _summary(rt.store, session, doc)
        item["forms"] = [_summary(rt.store, session, d) for d in forms]
        apps.append(item)
    return jsonify({"apps": apps})


def create_app_document() -> Response:
    principal = require("metadata:write", DESIGNERS)
    rt, session = current_runtime(), db_session()
    body = json_body(rt.settings["max_json_bytes"])
    if isinstance(body, dict) and "kind" not in body:
        body = {"kind": "app", **body}  # this endpoint takes apps only: kind is implied
    key = body.get("key") if isinstance(body, dict) else None
    if isinstance(key, str) and rt.store.find(session, key, "app", key) is not None:
        raise TrellisError([Problem("/key", f"app {key!r} already exists")], status=409)
    with transaction():
        doc = rt.store.save_draft(session, str(key), "app", str(key), body, None,
                                  principal.user_id)
        rt.publish(session, doc, principal.user_id, "created")
    response = _document_response(doc, doc.draft, 201)
    response.headers["Location"] = f"/api/v1/apps/{doc.key}"
    return response


def import_app() -> tuple[Response, int]:
    principal = require("metadata:write", DESIGNERS)
    rt, session = current_runtime(), db_session()
    package = json_body(rt.settings["max_json_bytes"])
    with transaction():
        app_key = import_package(rt.store, session, package, principal.user_id,
                                 on_publish=lambda d, v: rt.on_publish(session, d, v))
    return jsonify({"app": app_key, "export": f"/api/v1/apps/{app_key}/export"}), 201


def export_app(app_key: str) -> Response:
    require("metadata:read", DESIGNERS)  # a package carries the permission policies
    package = export_package(current_runtime().store, db_session(), app_key)
    response = jsonify(package)
    response.headers["Content-Disposition"] = f'attachment; filename="{app_key}.json"'
    return response


def app_document(app_key: str) -> Response:
    return _document(app_key, "app", app_key)


def publish_app(app_key: str) -> Response:
    return _publish(app_key, "app", app_key)


# -- forms and views: drafts, publishing, versions, diffs, rollback ------------------------


def list_documents(app_key: str, kinds: str) -> Response:
    principal = require("metadata:read")
    rt, session = current_runtime(), db_session()
    rt.store.get(session, app_key, "app", app_key)
    docs = rt.store.list(session, app_key, KIND_OF[kinds])
    if not designs(principal):  # a member: the published ones over forms they may read
        shown = readable(session, principal, app_key)
        if kinds == "views":
            shown = {d.key for d in rt.published_documents(session, "view")
                     if d.app_key == app_key and d.body.get("form") in shown}
        elif kinds in ("rulesets", "workflows"):
            shown = set()  # rules and workflows are designers' reading
        docs = [d for d in docs if d.key in shown]
    return jsonify({kinds: [_summary(rt.store, session, d) for d in docs]})


def document(app_key: str, kinds: str, key: str) -> Response:
    return _document(app_key, KIND_OF[kinds], key)


def publish(app_key: str, kinds: str, key: str) -> Response:
    return _publish(app_key, KIND_OF[kinds], key)


def versions(app_key: str, kinds: str, key: str) -> Response:
    require("metadata:read", DESIGNERS)
    rt, session = current_runtime(), db_session()
    doc = rt.store.get(session, app_key, KIND_OF[kinds], key)
    return jsonify({"published_version": doc.published_version, "revision": doc.revision,
                    "versions": [{"number": v.number, "note": v.note,
                                  "published_at": v.published_at.isoformat(),
                                  "published_by": v.published_by}
                                 for v in rt.store.versions(session, doc)]})


def version(app_key: str, kinds: str, key: str, number: int) -> Response:
    require("metadata:read", DESIGNERS)
    rt, session = current_runtime(), db_session()
    doc = rt.store.get(session, app_key, KIND_OF[kinds], key)
    return jsonify(rt.store.version(session, doc, number).body)


def version_diff(app_key: str, kinds: str, key: str) -> Response:
    require("metadata:read", DESIGNERS)
    rt, session = current_runtime(), db_session()
    doc = rt.store.get(session, app_key, KIND_OF[kinds], key)
    old = rt.store.version(session, doc, _version_number(request.args.get("from"), "from"))
    to = request.args.get("to", "draft")
    new = doc.draft if to == "draft" else rt.store.version(
        session, doc, _version_number(to, "to")).body
    return jsonify({"from": old.number, "to": to, "changes": diff(old.body, new)})


def rollback(app_key: str, kinds: str, key: str, number: int) -> Response:
    principal = require("metadata:write", DESIGNERS)
    rt, session = current_runtime(), db_session()
    doc = rt.store.get(session, app_key, KIND_OF[kinds], key)
    with transaction():
        published, plan = rt.rollback(session, doc, number, principal.user_id)
    return jsonify({"version": published.number,
                    "migration": plan.summary() if plan else None})


def _document(app_key: str, kind: str, key: str) -> Response:
    rt, session = current_runtime(), db_session()
    if request.method == "GET":
        # a form or view carries permission policies and hidden fields: designers' reading
        # (a member finds the fields they may use in /api/v1/openapi.json)
        principal = require("metadata:read", None if kind == "app" else DESIGNERS)
        doc = rt.store.get(session, app_key, kind, key)
        if not designs(principal):  # a member: the published app, if they read a form of it
            if doc.published_version is None or not readable(session, principal, app_key):
                raise NotFound([Problem("", f"app {app_key!r} does not exist")])
            return _document_response(doc, rt.store.version(session, doc,
                                                            doc.published_version).body)
        wanted = request.args.get("version")
        if wanted:
            body = rt.store.version(session, doc, _version_number(wanted, "version")).body
            return _document_response(doc, body)
        return _document_response(doc, doc.draft)
    principal = require("metadata:write", DESIGNERS)
    body = json_body(rt.settings["max_json_bytes"])
    try:
        with transaction():
            doc = rt.store.save_draft(session, app_key, kind, key, body, base_revision(),
                                      principal.user_id)
    except StaleDraft as stale:
        raise Conflict([Problem("", who_saved(session, stale, principal))]) from None
    return _document_response(doc, doc.draft, 201 if doc.created_now else 200)


def who_saved(session: Session, stale: StaleDraft, principal: Principal) -> str:
    """Who saved the revision a stale save missed, in words: the same person in another tab
    or window, or the person by name."""
    at = stale.updated_at.strftime("%Y-%m-%d %H:%M UTC")
    if stale.updated_by is not None and stale.updated_by == principal.user_id:
        return msg("you saved it in another tab or window (revision %(n)s, %(at)s) after this "
                   "page loaded it", n=stale.revision, at=at)
    name = current_runtime().directory.names(session, [stale.updated_by]).get(
        stale.updated_by) if stale.updated_by is not None else None
    return msg("%(name)s saved it (revision %(n)s, %(at)s) after this page loaded it",
               name=name or msg("someone else"), n=stale.revision, at=at)


def _publish_note(options: object) -> str:
    """The note of a publish request's optional body ``{"note": "why"}``."""
    if not isinstance(options, dict):
        raise TrellisError([Problem("", "send a JSON object: {\"note\": \"why\"}")], 422)
    note = options.get("note", "")
    problems = [Problem(pointer(k), f"unknown property {k!r}") for k in options if k != "note"]
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        problems.append(Problem("/note", f"must be a text of at most {MAX_NOTE} characters"))
    if problems:
        raise TrellisError(problems, 422)
    return note


def _publish(app_key: str, kind: str, key: str) -> Response:
    principal = require("metadata:write", DESIGNERS)
    rt, session = current_runtime(), db_session()
    doc = rt.store.get(session, app_key, kind, key, lock=True)  # publishers take turns
    note = _publish_note(json_body(64 * 1024) if request.content_length else {})
    expected = base_revision()
    if expected is not None and expected != doc.revision:
        raise TrellisError([Problem("", f"the draft changed since you loaded it (revision "
                                        f"{expected}, now {doc.revision}); reload it")],
                           status=409)
    dry_run = request.args.get("dry_run", "0")
    if dry_run not in ("0", "1", "true", "false"):
        raise TrellisError([Problem("/dry_run", "must be 1 or 0 (true or false)")])
    if dry_run in ("1", "true"):
        rt.store.check(kind, doc.draft, rt.store.context(session, app_key, {}))
        plan = rt.dry_run(session, doc) if kind == "form" else None
        return jsonify({"dry_run": True, "migration": plan.summary() if plan else None})
    before = doc.published_version
    with transaction():
        version, plan = rt.publish(session, doc, principal.user_id, note)
    out = {"version": version.number, "unchanged": version.number == before,
           "migration": plan.summary() if plan else None}
    if kind == "ruleset":  # the re-score the publish started (its scoring changed)
        out["rescore"] = rescore_of(session, app_key, key, version.number)
    return jsonify(out)


KINDS = "<any(forms, views, rulesets, workflows):kinds>"
DOCUMENT = f"/apps/<app_key>/{KINDS}/<key>"
ROUTES: tuple[Route, ...] = (
    ("/schemas/<kind>", "schema", schema, GET),
    ("/apps", "list_apps", list_apps, GET),
    ("/apps", "create_app_document", create_app_document, POST),
    ("/apps/import", "import_app", import_app, POST),
    ("/apps/<app_key>/export", "export_app", export_app, GET),
    ("/apps/<app_key>", "app_document", app_document, ("GET", "PUT")),
    ("/apps/<app_key>/publish", "publish_app", publish_app, POST),
    (f"/apps/<app_key>/{KINDS}", "list_documents", list_documents, GET),
    (DOCUMENT, "document", document, ("GET", "PUT")),
    (DOCUMENT + "/publish", "publish", publish, POST),
    (DOCUMENT + "/versions", "versions", versions, GET),
    (DOCUMENT + "/versions/<int:number>", "version", version, GET),
    (DOCUMENT + "/diff", "version_diff", version_diff, GET),
    (DOCUMENT + "/versions/<int:number>/rollback", "rollback", rollback, POST),
)

"""App packages: one JSON file holding every document of an app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from metadata.checks import CheckContext
from metadata.errors import InvalidDocument, Problem, pointer
from metadata.models import Document, DocumentVersion
from metadata.store import DocumentStore

FORMAT = "trellis-app-package"
FORMAT_VERSION = 1
ORDER = {"app": 0, "form": 1, "view": 2, "ruleset": 3, "workflow": 4}
DOCUMENT_KINDS = ("form", "view", "ruleset", "workflow")  # what a package's documents may be

PublishHook = Callable[[Document, DocumentVersion], None]


def export_package(store: DocumentStore, session: Session, app_key: str) -> dict[str, Any]:
    """The app's documents as published (or as drafted, if never published)."""
    app_doc = store.get(session, app_key, "app", app_key)
    documents = []
    for doc in store.list(session, app_key):
        if doc.kind == "app":
            continue
        documents.append(store.published_body(session, doc) or doc.draft)
    documents.sort(key=lambda d: (ORDER[d["kind"]], d["key"]))
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app": store.published_body(session, app_doc) or app_doc.draft,
        "documents": documents,
    }


def package_problems(store: DocumentStore, package: Any) -> list[Problem]:
    """Every problem of a package, each with a JSON Pointer into the package file."""
    if not isinstance(package, dict):
        return [Problem("", "an app package must be a JSON object")]
    problems = [Problem(pointer(key), f"unknown property {key!r}") for key in package
                if key not in ("format", "format_version", "app", "documents")]
    if package.get("format") != FORMAT:
        problems.append(Problem("/format", f"must be {FORMAT!r}"))
    if package.get("format_version") != FORMAT_VERSION:
        problems.append(Problem("/format_version", f"must be {FORMAT_VERSION}"))
    app = package.get("app")
    docs = package.get("documents")
    if not isinstance(app, dict):
        return problems + [Problem("/app", "must be the app document (a JSON object)")]
    if not isinstance(docs, list):
        return problems + [Problem("/documents", "must be a list of documents")]
    app_key = app.get("key")
    forms = {d["key"]: d for d in docs if isinstance(d, dict) and d.get("kind") == "form"
             and isinstance(d.get("key"), str)}  # other keys: the schema says what is wrong
    ctx = CheckContext(app_key=str(app_key), forms=forms, field_types=store.field_types)
    problems += _prefixed("/app", store, "app", app, ctx)
    seen = set()
    for i, doc in enumerate(docs):
        at = f"/documents/{i}"
        if not isinstance(doc, dict) or doc.get("kind") not in DOCUMENT_KINDS:
            problems.append(Problem(at + "/kind",
                                    "must be a form, view, ruleset or workflow document"))
            continue
        ident = (doc["kind"], str(doc.get("key")))  # any JSON: the schema checks it below
        if ident in seen:
            problems.append(Problem(at + "/key", f"{doc['kind']} {doc.get('key')!r} appears "
                                                 "twice in the package"))
        seen.add(ident)
        problems += _prefixed(at, store, doc["kind"], doc, ctx)
    return problems


def _prefixed(prefix: str, store: DocumentStore, kind: str, doc: dict, ctx: CheckContext
              ) -> list[Problem]:
    try:
        store.check(kind, doc, ctx)
    except InvalidDocument as exc:
        return [Problem(prefix + p.path, p.message) for p in exc.problems]
    return []


def import_package(store: DocumentStore, session: Session, package: Any,
                   user_id: int | None = None, on_publish: PublishHook | None = None) -> str:
    """Save and publish every document of ``package``; raise before writing if any is invalid.

    The caller's transaction makes it all-or-nothing: ``on_publish`` (which migrates tables)
    runs inside it too.
    """
    problems = package_problems(store, package)
    if problems:
        raise InvalidDocument(problems)
    app = package["app"]
    app_key = app["key"]
    docs = sorted(package["documents"], key=lambda d: ORDER[d["kind"]])
    # references resolve among the package's forms whatever their order (even in a cycle)
    forms = {d["key"]: d for d in docs if d["kind"] == "form"}
    # The app first (a draft without its navigation, which names forms not yet saved), so
    # forms may be saved under it; forms before views; the whole app last.
    if store.find(session, app_key, "app", app_key) is None:
        bare = {k: v for k, v in app.items() if k != "navigation"}
        _save_and_publish(store, session, app_key, bare, user_id, on_publish, forms,
                          publish=False)
    for body in docs:
        _save_and_publish(store, session, app_key, body, user_id, on_publish, forms)
    _save_and_publish(store, session, app_key, app, user_id, on_publish, forms)
    return app_key


def _save_and_publish(store: DocumentStore, session: Session, app_key: str, body: dict,
                      user_id: int | None, on_publish: PublishHook | None,
                      forms: dict[str, dict], publish: bool = True) -> None:
    doc = store.find(session, app_key, body["kind"], body["key"])
    current = store.published_body(session, doc) if doc is not None else None
    if doc is None or doc.draft != body:
        doc = store.save_draft(session, app_key, body["kind"], body["key"], body, None, user_id,
                               forms=forms)
    if publish and current != body:
        version = store.publish(session, doc, user_id, note="imported", forms=forms)
        if on_publish is not None:
            on_publish(doc, version)

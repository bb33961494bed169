"""View models of the form designer page (what publishing will do is ``builder.effects``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from builder.effects import Names
from builder.palette import PaletteItem, palette
from metadata.errors import NotFound
from metadata.models import Document
from runtime.context import Runtime
from runtime.fields.base import label_text
from runtime.storage.migrate import MigrationPlan


@dataclass
class DesignerVM:
    app_key: str
    form_key: str
    app_label: str
    form_label: str
    revision: int
    published_version: int | None
    doc: dict
    locked_keys: list[str]
    archived_keys: list[str]
    palette: list[PaletteItem]
    urls: dict[str, str]
    strings: dict[str, str]
    formula_editor: bool = False  # static/js/formula-editor.js is there to enhance formulas


def table_keys(rt: Runtime, session: Session, app_key: str, form_key: str
               ) -> tuple[list[str], list[str]]:
    """Keys whose columns exist (locked) and, among them, those archived."""
    try:
        table = rt.form_table(session, app_key, form_key)
    except NotFound:
        return [], []
    entries = table.fields or []
    return ([e["key"] for e in entries], [e["key"] for e in entries if e.get("archived")])


def published_field(rt: Runtime, session: Session, app_key: str, form_key: str, key: Any
                    ) -> dict | None:
    """The field ``key`` as the form's published version has it (None: not published)."""
    doc = rt.store.find(session, app_key, "form", form_key)
    body = rt.store.published_body(session, doc) if doc is not None else None
    return next((f for f in (body or {}).get("fields", []) if f.get("key") == key), None)


def designer_vm(rt: Runtime, session: Session, app: Document, doc: Document, lang: str
                ) -> DesignerVM:
    forms = [d.key for d in rt.store.list(session, app.app_key, "form")]
    locked, archived = table_keys(rt, session, app.app_key, doc.key)
    keys = {"app_key": app.app_key, "form_key": doc.key}
    urls = {
        "document": f"/api/v1/apps/{app.app_key}/forms/{doc.key}",
        "publish": f"/api/v1/apps/{app.app_key}/forms/{doc.key}/publish",
        "properties": url_for("builder.form_properties", **keys),
        "cleaning": url_for("builder.form_cleaning", **keys),
        "preview": url_for("builder.form_preview", **keys),
        "key": url_for("builder.form_key", **keys),
        "summary": url_for("builder.publish_summary", **keys),
        "retype": url_for("builder.switch_type", **keys),
        "records": url_for("forms.record_list", **keys),
        "home": url_for("builder.home"),
        "history": url_for("builder.history", app_key=app.app_key, kinds="forms",
                           key=doc.key),
        "channels": url_for("builder.form_capture", **keys),
        "identity": url_for("builder.form_identity", **keys),
        "rules": url_for("builder.form_rules", **keys),
    }
    return DesignerVM(
        app_key=app.app_key, form_key=doc.key,
        app_label=label_text(app.draft.get("label"), lang) or app.app_key,
        form_label=label_text(doc.draft.get("label"), lang) or doc.key,
        revision=doc.revision, published_version=doc.published_version,
        doc=doc.draft, locked_keys=locked, archived_keys=archived,
        palette=palette(rt.fields, lang, forms, doc.key), urls=urls, strings=js_strings(lang),
        formula_editor=Path(current_app.static_folder, "js", "formula-editor.js").exists())


def js_strings(lang: str) -> dict[str, str]:
    """The words builder.js shows (it builds the canvas from the draft document)."""
    return {
        "lang": lang,
        "saving": _("Saving…"), "saved": _("All changes saved"),
        "unsaved": _("Unsaved changes"),
        "error": _("Not saved: fix the problems marked in red"),
        "offline": _("Not saved: the server did not answer; retrying on your next change"),
        "conflict": _("Not saved: changed elsewhere"),
        "conflictHelp": _("Your changes on this page are kept but not saved: load the latest "
                          "version with your changes applied on top, or discard them."),
        "reload": _("Reload"),
        "newTab": _("Tab %(n)s", n="{n}"), "newSection": _("Section %(n)s", n="{n}"),
        "untitled": _("Untitled section"),
        "publishing": _("Publishing…"),
        "published": _("Published version %(n)s", n="{n}"),
        "checking": _("Checking what publishing will do…"),
        "option": _("Option"),
        "flagVisible": _("conditional"), "flagRequired": _("required if"),
        "flagReadonly": _("read-only if"), "flagValidate": _("validated"),
        "flagDefault": _("default"),
        "badKey": _("A key starts with a-z and uses only a-z, 0-9 and _."),
        "publishFailed": _("Not published: fix the problems below."),
        "publish": _("Publish"), "publishAnyway": _("Publish anyway"),
        "cancel": _("Cancel"), "fixFirst": _("Fix them first"),
    }


def summary_names(rt: Runtime, session: Session, doc: Document, plan: MigrationPlan,
                  lang: str) -> Names:
    """Field names for the publish summary: the draft's, the published version's (fields it
    removes) and the table's (fields removed before)."""
    published = (rt.store.version(session, doc, doc.published_version).body
                 if doc.published_version is not None else {})
    return Names([doc.draft.get("fields", []), published.get("fields", []), plan.layout], lang)

"""View models of the form designer page and of what publishing will do to the table."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import Session

from builder.palette import PaletteItem, palette
from metadata.errors import NotFound
from metadata.models import Document
from runtime.context import Runtime
from runtime.fields.base import label_text


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
        "preview": url_for("builder.form_preview", **keys),
        "key": url_for("builder.form_key", **keys),
        "summary": url_for("builder.publish_summary", **keys),
        "records": url_for("forms.record_list", **keys),
        "home": url_for("builder.home"),
        "history": url_for("builder.history", app_key=app.app_key, kinds="forms",
                           key=doc.key),
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
    }


@dataclass
class SummaryVM:
    lines: list[str] = field(default_factory=list)
    changes_table: bool = False
    creates_table: bool = False


def _names(keys: list[str], labels: dict[str, str]) -> str:
    return "、".join(f"{labels.get(k) or k} ({k})" if labels.get(k) else k for k in keys)


def summary_vm(summary: dict[str, Any] | None, doc: dict, lang: str) -> SummaryVM:
    """``adds 2 columns: …``, ``archives 1 field: …`` from the API's dry-run summary."""
    vm = SummaryVM()
    if not summary:
        return vm
    labels = {f.get("key"): label_text(f.get("label"), lang) for f in doc.get("fields", [])}
    vm.creates_table = bool(summary.get("creates_table"))
    adds, archives = summary.get("adds") or [], summary.get("archives") or []
    restores, converts = summary.get("restores") or [], summary.get("converts") or []
    if vm.creates_table:
        vm.lines.append(_("creates the table %(table)s", table=summary.get("table", "")))
    if adds:
        vm.lines.append(ngettext("adds %(num)d column: %(names)s",
                                 "adds %(num)d columns: %(names)s", len(adds),
                                 names=_names(adds, labels)))
    if archives:
        vm.lines.append(ngettext("archives %(num)d field (its data is kept): %(names)s",
                                 "archives %(num)d fields (their data is kept): %(names)s",
                                 len(archives), names=", ".join(archives)))
    if restores:
        vm.lines.append(ngettext("restores %(num)d archived field: %(names)s",
                                 "restores %(num)d archived fields: %(names)s",
                                 len(restores), names=_names(restores, labels)))
    if converts:
        names = ", ".join(f"{c['field']} ({c['from']} → {c['to']})" for c in converts)
        vm.lines.append(ngettext("converts %(num)d column: %(names)s",
                                 "converts %(num)d columns: %(names)s", len(converts),
                                 names=names))
    vm.changes_table = bool(vm.lines)
    return vm

"""The builder's home: every app with its forms, and the creation of new apps and forms."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from builder.keys import derive_document_key
from metadata.models import Document
from runtime.context import Runtime
from runtime.fields.base import label_text

APP_COLORS = ("#4f46e5", "#0891b2", "#059669", "#d97706", "#db2777", "#7c3aed", "#2563eb")


@dataclass
class FormCard:
    key: str
    label: str
    url: str
    fields: int
    published_version: int | None
    draft_changed: bool
    records_url: str | None
    history_url: str | None = None
    new_view_url: str | None = None


@dataclass
class ViewCard:
    key: str
    label: str
    form_label: str
    url: str
    history_url: str | None
    published: bool


@dataclass
class AppCard:
    key: str
    label: str
    color: str
    initial: str
    forms: list[FormCard] = field(default_factory=list)
    views: list[ViewCard] = field(default_factory=list)
    package_url: str | None = None
    workflows_url: str | None = None
    todo_url: str | None = None


def optional_url(endpoint: str, **args: str) -> str | None:
    """A link to another designer's page, when that page is there."""
    try:
        return url_for(endpoint, **args)
    except BuildError:
        return None


def form_card(rt: Runtime, session: Session, doc: Document, lang: str) -> FormCard:
    published = rt.store.published_body(session, doc)
    keys = {"app_key": doc.app_key, "form_key": doc.key}
    return FormCard(
        key=doc.key, label=label_text(doc.draft.get("label"), lang) or doc.key,
        url=url_for("builder.form_designer", **keys),
        fields=len(doc.draft.get("fields") or []), published_version=doc.published_version,
        draft_changed=published is None or published != doc.draft,
        records_url=url_for("forms.record_list", **keys) if published is not None else None,
        history_url=optional_url("builder.history", app_key=doc.app_key, kinds="forms",
                                 key=doc.key),
        new_view_url=optional_url("builder.view_new", **keys))


def view_card(doc: Document, forms: dict[str, str], lang: str) -> ViewCard:
    return ViewCard(
        key=doc.key, label=label_text(doc.draft.get("label"), lang) or doc.key,
        form_label=forms.get(doc.draft.get("form"), doc.draft.get("form") or ""),
        url=optional_url("builder.view_designer", app_key=doc.app_key, view_key=doc.key) or "",
        history_url=optional_url("builder.history", app_key=doc.app_key, kinds="views",
                                 key=doc.key),
        published=doc.published_version is not None)


def home_vm(rt: Runtime, session: Session, lang: str) -> list[AppCard]:
    cards = []
    for app in rt.store.list(session, kind="app"):
        label = label_text(app.draft.get("label"), lang) or app.key
        icon = app.draft.get("icon") or ""
        card = AppCard(key=app.key, label=label, color=app.draft.get("color") or APP_COLORS[0],
                       initial=icon if icon and len(icon) <= 2 else label[:1].upper(),
                       package_url=optional_url("builder.package_page", app_key=app.key),
                       workflows_url=url_for("builder.workflows", app_key=app.key),
                       todo_url=optional_url("builder.todo_settings", app_key=app.key))
        card.forms = [form_card(rt, session, d, lang)
                      for d in rt.store.list(session, app.key, "form")]
        names = {f.key: f.label for f in card.forms}
        card.views = [view_card(d, names, lang) for d in rt.store.list(session, app.key, "view")]
        cards.append(card)
    return cards


def new_app_doc(rt: Runtime, session: Session, label: str, key: str, lang: str) -> dict:
    taken = [d.key for d in rt.store.list(session, kind="app")]
    key = key or derive_document_key(label, taken, "app")
    return {"kind": "app", "key": key, "label": {lang: label},
            "color": APP_COLORS[len(taken) % len(APP_COLORS)]}


def new_form_doc(rt: Runtime, session: Session, app_key: str, label: str, key: str,
                 lang: str) -> dict:
    taken = [d.key for d in rt.store.list(session, app_key, "form")]
    key = key or derive_document_key(label, taken, "form")
    return {"kind": "form", "key": key, "label": {lang: label}, "fields": []}

"""Which apps and forms a person can open, and the navigation entries that take them there."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for
from sqlalchemy.orm import Session

from runtime.context import Published
from runtime.fields.base import label_text
from runtime.permissions import Principal, readable_forms
from runtime.web import current_runtime

BUILDERS = frozenset({"admin", "designer"})


@dataclass
class NavForm:
    key: str
    label: str
    url: str
    view: str | None = None
    active: bool = False


@dataclass
class NavApp:
    key: str
    label: str
    description: str
    color: str
    icon: str
    url: str
    forms: list[NavForm] = field(default_factory=list)
    active: bool = False

    @property
    def initial(self) -> str:
        """An emoji or one or two letters chosen as the icon, else the label's first letter."""
        if self.icon and len(self.icon) <= 2:
            return self.icon
        return (self.label[:1] or self.key[:1]).upper()


def published(session: Session, kind: str, app_key: str | None = None) -> list[Published]:
    """Published documents of one kind with their published bodies (kept by the runtime
    while nothing is published)."""
    documents = current_runtime().published_documents(session, kind)
    return [d for d in documents if app_key is None or d.app_key == app_key]


def _forms_of(app_body: dict, forms: dict[str, dict], views: dict[str, dict],
              principal: Principal, lang: str) -> list[NavForm]:
    """The app's navigation entries (or every published form) that the person may read;
    an entry is named by its own label, else its view's, else its form's."""
    entries = app_body.get("navigation") or [{"form": key} for key in forms]
    readable = readable_forms(principal, forms)
    out = []
    for entry in entries:
        body = forms.get(entry["form"])
        if body is None or entry["form"] not in readable:
            continue
        view = views.get(entry.get("view") or "", {})
        label = label_text(entry.get("label") or view.get("label") or body.get("label"),
                           lang) or entry["form"]
        args = {"view": entry["view"]} if entry.get("view") else {}
        url = url_for("forms.record_list", app_key=app_body["key"], form_key=entry["form"],
                      **args)
        out.append(NavForm(entry["form"], label, url, entry.get("view")))
    return out


def visible_apps(session: Session, principal: Principal | None, lang: str) -> list[NavApp]:
    """Apps with at least one form the person may read (builders see every app)."""
    if principal is None:
        return []
    forms_by_app: dict[str, dict[str, dict]] = {}
    for doc in published(session, "form"):
        forms_by_app.setdefault(doc.app_key, {})[doc.key] = doc.body
    views_by_app: dict[str, dict[str, dict]] = {}
    for doc in published(session, "view"):
        views_by_app.setdefault(doc.app_key, {})[doc.key] = doc.body
    apps = []
    for doc in published(session, "app"):
        body = doc.body
        forms = _forms_of(body, forms_by_app.get(doc.key, {}), views_by_app.get(doc.key, {}),
                          principal, lang)
        if not forms and not (principal.roles & BUILDERS):
            continue
        apps.append(NavApp(
            key=doc.key, label=label_text(body.get("label"), lang) or doc.key,
            description=label_text(body.get("description"), lang),
            color=body.get("color") or "#4f46e5", icon=body.get("icon") or "",
            url=url_for("forms.app_home", app_key=doc.key), forms=forms))
    return apps


def mark_active(apps: list[NavApp], app_key: str | None, form_key: str | None,
                view_key: str | None = None) -> NavApp | None:
    """Flag the current app and its one current entry (the form's entry for the view shown,
    else its first entry); returns the current app."""
    current = None
    for app in apps:
        app.active = app.key == app_key
        if app.active:
            current = app
            candidates = [f for f in app.forms if f.key == form_key]
            chosen = next((f for f in candidates if view_key and f.view == view_key),
                          candidates[0] if candidates else None)
            for form in app.forms:
                form.active = form is chosen
    return current

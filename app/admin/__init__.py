"""The admin area (``/admin``): pages for admins only, and the navigation between them.

Each page is a small class in the tuple ``ADMIN_PAGES`` with a ``key``, a ``label`` (marked for
translation, shown in the navigation), the ``endpoint`` the navigation links to, and ``routes``,
its table of ``(rule, endpoint, view, methods)`` (runtime.web.routes) that the admin blueprint
adds under ``/admin/<key>``. The blueprint lets only admins in, so a page checks nothing itself.
A page of another area (the record events' page in ``runtime/web/events.py``, say) is the same
kind of class in its own module, added to the tuple; its templates extend
``app/admin/layout.html``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from flask import Blueprint, Flask, abort, current_app, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin.jobs import JobsPage
from app.admin.teams import TeamsPage
from metadata.registry import Registry
from runtime.web.events import EventsPage
from runtime.web.incidents import IncidentsPage
from runtime.web.outbox import OutboxPage
from runtime.web.routes import GET, Route, add_routes
from runtime.web.routing import RoutingPage

ADMINS = frozenset({"admin"})
ADMIN_PAGES_KEY = "admin_pages"  # the registry, in app.extensions


class AdminPage(Protocol):
    key: ClassVar[str]
    label: ClassVar[str]  # English, marked with N_; translated when shown
    endpoint: ClassVar[str]
    routes: ClassVar[tuple[Route, ...]]


ADMIN_PAGES: tuple[type[AdminPage], ...] = (JobsPage, EventsPage, IncidentsPage, OutboxPage,
                                             TeamsPage, RoutingPage)


@dataclass(frozen=True)
class AdminNavLink:
    label: str
    url: str
    active: bool


def admin_nav() -> list[AdminNavLink]:
    """The admin navigation for the current request, the current page marked."""
    links = []
    for page in admin_pages():
        url = url_for(page.endpoint)
        links.append(AdminNavLink(_(page.label), url,
                                  request.path == url or request.path.startswith(url + "/")))
    return links


def is_admin() -> bool:
    return bool(current_user and current_user.is_authenticated
                and ADMINS & current_user.role_keys)


def admin_pages() -> Registry[AdminPage]:
    """The admin pages of the app, built in ``admin_blueprint``."""
    return current_app.extensions[ADMIN_PAGES_KEY]


def admins_only():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path))
    if not is_admin():
        abort(403)
    return None


def navigation() -> dict:
    return {"admin_nav": admin_nav()}


def index():
    return redirect(url_for(next(iter(admin_pages())).endpoint))


ROUTES: tuple[Route, ...] = (("/", "index", index, GET),)


def admin_blueprint(app: Flask) -> Blueprint:
    pages = Registry("admin page", ADMIN_PAGES, key_attr="key")
    app.extensions[ADMIN_PAGES_KEY] = pages
    bp = Blueprint("admin", __name__)
    bp.before_request(admins_only)
    bp.context_processor(navigation)
    add_routes(bp, ROUTES)
    for page in pages:
        add_routes(bp, page.routes)
    return bp

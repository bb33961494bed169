"""The shell UI around the apps: the top bar every page shares, and the home page."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import Blueprint, Flask, g, render_template, request
from flask_login import current_user, login_required

from runtime.web import current_principal, db_session
from runtime.web.forms.display import local_time
from runtime.web.forms.navigation import BUILDERS, NavApp, mark_active, visible_apps
from runtime.web.messages import ui_lang
from runtime.web.routes import GET, Route, add_routes

log = logging.getLogger(__name__)


@dataclass
class ShellVM:
    """What the layout prints around every page."""

    lang: str
    html_lang: str
    next_url: str
    logged_in: bool = False
    user_name: str = ""
    user_email: str = ""
    apps: list[NavApp] = field(default_factory=list)
    current_app: NavApp | None = None
    can_build: bool = False  # designers and admins see the builder's entry
    can_admin: bool = False  # admins see the admin area's entry


def _next_url() -> str:
    if request.method != "GET" or request.path.startswith("/a/_"):
        return request.referrer or "/"
    return request.full_path.rstrip("?")


def shell_view() -> ShellVM:
    """The layout's view model for the current request (built once per request)."""
    if "shell_vm" in g:
        return g.shell_vm
    lang = ui_lang()
    vm = ShellVM(lang=lang, html_lang="zh-CN" if lang == "zh" else "en", next_url=_next_url())
    try:
        if current_user and current_user.is_authenticated:
            vm.logged_in = True
            vm.user_name = current_user.name
            vm.user_email = current_user.email
            vm.can_build = bool(BUILDERS & current_user.role_keys)
            vm.can_admin = "admin" in current_user.role_keys
            vm.apps = visible_apps(db_session(), current_principal(), lang)
            args = request.view_args or {}
            if request.blueprint == "forms":
                vm.current_app = mark_active(vm.apps, args.get("app_key"), args.get("form_key"),
                                             request.args.get("view"))
    except Exception:  # the layout of an error page must render even when the database fails
        log.exception("building the navigation failed")
        db_session().rollback()
    g.shell_vm = vm
    return vm


@login_required
def home():
    return render_template("app/home.html", apps=shell_view().apps)


def layout_context() -> dict:
    return {"shell": shell_view()}


ROUTES: tuple[Route, ...] = (("/", "home", home, GET),)


def init_app(app: Flask) -> None:
    bp = Blueprint("shell", __name__)
    add_routes(bp, ROUTES)
    app.add_template_filter(local_time, "local_time")
    app.context_processor(layout_context)
    app.register_blueprint(bp)

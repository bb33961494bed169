"""The builder's blueprint (pages under /build): designers and admins only.

Each designer lists its routes in a ``ROUTES`` table in its own module; the builder saves
through the same document store and API the rest of the product uses, so it keeps no state of
its own.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from metadata.errors import NotFound
from runtime.web.messages import translate
from runtime.web.routes import add_routes

DESIGNERS = frozenset({"admin", "designer"})


def designers_only():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path))
    if not DESIGNERS & current_user.role_keys:
        abort(403)
    return None


def not_found(exc: NotFound):
    """A document or version that is not there: the error page with what is missing."""
    return render_template("app/error.html", code=404,
                           messages=[translate(p.message) for p in exc.problems]), 404


def builder_blueprint() -> Blueprint:
    from builder import (
        capture,
        cleaning,
        forms,
        identity,
        packages,
        rules,
        todo,
        versions,
        views,
        workflows,
    )

    bp = Blueprint("builder", __name__)
    bp.before_request(designers_only)
    bp.register_error_handler(NotFound, not_found)
    add_routes(bp, (*forms.ROUTES, *versions.ROUTES, *packages.ROUTES, *views.ROUTES,
                    *cleaning.ROUTES, *capture.ROUTES, *identity.ROUTES, *rules.ROUTES,
                    *workflows.ROUTES, *todo.ROUTES))
    return bp

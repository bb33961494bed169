"""The builder's blueprint (pages under /build): designers and admins only.

Each designer registers its routes from its own module; the builder saves through the same
document store and API the rest of the product uses, so it keeps no state of its own.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

DESIGNERS = frozenset({"admin", "designer"})


def builder_blueprint() -> Blueprint:
    from builder import forms, packages, versions, views

    bp = Blueprint("builder", __name__)

    @bp.before_request
    def designers_only():
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        if not DESIGNERS & current_user.role_keys:
            abort(403)

    for module in (forms, versions, packages, views):
        module.register(bp)
    return bp

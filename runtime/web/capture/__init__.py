"""The addresses the outside world reaches without logging in: public forms (``/f/...``) and
webhook receivers (``/hooks/<token>``). Their blueprint is exempt from the session CSRF check:
a webhook is authenticated by its secret address (and signature), and a public form post by
the signed token its page carries (``runtime.web.capture.tokens``), which works inside an
embedding site's iframe where the session cookie is not sent."""

from __future__ import annotations

from flask import Blueprint

from runtime.web.routes import add_routes


def capture_blueprint() -> Blueprint:
    from runtime.web.capture import hooks, public_views

    bp = Blueprint("capture", __name__)
    add_routes(bp, (*public_views.ROUTES, *hooks.ROUTES))
    return bp

"""What the capture pages and API endpoints share: the secret box, a form's webhooks, the
records service a channel writes with, and absolute addresses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request
from sqlalchemy.orm import Session

from metadata.errors import NotFound, Problem
from metadata.messages import msg
from runtime.capture.endpoints import Endpoints
from runtime.capture.secrets import SecretBox
from runtime.capture.webhooks import Webhook
from runtime.permissions import Principal
from runtime.web import current_runtime, db_session

_BOXES: dict[str, SecretBox] = {}


def secret_box() -> SecretBox:
    master = current_runtime().settings["secret_key"]
    box = _BOXES.get(master)
    if box is None:
        box = _BOXES[master] = SecretBox(master)
    return box


def endpoints() -> Endpoints:
    return Endpoints(db_session(), secret_box(), current_runtime().clock.now)


def ensure_endpoint(app_key: str, form_key: str, hook_key: str) -> None:
    """Make the webhook's address and secret if it has none yet, in a short write of its own
    (an admin's GET reads them: it may be the first to ask)."""
    if endpoints().get(app_key, form_key, hook_key) is not None:
        return
    rt = current_runtime()
    with rt.session(timeout=rt.settings.get("statement_timeout") or 0) as session, \
            session.begin():
        Endpoints(session, secret_box(), rt.clock.now).ensure(app_key, form_key, hook_key)
    db_session().commit()  # end the request's read: the next one sees the new endpoint


def webhook(app_key: str, form_key: str, hook_key: str) -> Webhook:
    """A webhook the form's published version declares (404 otherwise)."""
    plan = current_runtime().plan(db_session(), app_key, form_key)
    hook = Webhook.all_of(app_key, plan.doc).get(hook_key)
    if hook is None:
        raise NotFound([Problem("", msg("form %(form)s has no webhook %(key)s (publish the "
                                        "form after adding it)", form=form_key,
                                        key=hook_key))])
    return hook


def records_of(app_key: str, form_key: str, via: str) -> Callable[[Session, Principal], Any]:
    rt = current_runtime()

    def records(session: Session, principal: Principal):
        return rt.records(session, rt.plan(session, app_key, form_key), principal, via)

    return records


def active_user(session: Session, user_id: int) -> bool:
    return user_id in current_runtime().directory.active(session, [user_id])


def external_url(path: str) -> str:
    """``path`` as an absolute address: under PUBLIC_BASE_URL when set, else the request's."""
    base = current_runtime().settings.get("public_base_url") or request.host_url
    return base.rstrip("/") + path

"""What the runtime's HTTP modules share: the runtime object, the request's session, principal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from flask import current_app, g, has_request_context, request
from sqlalchemy.orm import Session

from runtime.context import Runtime
from runtime.permissions import Principal
from runtime.storage.files import FileStore

if TYPE_CHECKING:
    from metadata.registry import Registry
    from runtime.web.forms.widgets.base import Widget

WIDGETS = "trellis_widgets"  # the app's widget registry, in app.extensions


def current_runtime() -> Runtime:
    return current_app.extensions["trellis"]


def current_widgets() -> Registry[Widget]:
    """The widgets of the generated form pages, built in the app factory."""
    return current_app.extensions[WIDGETS]


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def db_session() -> Session:
    """One session per request (or app context); app.web closes it at teardown. A request
    that only reads (``reads_only``) never takes the write lock."""
    if "db_session" not in g:
        rt = current_runtime()
        g.db_session = (rt.request_session(reads_only()) if has_request_context()
                        else rt.session())
    return g.db_session


def reads_only() -> bool:
    """Whether the request only reads: GET, HEAD and OPTIONS, and views marked ``read_only``."""
    if request.method in SAFE_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "read_only", False))


def read_only(view: Callable) -> Callable:
    """Mark a view that only reads although its method is POST (a check, a preview)."""
    view.read_only = True
    return view


def after_session(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the request's session is closed (app.web's teardown): a short
    write of its own that must neither wait inside nor widen the request's transaction."""
    g.setdefault("after_session", []).append(callback)


def rollback() -> None:
    """Roll back the request's session, if it has one (after an error, so that pages built
    afterwards can still read)."""
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def current_principal() -> Principal | None:
    return current_runtime().authenticate()


@contextmanager
def transaction() -> Iterator[Session]:
    """The request's session, committed when the block succeeds and rolled back otherwise."""
    session = db_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def file_store() -> FileStore:
    """The file service, on the request's session."""
    rt = current_runtime()
    return FileStore(db_session(), rt.upload_dir, rt.clock.now)

"""What the runtime's HTTP modules share: the runtime object, the request's session, principal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, g
from sqlalchemy.orm import Session

from runtime.context import Runtime
from runtime.permissions import Principal
from runtime.storage.files import FileStore


def current_runtime() -> Runtime:
    return current_app.extensions["trellis"]


def db_session() -> Session:
    """One session per request (or app context); app.web closes it at teardown."""
    if "db_session" not in g:
        g.db_session = current_runtime().session()
    return g.db_session


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

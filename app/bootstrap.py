"""First-start work: migrate the system schema, built-in roles, the admin user, app packages."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from app.auth import service
from app.auth.models import User
from app.migrate import upgrade
from metadata.errors import InvalidDocument
from metadata.package import import_package
from runtime.context import Runtime


def init_db(app: Flask) -> None:
    runtime: Runtime = app.extensions["trellis"]
    upgrade(runtime.engine)
    with runtime.session() as session, session.begin():
        service.ensure_roles(session)
        runtime.ensure_list_indexes(session)
        runtime.ensure_search_indexes(session)


def ensure_admin(app: Flask) -> tuple[str, str] | None:
    """Create the first admin when there is no user yet; return (email, password) then."""
    runtime: Runtime = app.extensions["trellis"]
    with runtime.session() as session, session.begin():
        if session.scalar(sa.select(sa.func.count()).select_from(User)):
            return None
        email = app.config["ADMIN_EMAIL"]
        password = app.config.get("ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        service.create_user(session, email, password, ["admin"], runtime.clock.now(),
                            name="Admin")
        return email, password


def load_packages(app: Flask) -> list[str]:
    """Import every package in the packages folder whose documents differ from what is stored."""
    runtime: Runtime = app.extensions["trellis"]
    loaded = []
    for path in sorted(Path(app.config["PACKAGES_DIR"]).glob("*.json")):
        loaded.append(import_file(runtime, path))
    return loaded


def import_file(runtime: Runtime, path: Path, user_id: int | None = None) -> str:
    try:
        package = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InvalidDocument(f"{path.name}: invalid JSON at line {exc.lineno}, column "
                              f"{exc.colno}: {exc.msg}") from None
    with runtime.session() as session, session.begin():
        return import_package(runtime.store, session, package, user_id,
                              on_publish=lambda d, v: runtime.on_publish(session, d, v))

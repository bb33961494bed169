"""Fixtures of the integration tests beyond tests/conftest.py: a second, fresh installation."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import PG_URL


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch):
    """scrypt costs ~0.1 s per user; these tests make many users and never attack a hash."""
    from werkzeug.security import generate_password_hash

    from app.auth import service

    monkeypatch.setattr(service, "generate_password_hash",
                        lambda password: generate_password_hash(password, "pbkdf2:sha256:1"))


@pytest.fixture
def fresh_app(tmp_path, sqlite_template) -> Iterator[Callable[[], Flask]]:
    """Make further apps, each on its own empty database (another schema on PostgreSQL)."""
    from app import create_app
    from app.bootstrap import init_db

    made: list[Flask] = []
    schemas: list[str] = []

    def make() -> Flask:
        n = len(made) + 1
        if PG_URL.startswith("postgresql"):
            schema = f"t_{uuid.uuid4().hex[:12]}"
            with admin.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            schemas.append(schema)
            sep = "&" if "?" in PG_URL else "?"
            url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
        else:
            path = tmp_path / f"fresh{n}.db"
            shutil.copy(sqlite_template, path)
            url = f"sqlite:///{path}"
        app = create_app({
            "TESTING": True, "INSTANCE_PATH": str(tmp_path / f"instance{n}"),
            "DATABASE_URL": url, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
            "ADMIN_PASSWORD": "admin-password", "PACKAGES_DIR": str(tmp_path / "no-packages"),
        })
        init_db(app)
        made.append(app)
        return app

    admin = (sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
             if PG_URL.startswith("postgresql") else None)
    yield make
    for app in made:
        app.extensions["trellis"].engine.dispose()
    if admin is not None:
        with admin.begin() as conn:
            for schema in schemas:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

"""Fixtures of the integration tests beyond tests/conftest.py: more installations, each on its
own database (SQLite, or a schema of TRELLIS_DATABASE_URL's PostgreSQL database)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import PG_URL
from tests.pg_schemas import drop_schema, new_schema, schema_url
from tests.support import ApiClient, Factory


@pytest.fixture(scope="session", autouse=True)
def quick_password_hashes():
    """scrypt costs ~0.1 s per user; these tests make many users and never attack a hash."""
    from werkzeug.security import generate_password_hash

    from app.auth import service

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(service, "generate_password_hash",
                      lambda password: generate_password_hash(password, "pbkdf2:sha256:1"))
        yield


class Installations:
    """Apps on fresh databases, all disposed of (and their schemas dropped) by ``close``."""

    def __init__(self, directory: Path, sqlite_template: Path):
        self.directory = directory
        self.sqlite_template = sqlite_template
        self.apps: list[Flask] = []
        self.schemas: list[str] = []
        self.admin = (sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://",
                                                      1))
                      if PG_URL.startswith("postgresql") else None)

    def make(self, migrate: bool = True, **config) -> Flask:
        """A new app; ``migrate=False`` leaves its database empty (no system schema)."""
        from app import create_app
        from app.bootstrap import init_db

        n = len(self.apps) + 1
        if self.admin is not None:
            schema = new_schema(self.admin)
            self.schemas.append(schema)
            url = schema_url(PG_URL, schema)
        else:
            path = self.directory / f"fresh{n}.db"
            if migrate:
                shutil.copy(self.sqlite_template, path)
            url = f"sqlite:///{path}"
        app = create_app({
            "TESTING": True, "INSTANCE_PATH": str(self.directory / f"instance{n}"),
            "DATABASE_URL": url, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
            "ADMIN_PASSWORD": "admin-password", "PACKAGES_DIR": str(self.directory / "none"),
            **config,
        })
        if migrate:
            init_db(app)
        self.apps.append(app)
        return app

    def close(self) -> None:
        for app in self.apps:
            app.extensions["trellis"].engine.dispose()
        if self.admin is not None:
            for schema in self.schemas:
                drop_schema(self.admin, schema)
            self.admin.dispose()


@pytest.fixture
def fresh_app(tmp_path, sqlite_template) -> Iterator[Callable[..., Flask]]:
    """Make further apps, each on its own new database, with configuration overrides as
    keyword arguments (``migrate=False``: not even the system schema)."""
    installations = Installations(tmp_path, sqlite_template)
    yield installations.make
    installations.close()


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory, sqlite_template, quick_password_hashes) -> Iterator[Flask]:
    """One app for a whole module, for tests that only read (or whose writes all fail)."""
    installations = Installations(tmp_path_factory.mktemp("shared"), sqlite_template)
    yield installations.make()
    installations.close()


@pytest.fixture(scope="module")
def shared_admin(shared_app) -> ApiClient:
    factory = Factory(shared_app)
    return factory.api(factory.user("admin@example.com", ["admin"], name="Admin"))


@pytest.fixture
def redis_url(tmp_path):
    """A Redis database of this test's own: TRELLIS_REDIS_URL's (emptied), or embedded."""
    import redis

    from runtime.jobs.embedded import EmbeddedRedis

    url = os.environ.get("TRELLIS_REDIS_URL")
    if url:
        conn = redis.Redis.from_url(url)
        conn.flushdb()
        yield url
        conn.flushdb()
        return
    server = EmbeddedRedis.for_instance(tmp_path)
    server.ensure_running()
    yield server.url
    server.stop()


"""Shared fixtures: an app on a fresh database per test (SQLite, or PostgreSQL when
TRELLIS_DATABASE_URL is set), users, API clients with tokens, and form publishing."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings

from tests.pg_schemas import drop_schema, new_schema, schema_url
from tests.support import ApiClient, Factory

PG_URL = os.environ.get("TRELLIS_DATABASE_URL", "")

# CI replays the same generated examples every run (a property test must not fail a landing
# by chance); runs elsewhere keep exploring new ones and remember what failed.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_configure(config):
    if getattr(config.option, "numprocesses", None) and os.environ.get("TRELLIS_REDIS_URL"):
        raise pytest.UsageError(
            "TRELLIS_REDIS_URL names one Redis database, which the tests empty: pytest-xdist "
            "workers would empty it under each other. Run the tests in one process (-n 0).")


def pytest_collection_modifyitems(config, items):
    for item in items:
        parts = Path(str(item.fspath)).parts
        if "integration" in parts:
            item.add_marker(pytest.mark.integration)
        if "e2e" in parts:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite database, copied for every test (migrating each time is slow)."""
    from app.database import make_engine
    from app.migrate import upgrade

    path = tmp_path_factory.mktemp("template") / "trellis.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def database_url(tmp_path, sqlite_template) -> Iterator[str]:
    if PG_URL.startswith("postgresql"):
        admin = sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
        schema = new_schema(admin)
        yield schema_url(PG_URL, schema)
        drop_schema(admin, schema)
        admin.dispose()
        return
    path = tmp_path / "trellis.db"
    shutil.copy(sqlite_template, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def app(tmp_path, database_url):
    from app import create_app
    from app.bootstrap import init_db

    app = create_app({
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "ADMIN_PASSWORD": "admin-password",
        "PACKAGES_DIR": str(tmp_path / "no-packages"),
    })
    init_db(app)
    yield app
    app.extensions["trellis"].engine.dispose()


@pytest.fixture
def runtime(app):
    return app.extensions["trellis"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def factory(app) -> Factory:
    return Factory(app)


@pytest.fixture
def admin_api(app, factory) -> ApiClient:
    user_id = factory.user("admin@example.com", ["admin"], name="Admin")
    return factory.api(user_id)

"""The two sites under test: Trellis with its own instance folder (the bench app published,
an admin, an API token, N leads written through its bulk service) and the minimal app on a
copy of the same rows in the same database."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from bench import minimal_app
from bench.load import data
from bench.load.database import Database
from bench.load.servers import ROOT, Server, SetupError, clean_env, gunicorn

PACKAGE = ROOT / "bench" / "forms" / "lead_bench.json"
APP_KEY, FORM_KEY = "bench", "lead"
EMAIL = "bench@example.com"
CHUNK = 1000


@dataclass
class Site:
    """How to start one app and talk to it."""

    name: str
    server: Server
    token: str
    email: str
    password: str
    table: str


@dataclass
class TrellisInstance:
    """An instance folder and the configuration of a Trellis under test."""

    instance: Path
    config: dict
    password: str
    token: str = ""

    def app(self):
        from app import create_app

        return create_app({"INSTANCE_PATH": str(self.instance), **self.config})

    def env(self) -> dict[str, str]:
        """The environment of its processes. Configured by variables: a trellis.cfg in
        TRELLIS_INSTANCE_PATH is not read (Flask looks for it in the instance folder the
        app was constructed with, <source>/instance)."""
        return clean_env(TRELLIS_INSTANCE_PATH=str(self.instance),
                         **{f"TRELLIS_{key}": value for key, value in self.config.items()})


def trellis_instance(folder: Path, database: Database, **config: str) -> TrellisInstance:
    """A migrated Trellis with the bench app published, an admin and its API token."""
    from app.auth import service
    from app.bootstrap import import_file, init_db

    instance = folder / "instance"
    instance.mkdir()
    # the prefix keeps the key a string: TRELLIS_* values are read as JSON when they can be
    site = TrellisInstance(instance, {"DATABASE_URL": database.url,
                                      "SECRET_KEY": "bench-" + secrets.token_hex(32),
                                      "PACKAGES_DIR": str(folder / "no-packages"), **config},
                           secrets.token_urlsafe(12))
    app = site.app()
    runtime = app.extensions["trellis"]
    try:
        init_db(app)
        import_file(runtime, PACKAGE)
        with runtime.session() as session, session.begin():
            user = service.create_user(session, EMAIL, site.password, ["admin"],
                                       runtime.clock.now(), name="Bench")
            _token, site.token = service.create_token(session, user, "bench", None,
                                                      runtime.clock.now())
    finally:
        runtime.engine.dispose()
    return site


def trellis_site(folder: Path, database: Database, rows: int) -> Site:
    """A Trellis instance in ``folder`` with ``rows`` leads, and its gunicorn (not started)."""
    instance = trellis_instance(folder, database)
    app = instance.app()
    try:
        table = _seed(app, rows)
    finally:
        app.extensions["trellis"].engine.dispose()
    server = gunicorn("trellis", "app:create_app()", instance.env(), folder)
    return Site("trellis", server, instance.token, EMAIL, instance.password, table)


def _seed(app, rows: int) -> str:
    """``rows`` leads through the records service's bulk path (the API's bulk endpoint does
    the same): values normalised, audit entries and record events written, and whatever
    index the service maintains filled. Returns the form's table name."""
    from app.auth import service
    from app.auth.models import User

    runtime = app.extensions["trellis"]
    with runtime.session() as session:
        plan = runtime.plan(session, APP_KEY, FORM_KEY)
        principal = service.principal(session.scalar(sa.select(User).filter_by(email=EMAIL)))
    start = last = time.perf_counter()
    for done, chunk in enumerate(data.chunks(1, rows, CHUNK), start=1):
        with runtime.session() as session, session.begin():
            results = runtime.records(session, plan, principal, via="api").bulk_create(chunk)
        bad = [r for r in results if "errors" in r]
        if bad:
            raise SetupError(f"Trellis refused a seeded lead: {bad[0]}")
        if time.perf_counter() - last > 15 or done * CHUNK >= rows:
            last = time.perf_counter()
            print(f"  seeded {min(done * CHUNK, rows):,} of {rows:,} leads "
                  f"({min(done * CHUNK, rows) / (last - start):,.0f}/s)", flush=True)
    return plan.table.name


def minimal_site(folder: Path, database: Database, source_table: str | None) -> Site:
    """The minimal app's table, filled with a copy of the rows of ``source_table`` (Trellis's
    table) when given, and its gunicorn (not started)."""
    minimal_table(database, source_table)
    token, password = secrets.token_urlsafe(32), secrets.token_urlsafe(12)
    env = clean_env(MINIMAL_DATABASE_URL=database.url, MINIMAL_API_TOKEN=token,
                    MINIMAL_SECRET_KEY=secrets.token_hex(32), MINIMAL_PASSWORD=password)
    server = gunicorn("minimal", "bench.minimal_app:create_app()", env, folder)
    return Site("minimal", server, token, EMAIL, password, minimal_app.TABLE)


def minimal_table(database: Database, source_table: str | None) -> None:
    table = minimal_app.lead_table(sa.MetaData())
    columns = ", ".join(c.name for c in table.columns)
    engine = database.engine()
    try:
        with engine.begin() as conn:
            conn.execute(sa.schema.CreateTable(table))
            if source_table:  # indexes after the rows: faster
                conn.execute(sa.text(f"INSERT INTO {table.name} ({columns}) "
                                     f"SELECT {columns} FROM {source_table} ORDER BY id"))
            for index in table.indexes:
                index.create(conn)
            if conn.dialect.name == "postgresql" and source_table:
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                                     f"'id'), (SELECT max(id) FROM {table.name}))"))
    finally:
        engine.dispose()

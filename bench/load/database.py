"""The database of one benchmark run: a fresh SQLite file, or a PostgreSQL database that the
benchmark empties before (when asked) and after it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from bench.load.servers import SetupError


@dataclass
class Database:
    kind: str  # "sqlite" or "postgresql"
    url: str

    def engine(self) -> sa.Engine:
        url = self.url
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return sa.create_engine(url)


def sqlite(folder: Path) -> Database:
    return Database("sqlite", f"sqlite:///{folder / 'bench.db'}")


def postgresql(url: str | None, reset: bool) -> Database:
    """The database at ``url``: it must be empty, unless ``reset`` allows emptying it."""
    if not url:
        raise SetupError("no PostgreSQL database: pass --pg-url postgresql://user@host/db or set "
                         "BENCH_PG_URL (a database the benchmark may empty)")
    if not url.startswith(("postgresql://", "postgres://")):
        raise SetupError(f"--pg-url must be a postgresql:// URL, not {url!r}")
    database = Database("postgresql", url.replace("postgres://", "postgresql://", 1))
    try:
        tables = _tables(database)
    except sa.exc.OperationalError as exc:
        raise SetupError(f"cannot connect to {url}: {str(exc.orig).strip()}") from None
    if tables and not reset:
        raise SetupError(f"the database {url} holds {len(tables)} tables ({', '.join(tables[:3])}"
                         f"{', ...' if len(tables) > 3 else ''}); the benchmark needs an empty "
                         "one: pass --pg-reset to drop them")
    empty(database)
    return database


def _tables(database: Database) -> list[str]:
    engine = database.engine()
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "ORDER BY tablename")).scalars())
    finally:
        engine.dispose()


def empty(database: Database) -> None:
    """Drop every table and sequence of a PostgreSQL database's current schema."""
    if database.kind != "postgresql":
        return
    engine = database.engine()
    try:
        with engine.begin() as conn:
            for kind, catalog, column in (("TABLE", "pg_tables", "tablename"),
                                          ("SEQUENCE", "pg_sequences", "sequencename")):
                names = conn.execute(sa.text(
                    f"SELECT {column} FROM {catalog} WHERE schemaname = current_schema()"
                )).scalars().all()
                if names:
                    quoted = ", ".join('"' + n.replace('"', '""') + '"' for n in names)
                    conn.execute(sa.text(f"DROP {kind} IF EXISTS {quoted} CASCADE"))
    finally:
        engine.dispose()


def form_tables(database: Database, table: str) -> list[str]:
    """A form's table and the tables Trellis keeps beside it (``<table>___search``...) on
    PostgreSQL (what ``analyse`` needs)."""
    if database.kind != "postgresql":
        return [table]
    return sorted(t for t in _tables(database) if t == table or t.startswith(f"{table}___"))


def analyse(database: Database, tables: list[str]) -> None:
    """Statistics and the visibility map as autovacuum leaves them after a bulk load, so the
    figures do not depend on when it last ran (PostgreSQL only: SQLite has no daemon)."""
    if database.kind != "postgresql":
        return
    engine = database.engine().execution_options(isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for name in tables:
                conn.execute(sa.text(f'VACUUM ANALYZE "{name}"'))
    finally:
        engine.dispose()

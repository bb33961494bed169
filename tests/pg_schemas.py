"""One PostgreSQL schema per test database: a URL that selects it and names its connections,
and a drop that first ends connections left behind by killed processes (a worker killed
with -9 mid-query keeps its server process running until the query ends, holding locks the
drop needs: the two deadlock)."""

from __future__ import annotations

import time
import uuid

import sqlalchemy as sa


def new_schema(admin: sa.Engine) -> str:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    return schema


def schema_url(base: str, schema: str) -> str:
    """``base`` with the schema as search path and as application name (so its connections
    can be found in pg_stat_activity)."""
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}&application_name={schema}"


def drop_schema(admin: sa.Engine, schema: str, attempts: int = 5) -> None:
    for attempt in range(attempts):
        try:
            with admin.begin() as conn:
                conn.execute(sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :name AND pid <> pg_backend_pid()"),
                    {"name": schema})
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            return
        except sa.exc.OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5 * (attempt + 1))

"""Rules for keys (apps, forms, fields, views): a safe identifier that is never an SQL keyword."""

from __future__ import annotations

import re
from functools import cache

KEY_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
KEY_RE = re.compile(KEY_PATTERN)

# Names the storage layer gives its own columns, or that records carry beside their fields.
SYSTEM_FIELD_KEYS = frozenset(
    {"id", "version", "created_at", "updated_at", "created_by", "owner", "owner_id", "deleted_at"}
)

# Columns PostgreSQL keeps in every table (oid: before version 12). Refused on every database,
# so that an app package made on SQLite publishes on PostgreSQL too.
POSTGRESQL_SYSTEM_COLUMNS = frozenset({"xmin", "xmax", "cmin", "cmax", "ctid", "tableoid", "oid"})


@cache
def sql_keywords() -> frozenset[str]:
    """Reserved words of standard SQL and of the databases Trellis runs on (SQLite and
    PostgreSQL), as SQLAlchemy knows them."""
    from sqlalchemy.dialects.postgresql.base import RESERVED_WORDS as PG
    from sqlalchemy.dialects.sqlite.base import SQLiteIdentifierPreparer
    from sqlalchemy.sql.compiler import RESERVED_WORDS as ANSI

    words = set(ANSI) | set(PG) | set(SQLiteIdentifierPreparer.reserved_words)
    return frozenset(w.lower() for w in words)


def key_problem(key: object, what: str = "key") -> str | None:
    """Return why ``key`` cannot be used as an identifier, or None when it can."""
    if not isinstance(key, str):
        return f"{what} must be a string"
    if not KEY_RE.match(key):
        return (
            f"{what} {key!r} must start with a lower-case letter and use only a-z, 0-9 and _ "
            "(at most 63 characters)"
        )
    if "__" in key:
        return f"{what} {key!r} must not contain a double underscore (reserved for storage)"
    if key in sql_keywords():
        return f"{what} {key!r} is an SQL keyword; choose another name, e.g. {key}_1"
    return None


def field_key_problem(key: object) -> str | None:
    problem = key_problem(key, "field key")
    if problem is None and key in SYSTEM_FIELD_KEYS:
        return f"field key {key!r} is reserved for a system column"
    if problem is None and key in POSTGRESQL_SYSTEM_COLUMNS:
        return (f"field key {key!r} is the name of a column PostgreSQL keeps in every table; "
                f"choose another name, e.g. {key}_1")
    return problem

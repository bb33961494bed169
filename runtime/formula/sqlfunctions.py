"""Functions every database connection gets when it opens, for the formula SQL to call: the
text functions whose results are capped (``&``, CONCAT, SUBSTITUTE, REPLACE).

- SQLite runs them in Python, the very code of the Python side (``values``);
- PostgreSQL gets them as SQL functions in the connection's own ``pg_temp`` schema (nothing
  to install or migrate; called as ``pg_temp.<name>``).

Either way each argument is evaluated once however often the function reads it, the length
of a result is known before a replacement builds it (NULL beyond ``MAX_TEXT``, as in
Python), and the SQL nests no deeper than the built-in functions it replaces: SQLite's parser
and SQLAlchemy's compiler refuse deep nesting. ``app.database`` registers them on connect;
any other engine that runs formula SQL must too. They never raise: an exception would fail the
whole statement.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from runtime.formula.values import MAX_TEXT, join_texts, replace_at, substitute

NAMES = ("trellis_concat", "trellis_substitute", "trellis_replace")
INT4_MAX = 2**31 - 1

POSTGRESQL = f"""
CREATE OR REPLACE FUNCTION pg_temp.trellis_cap(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN length(t) > {MAX_TEXT} THEN NULL ELSE t END $$;

CREATE OR REPLACE FUNCTION pg_temp.trellis_concat(VARIADIC parts text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_temp.trellis_cap(array_to_string(parts, '')) $$;

CREATE OR REPLACE FUNCTION pg_temp.trellis_substitute(t text, old text, new text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT CASE WHEN length(t) + CASE WHEN old = '' THEN 0
                                        ELSE (length(t) - length(replace(t, old, '')))
                                             / length(old) END
                                   * (length(new) - length(old)) > {MAX_TEXT}
                  THEN NULL ELSE replace(t, old, new) END $$;

CREATE OR REPLACE FUNCTION pg_temp.trellis_replace(t text, start bigint, count bigint, new text)
RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT CASE WHEN start < 1 OR count < 0 THEN NULL
                  ELSE pg_temp.trellis_cap(substr(t, 1, least(start - 1, {INT4_MAX})::int)
                                           || new
                                           || substr(t, least(least(start, {INT4_MAX})
                                                              + least(count, {INT4_MAX}),
                                                              {INT4_MAX})::int))
             END $$;
"""


def concat(*values: Any) -> str | None:
    return join_texts(values)


def strict(fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(*values: Any) -> Any:
        if any(v is None for v in values):
            return None
        try:
            return fn(*values)
        except (TypeError, ValueError, OverflowError):  # a value of an unexpected type
            return None
    return run


SQLITE = {"trellis_concat": (-1, concat), "trellis_substitute": (3, strict(substitute)),
          "trellis_replace": (4, strict(replace_at))}


def register_sqlite(connection: sqlite3.Connection) -> None:
    for name, (arguments, fn) in SQLITE.items():
        connection.create_function(name, arguments, fn, deterministic=True)


def register_postgresql(connection) -> None:
    """``connection``: a psycopg connection, just opened (the functions live as long)."""
    with connection.cursor() as cursor:
        cursor.execute(POSTGRESQL)
    connection.commit()


def register(dbapi_connection, dialect: str) -> None:
    (register_postgresql if dialect == "postgresql" else register_sqlite)(dbapi_connection)

"""Formula functions SQLite runs in Python: the text functions whose results are capped.

``&``, CONCAT, SUBSTITUTE and REPLACE compile on SQLite to calls of these (``sqlparts``,
``fn_text``), so they run the very code of the Python side: the same cap on the length of the
result (NULL beyond ``MAX_TEXT``), checked before a replacement builds a long text, and no
deeper SQL than the functions they replace (SQLite's parser refuses deeply nested SQL; its
``replace`` would build text of any length). PostgreSQL computes the same in SQL.

Every SQLite connection that runs formula SQL registers them (``app.database`` does, on
connect). They never raise: an exception would fail the whole statement.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from runtime.formula.fn_text import join_texts, replace_at, substitute


def concat(*values: Any) -> str | None:
    return join_texts(values)


def strict(fn):
    def run(*values: Any) -> Any:
        if any(v is None for v in values):
            return None
        try:
            return fn(*values)
        except (TypeError, ValueError, OverflowError):  # a value of an unexpected type
            return None
    return run


FUNCTIONS = {
    "trellis_concat": (-1, concat),
    "trellis_substitute": (3, strict(substitute)),
    "trellis_replace": (4, strict(replace_at)),
}


def register(connection: sqlite3.Connection) -> None:
    """Make the functions available to the SQL run on ``connection``."""
    for name, (arguments, fn) in FUNCTIONS.items():
        connection.create_function(name, arguments, fn, deterministic=True)

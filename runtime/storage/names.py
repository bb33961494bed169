"""Physical names of app tables; identifiers are checked before they reach any DDL."""

from __future__ import annotations

import hashlib

from metadata.keys import KEY_RE

MAX_IDENTIFIER = 63
# the system columns lists sort and filter by, by the names the API uses for them
SYSTEM_SORTS = {"id": "id", "created_at": "created_at", "updated_at": "updated_at",
                "owner": "owner_id", "version": "version"}


def _safe(*parts: str) -> str:
    for part in parts:
        if not KEY_RE.match(part) or "__" in part:
            raise ValueError(f"unsafe identifier part {part!r}")
    name = "__".join(parts)
    if len(name) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{name[:MAX_IDENTIFIER - 9]}_{digest}"


def form_table_name(app_key: str, form_key: str) -> str:
    return _safe(app_key, form_key)


def child_table_name(parent: str, field_key: str) -> str:
    """The table of a sub-table field or of a multiple relation."""
    if not KEY_RE.match(field_key):
        raise ValueError(f"unsafe identifier part {field_key!r}")
    return within_limit(f"{parent}__{field_key}")


def search_table_name(parent: str, part: str = "search") -> str:
    """A table of a form's search index: ``<table>___search`` (no field key starts with _, so
    no child table has the name), or ``<table>___fts``, short enough for the tables SQLite's
    FTS5 makes beside it (``<name>_docsize``)."""
    return within_limit(f"{parent}___{part}", MAX_IDENTIFIER - (0 if part == "search" else 8))


def within_limit(name: str, limit: int = MAX_IDENTIFIER) -> str:
    """``name``, shortened with a hash within ``limit`` characters (PostgreSQL's 63 bytes)."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{name[:limit - 9]}_{digest}"

"""SQLAlchemy tables of a form, built from its stored layout (active and archived fields)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from metadata.orm import UTCDateTime
from runtime.fields.roles.storage import StorageRole

SYSTEM_COLUMNS = ("id", "created_at", "updated_at", "created_by", "owner_id", "version",
                  "deleted_at")


def system_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", UTCDateTime(), nullable=False, index=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer, nullable=True),
        sa.Column("owner_id", sa.Integer, nullable=True, index=True),
        sa.Column("version", sa.Integer, nullable=False, default=1),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
    ]


@dataclass
class FormTables:
    """A form's main table and, per field key, the child tables that field keeps."""

    main: sa.Table
    children: dict[str, list[sa.Table]] = field(default_factory=dict)

    def all(self) -> list[sa.Table]:
        return [self.main, *(t for ts in self.children.values() for t in ts)]


def build_tables(table_name: str, layout: Sequence[Mapping],
                 field_types: Mapping[str, StorageRole]) -> FormTables:
    """Tables for a layout: every field ever published, archived ones included (data kept)."""
    metadata = sa.MetaData()
    columns = system_columns()
    for fld in layout:
        columns += field_types[fld["type"]].columns(fld)
    main = sa.Table(table_name, metadata, *columns)
    tables = FormTables(main)
    for fld in layout:
        children = field_types[fld["type"]].child_tables(fld, main, field_types)
        if children:
            tables.children[fld["key"]] = children
    return tables


def allocate_ids(conn: sa.Connection, table: sa.Table, count: int) -> list[int]:
    """Ids for ``count`` new rows, taken before inserting them so the insert needs no
    RETURNING (a plain executemany, much faster for bulk writes on PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        query = sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                        "FROM generate_series(1, :count)")
        return list(conn.execute(query, {"table": table.name, "count": count}).scalars())
    # SQLite: the write transaction (BEGIN IMMEDIATE) holds the database lock, and rows are
    # never removed (deletes are soft), so max(id) only grows.
    top = conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one()
    return list(range(top + 1, top + 1 + count))

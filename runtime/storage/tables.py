"""SQLAlchemy tables of a form, built from its stored layout (active and archived fields)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from metadata.orm import UTCDateTime
from runtime.fields.roles.storage import FILTER, SORT, StorageRole
from runtime.storage.search import SearchTable, SearchType, search_table
from runtime.storage.transactions import take_write_lock

LIST_INDEX_PREFIX = "lx_"
SYSTEM_COLUMNS = ("id", "created_at", "updated_at", "created_by", "owner_id", "version",
                  "deleted_at")


def system_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer, nullable=True),
        sa.Column("owner_id", sa.Integer, nullable=True, index=True),
        sa.Column("version", sa.Integer, nullable=False, default=1),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
    ]


@dataclass
class FormTables:
    """A form's main table, per field key the child tables that field keeps, and the table
    of its search index (``runtime.storage.search``; None: nothing to search)."""

    main: sa.Table
    children: dict[str, list[sa.Table]] = field(default_factory=dict)
    search: SearchTable | None = None

    def all(self) -> list[sa.Table]:
        return [self.main, *(t for ts in self.children.values() for t in ts)]


def build_tables(table_name: str, layout: Sequence[Mapping],
                 field_types: Mapping[str, SearchType]) -> FormTables:
    """Tables for a layout: every field ever published, archived ones included (data kept)."""
    metadata = sa.MetaData()
    columns = system_columns()
    for fld in layout:
        columns += field_types[fld["type"]].columns(fld)
    main = sa.Table(table_name, metadata, *columns)
    # the default order, newest first (tables made before it have ix_<table>_created_at)
    live_index(main, index_name(table_name, "created_at", SORT), main.c.created_at, main.c.id)
    for fld in layout:
        _list_index(main, fld, field_types[fld["type"]])
    tables = FormTables(main, search=search_table(table_name, layout, field_types))
    for fld in layout:
        children = field_types[fld["type"]].child_tables(fld, main, field_types)
        if children:
            tables.children[fld["key"]] = children
    return tables


def _list_index(main: sa.Table, fld: Mapping, role: StorageRole) -> None:
    """The index through which lists reach a field (``StorageRole.list_index``): an equality
    filter in the default order (newest first), or a sort with the id breaking ties."""
    kind = role.list_index_of(fld)
    if kind is None:
        return
    column = main.c[role.columns(fld)[0].name]
    name = index_name(main.name, column.name, kind)
    if kind == FILTER:
        live_index(main, name, column, main.c.created_at, main.c.id)
        return
    # a sort puts empty values last both ways: SQLite reads such an order from one plain
    # index in either direction; PostgreSQL reads the ascending one forward, and the
    # descending one backward in two parts, values then empties (``query.list_records``):
    # one index per field, which every write of the row keeps up
    live_index(main, name, column, main.c.id, dialect="sqlite").ddl_if(dialect="sqlite")
    live_index(main, index_name(main.name, column.name, "ascending"), column, main.c.id,
               dialect="postgresql").ddl_if(dialect="postgresql")


def live_index(table: sa.Table, name: str, *expressions: Any, dialect: str | None = None
               ) -> sa.Index:
    """An index of the records that are not deleted, which is all lists ever read: a count
    reads the index alone (``deleted_at`` rides along, always NULL: SQLite reads a partial
    index without the rows only when it holds every column the query names). ``dialect``:
    the one database it is made on (``ensure_list_indexes`` reads it)."""
    live = table.c.deleted_at.is_(None)
    return sa.Index(name, *expressions, table.c.deleted_at, sqlite_where=live,
                    postgresql_where=live, info={"dialect": dialect} if dialect else {})


def index_name(table: str, column: str, kind: str) -> str:
    """``lx_<table>_<column>_<kind>``, shortened with a hash within PostgreSQL's 63 bytes."""
    name = f"{LIST_INDEX_PREFIX}{table}_{column}_{kind[0]}"
    if len(name.encode()) <= 63:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:10]
    return f"{name.encode()[:50].decode(errors='ignore')}_{digest}"


def allocate_ids(conn: sa.Connection, table: sa.Table, count: int) -> list[int]:
    """Ids for ``count`` new rows, taken before inserting them so the insert needs no
    RETURNING (a plain executemany, much faster for bulk writes on PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        query = sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                        "FROM generate_series(1, :count)")
        return list(conn.execute(query, {"table": table.name, "count": count}).scalars())
    # SQLite: the write transaction holds the database lock (a late write takes it now), and
    # rows are never removed (deletes are soft), so max(id) only grows.
    # (written out: a statement built and compiled per call cost more than the write itself)
    take_write_lock(conn)
    name = conn.dialect.identifier_preparer.format_table(table)
    top = conn.exec_driver_sql(f"SELECT max(id) FROM {name}").scalar() or 0
    return list(range(top + 1, top + 1 + count))

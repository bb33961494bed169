"""Keeping a form's search index (``runtime.storage.search``) in step with its records and with
what its published layout searches: every write of records tells it in the same transaction,
and publishing (or ``trellis init-db``) builds it when needed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from runtime.storage.search import SearchTable, SearchType, signature
from runtime.storage.search_index import index_for

BATCH = 2000  # records read per statement while building an index
Records = Sequence[tuple[int, Mapping[str, Any]]]  # (id, values as stored) of records


def index_records(conn: sa.Connection, search: SearchTable | None,
                  types: Mapping[str, SearchType], records: Records) -> None:
    """Add new records to the index."""
    if search is not None and records:
        index_for(conn.dialect).add(conn, search, search.tuples(records, types))


def reindex_records(conn: sa.Connection, search: SearchTable | None,
                    types: Mapping[str, SearchType], records: Records,
                    changed: Iterable[str] | None = None) -> None:
    """Replace the index rows of changed records (every value as now stored); with
    ``changed`` (the keys of the fields that changed), only when one of them is searched."""
    if search is None or not records or (changed is not None
                                         and not search.columns_of(changed)):
        return
    unindex_records(conn, search, [rid for rid, _ in records])
    index_records(conn, search, types, records)


def unindex_records(conn: sa.Connection, search: SearchTable | None,
                    record_ids: Sequence[int]) -> None:
    """Take (deleted) records out of the index."""
    if search is not None and record_ids:
        index_for(conn.dialect).remove(conn, search, sorted(record_ids))


def fill(conn: sa.Connection, main: sa.Table, search: SearchTable,
         types: Mapping[str, SearchType]) -> int:
    """Write the search texts of every live record of ``main`` into the (empty) search table,
    not yet indexed; returns how many."""
    columns = {main.c.id, main.c.owner_id}
    for _column, fld in search.fields:
        columns.update(main.c[c.name] for c in types[fld["type"]].columns(fld))
    query = sa.select(*columns).where(main.c.deleted_at.is_(None)).order_by(main.c.id)
    last, count = 0, 0
    while True:
        rows = conn.execute(query.where(main.c.id > last).limit(BATCH)).mappings().all()
        if not rows:
            return count
        search.insert.run(conn, [
            search.row(row["id"], {"owner": row["owner_id"], **{
                fld["key"]: types[fld["type"]].from_row(row, fld) for _col, fld in search.fields}},
                types)
            for row in rows])
        last, count = rows[-1]["id"], count + len(rows)


def rebuild(conn: sa.Connection, main: sa.Table, search: SearchTable | None,
            types: Mapping[str, SearchType], old: SearchTable | None = None) -> int:
    """Build a form's search index afresh from its live records, dropping the one before
    (``old``); returns how many records it holds. The texts go in first and the database
    indexes them in one go, much faster than record by record."""
    index = index_for(conn.dialect)
    for stale in {s.name: s for s in (old, search) if s is not None}.values():
        index.drop(conn, stale)
    if search is None:
        return 0
    search.table.create(conn)
    count = fill(conn, main, search, types)
    index.create(conn, search)
    if conn.dialect.name == "postgresql":
        # statistics now, not when autovacuum comes by: a search table the planner takes for
        # empty is walked row by row through the list's order (0.5 s for a common word)
        conn.exec_driver_sql(f'ANALYZE "{search.name}"')
    return count


def ensure(conn: sa.Connection, main: sa.Table, search: SearchTable | None,
           types: Mapping[str, SearchType]) -> bool:
    """Build a form's search index when it is missing or not of the table's shape (tables
    published before search had an index, a database that gained pg_trgm); True if built."""
    if search is None:
        return False
    index = index_for(conn.dialect)
    inspector = sa.inspect(conn)
    if inspector.has_table(search.name):
        columns = {c["name"] for c in inspector.get_columns(search.name)}
        if columns == {c.name for c in search.table.columns}:
            if index.present(conn, search):
                return False
            index.create(conn, search)  # over the texts the table holds
            return index.present(conn, search)
    rebuild(conn, main, search, types)
    return True


def follow(conn: sa.Connection, old: SearchTable | None, new: SearchTable | None,
           main: sa.Table, types: Mapping[str, SearchType]) -> bool:
    """After a publish changed the form's table: bring the index up to what is searched now.
    The same fields, some found otherwise (a choice added or renamed, another default region):
    only the records whose texts change are written again. Fields added, removed or converted:
    the index is rebuilt. True if anything was written."""
    before, after = signature(old, types), signature(new, types)
    if before == after:
        return ensure(conn, main, new, types)
    if old is None or new is None or [e[:2] for e in before] != [e[:2] for e in after] \
            or ensure(conn, main, new, types):
        rebuild(conn, main, new, types, old)
        return True
    changed = [now[0] for now, was in zip(after, before, strict=True) if now != was]
    return refresh(conn, main, new, types, changed) > 0


def refresh(conn: sa.Connection, main: sa.Table, search: SearchTable,
            types: Mapping[str, SearchType], columns: Sequence[str]) -> int:
    """Write again the index rows whose texts in ``columns`` are no longer what the fields'
    types make of the stored values; returns how many."""
    fields = [(column, fld) for column, fld in search.fields if column in columns]
    table, written = search.table, 0
    needed = {main.c[c.name] for _col, fld in fields for c in types[fld["type"]].columns(fld)}
    stored = [c.label(f"_{c.name}") for c in table.columns]  # apart from the form's columns
    query = (sa.select(*stored, *needed).join_from(table, main, main.c.id == table.c.id)
             .order_by(table.c.id).limit(BATCH))
    last = 0
    while True:
        rows = conn.execute(query.where(table.c.id > last)).mappings().all()
        if not rows:
            return written
        last = rows[-1]["_id"]
        stale = []
        for row in rows:
            fresh = search.row(row["_id"], {fld["key"]: types[fld["type"]].from_row(row, fld)
                                            for _col, fld in fields}, types)
            if any(fresh[column] != row[f"_{column}"] for column, _fld in fields):
                was = {c.name: row[f"_{c.name}"] for c in table.columns}
                stale.append({**was, **{column: fresh[column] for column, _ in fields}})
        if stale:
            index = index_for(conn.dialect)
            index.remove(conn, search, [r["id"] for r in stale])
            index.add(conn, search, [tuple(r[c.name] for c in table.columns) for r in stale])
            written += len(stale)

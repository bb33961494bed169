"""Updating many rows by id fast, for jobs that move one or two fields of many records
(re-scoring): ``UPDATE table SET columns..., version = version + 1 WHERE id = ?``, compiled
once per dialect and set of columns, each column's bind processor looked up once and a value
many rows share converted once (``BulkInsert._params``), the rows handed to the driver as
they are (SQLAlchemy's executemany prepares every parameter of every row on its own).
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from runtime.storage.bulk import BulkInsert, per_table

# the statement, its parameters' order, (index, bind processor) pairs, positional or named
Prepared = tuple[str, list[str], list[tuple[int, Callable]], bool]
_UPDATES: weakref.WeakKeyDictionary[sa.Table, dict[tuple[str, ...], Any]] = (
    weakref.WeakKeyDictionary())


class BulkUpdate:
    """Set ``columns`` of many rows of ``table`` by id, and count their version up."""

    def __init__(self, table: sa.Table, columns: Sequence[str]):
        self.table = table
        self.columns = tuple(columns)
        self._prepared: weakref.WeakKeyDictionary[sa.Dialect, Prepared] = (
            weakref.WeakKeyDictionary())

    def _prepare(self, dialect: sa.Dialect) -> Prepared:
        prepared = self._prepared.get(dialect)
        if prepared is None:
            t = self.table
            names = [f"_v{i}" for i in range(len(self.columns))]  # (SET's own names are taken)
            update = (t.update().where(t.c.id == sa.bindparam("_id", type_=t.c.id.type))
                      .values({c: sa.bindparam(n, type_=t.c[c].type)
                               for c, n in zip(self.columns, names, strict=True)})
                      .values(version=t.c.version + sa.literal_column("1")))
            compiled = update.compile(dialect=dialect)
            order = list(compiled.positiontup) if compiled.positional else [*names, "_id"]
            types = {**{n: t.c[c].type for c, n in zip(self.columns, names, strict=True)},
                     "_id": t.c.id.type}
            processors = []
            for index, name in enumerate(order):
                process = types[name].dialect_impl(dialect).bind_processor(dialect)
                if process is not None:
                    processors.append((index, process))
            prepared = (str(compiled), order, processors, compiled.positional)
            self._prepared[dialect] = prepared
        return prepared

    def run(self, conn: sa.Connection, rows: Sequence[tuple]) -> None:
        """``rows``: per row, the values of ``columns`` in their order, then the row's id."""
        if not rows:
            return
        if conn.dialect.name == "postgresql" and len(rows) > 1:
            self._run_arrays(conn, rows)
            return
        sql, order, processors, positional = self._prepare(conn.dialect)
        slots = {**{f"_v{i}": i for i in range(len(self.columns))}, "_id": len(self.columns)}
        values_of: Callable[[Any], Any] = operator.itemgetter(*(slots[n] for n in order))
        params: list[Any] = BulkInsert._params(rows, values_of, processors)
        if not positional:
            params = [dict(zip(order, values, strict=True)) for values in params]
        conn.exec_driver_sql(sql, params if len(params) > 1 else params[0])


    def _run_arrays(self, conn: sa.Connection, rows: Sequence[tuple]) -> None:
        """PostgreSQL: one statement for all rows, each column's values an array joined to
        the table by id (``UPDATE ... FROM unnest(...)``), not a statement per row."""
        dialect = conn.dialect
        t, preparer = self.table, dialect.identifier_preparer
        names = [*self.columns, "id"]
        types = [t.c[c].type for c in names]
        processors = [(i, p) for i, ty in enumerate(types)
                      if (p := ty.dialect_impl(dialect).bind_processor(dialect)) is not None]
        values = BulkInsert._params(rows, tuple, processors)
        arrays = {f"a{i}": list(column) for i, column in enumerate(zip(*values, strict=True))}
        unnest = ", ".join(f"%(a{i})s::{ty.compile(dialect=dialect)}[]"
                           for i, ty in enumerate(types))
        alias = ", ".join(f"c{i}" for i in range(len(names)))
        sets = ", ".join(f"{preparer.quote(c)} = v.c{i}" for i, c in enumerate(self.columns))
        table = preparer.format_table(t)
        conn.exec_driver_sql(
            f"UPDATE {table} SET {sets}, version = {table}.version + 1 "
            f"FROM unnest({unnest}) AS v({alias}) WHERE {table}.id = v.c{len(names) - 1}",
            arrays)


def bulk_update(table: sa.Table, columns: Sequence[str]) -> BulkUpdate:
    """The update of ``columns`` of ``table`` (compiled once per table and set of columns)."""
    return per_table(_UPDATES, table, tuple(columns), BulkUpdate)

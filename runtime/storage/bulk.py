"""Inserting many rows fast, for the writes every record change pays for (audit entries,
record events).

SQLAlchemy's executemany prepares every parameter of every row on its own: a bulk of a thousand
records spent more time there than in SQLite. Here the statement is compiled once per dialect,
each column's bind processor is looked up once, a value shared by all rows (the write's time) is
converted once, and the rows go to the driver as they are: an executemany on SQLite, a COPY on
PostgreSQL (whose executemany runs one INSERT per row). One row is a plain INSERT (a COPY costs
more round trips), which ``run_one`` can ask the new row's id of (one statement, not two).
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

SEEN = 256  # conversions kept per column and call (see ``_params``)
# the statement, its parameters' order, (index, bind processor) pairs, positional or named
Prepared = tuple[str, list[str], list[tuple[int, Callable]], bool]


class BulkInsert:
    """``INSERT INTO table (columns)`` for many rows, prepared once per dialect."""

    def __init__(self, table: sa.Table, columns: Sequence[str],
                 skip_conflicts: Sequence[str] = ()):
        """``skip_conflicts``: the columns of a unique index whose duplicates are left out
        (``ON CONFLICT (...) DO NOTHING``; a statement per row on PostgreSQL, not COPY)."""
        assert len(columns) > 1  # itemgetter of one key gives a value, not a tuple
        self.table = table
        self.columns = tuple(columns)
        self.skip_conflicts = tuple(skip_conflicts)
        # per dialect object (an id could be reused by another engine's dialect)
        self._prepared: weakref.WeakKeyDictionary[sa.Dialect, Prepared] = (
            weakref.WeakKeyDictionary())

    def _prepare(self, dialect: sa.Dialect) -> Prepared:
        prepared = self._prepared.get(dialect)
        if prepared is None:
            insert: Any = self.table.insert()
            if self.skip_conflicts:
                module = postgresql if dialect.name == "postgresql" else sqlite
                insert = module.insert(self.table).on_conflict_do_nothing(
                    index_elements=list(self.skip_conflicts))
            compiled = insert.compile(dialect=dialect, column_keys=self.columns)
            # (PostgreSQL: a table's numbered key left out of the columns is returned)
            order = list(compiled.positiontup) if compiled.positional else list(self.columns)
            assert set(order) == set(self.columns), (order, self.columns)
            processors = []
            for index, key in enumerate(order):
                process = self.table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
                if process is not None:
                    processors.append((index, process))
            prepared = (str(compiled), order, processors, compiled.positional)
            self._prepared[dialect] = prepared
        return prepared

    def run(self, conn: sa.Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        if len(rows) == 1:
            self.run_one(conn, rows[0])
            return
        _sql, order, processors, _positional = self._prepare(conn.dialect)
        self._execute(conn, self._params(rows, operator.itemgetter(*order), processors))

    def run_values(self, conn: sa.Connection, rows: Sequence[tuple]) -> None:
        """Insert rows given as tuples of the values of ``columns``, in their order (no
        mapping built per row: for the many small rows of one write, such as ledger lines)."""
        if not rows:
            return
        _sql, order, processors, _positional = self._prepare(conn.dialect)
        if list(order) == list(self.columns):
            values_of: Callable = tuple
        else:
            values_of = operator.itemgetter(*(self.columns.index(c) for c in order))
        self._execute(conn, self._params(rows, values_of, processors))

    def _execute(self, conn: sa.Connection, params: list[tuple]) -> None:
        sql, order, _processors, positional = self._prepare(conn.dialect)
        if conn.dialect.name == "postgresql" and not self.skip_conflicts and len(params) > 1:
            columns = ", ".join(conn.dialect.identifier_preparer.quote(c) for c in order)
            cursor = conn.connection.dbapi_connection.cursor()
            try:
                table = conn.dialect.identifier_preparer.format_table(self.table)
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for values in params:
                        copy.write_row(values)
            finally:
                cursor.close()
            return
        if not positional:
            params = [dict(zip(order, values, strict=True)) for values in params]
        conn.exec_driver_sql(sql, params if len(params) > 1 else params[0])

    def run_one(self, conn: sa.Connection, row: Mapping[str, Any], new_id: bool = False
                ) -> int | None:
        """Insert one row; with ``new_id`` (the table's ``id`` left out of the columns, for
        the database to number), the id it was given."""
        sql, order, processors, positional = self._prepare(conn.dialect)
        values: Any = self._params([row], operator.itemgetter(*order), processors)[0]
        if not positional:
            values = dict(zip(order, values, strict=True))
        done = conn.exec_driver_sql(sql, values)
        if not new_id:
            return None
        if conn.dialect.name == "sqlite":
            return done.lastrowid
        # PostgreSQL: compiled without the key column, the statement returns it already
        return done.scalar_one()

    @staticmethod
    def _params(rows: Sequence[Any], values_of: Callable[[Any], Sequence],
                processors: list[tuple[int, Callable]]) -> list[tuple]:
        """Each row's values in the statement's order (``values_of(row)``), converted."""
        params = []
        # per column, the conversions of the objects seen so far in this call, by identity:
        # a value many rows share (the write's time, a rule's label) is converted once
        seen: list[tuple[int, Callable, dict[int, tuple[Any, Any]]]] = [
            (index, process, {}) for index, process in processors]
        if not seen:
            return [tuple(values_of(row)) for row in rows]
        for row in rows:
            values = list(values_of(row))
            for index, process, done in seen:
                value = values[index]
                if value is None:
                    continue
                known = done.get(id(value))
                if known is not None and known[0] is value:
                    values[index] = known[1]
                else:
                    values[index] = converted = process(value)
                    if len(done) < SEEN:  # (the value is held: its id is not reused)
                        done[id(value)] = (value, converted)
            params.append(tuple(values))
        return params


_ROW_INSERTS: weakref.WeakKeyDictionary[sa.Table, dict[tuple[str, ...], Any]] = (
    weakref.WeakKeyDictionary())


def row_insert(table: sa.Table, row: Mapping[str, Any]) -> BulkInsert:
    """The insert of rows with the keys of ``row`` into ``table`` (a record created alone:
    the database numbers it), compiled once per table and set of columns, not per request."""
    return per_table(_ROW_INSERTS, table, tuple(row), BulkInsert)


def per_table(store: weakref.WeakKeyDictionary, table: sa.Table, columns: tuple[str, ...],
              make: Callable[[sa.Table, tuple[str, ...]], Any]) -> Any:
    """``make(table, columns)``, made once per table and set of columns (kept in ``store``
    while the table lives)."""
    made = store.get(table)
    if made is None:
        made = store[table] = {}
    found = made.get(columns)
    if found is None:
        found = made[columns] = make(table, columns)
    return found


def pipelined(conn: sa.Connection, wanted: bool = True) -> AbstractContextManager:
    """A block of single-row writes whose results nobody reads (``run_one`` without
    ``new_id``; no COPY, no SELECT): on PostgreSQL psycopg sends them without waiting for each
    answer, one round trip in all; errors are raised at its end. Elsewhere: nothing."""
    if wanted and conn.dialect.name == "postgresql":
        return conn.connection.dbapi_connection.pipeline()
    return nullcontext()

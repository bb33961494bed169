"""Inserting many rows fast, for the writes every record change pays for (audit entries,
record events).

SQLAlchemy's executemany prepares every parameter of every row on its own: a bulk of a thousand
records spent more time there than in the database. Here the statement is compiled once per
dialect, each column's bind processor is looked up once, a value shared by all rows (the write's
time) is converted once, and the rows go to the driver as they are.
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

# the statement, its parameters' order, (index, bind processor) pairs, positional or named
Prepared = tuple[str, list[str], list[tuple[int, Callable]], bool]


class BulkInsert:
    """``INSERT INTO table (columns)`` for many rows, prepared once per dialect."""

    def __init__(self, table: sa.Table, columns: Sequence[str]):
        self.table = table
        self.columns = tuple(columns)
        # per dialect object (an id could be reused by another engine's dialect)
        self._prepared: weakref.WeakKeyDictionary[sa.Dialect, Prepared] = (
            weakref.WeakKeyDictionary())

    def _prepare(self, dialect: sa.Dialect) -> Prepared:
        prepared = self._prepared.get(dialect)
        if prepared is None:
            compiled = self.table.insert().compile(dialect=dialect, column_keys=self.columns)
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
        sql, order, processors, positional = self._prepare(conn.dialect)
        params = []
        last: dict[int, tuple[Any, Any]] = {}  # per column: the last value and its conversion
        values_of = operator.itemgetter(*order)
        for row in rows:
            values = list(values_of(row))
            for index, process in processors:
                value = values[index]
                if value is None:
                    continue
                seen = last.get(index)
                if seen is not None and seen[0] is value:
                    values[index] = seen[1]  # the same object as the row before: the time
                else:
                    values[index] = converted = process(value)
                    last[index] = (value, converted)
            params.append(tuple(values) if positional else dict(zip(order, values,
                                                                    strict=True)))
        conn.exec_driver_sql(sql, params)

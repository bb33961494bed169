"""Totals over the rows of a sub-table: SUM, AVG, COUNT.

The argument names the sub-table (``{items}``, COUNT only) or a field of its rows
(``{items.amount}``); the checker allows such names nowhere else. In Python the record holds
the rows as a list of mappings under the sub-table's key; in SQL each total is a correlated
scalar subquery on the child table (see ``sql.ChildRows``). Empty values are left out: SUM of
no values is 0, AVG of none is NULL, COUNT counts the rows (with a field: the rows where it is
not NULL).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from metadata.messages import msg
from runtime.formula import sqlparts
from runtime.formula.ast import FieldRef
from runtime.formula.functions import CallContext, Fn, Function, expect
from runtime.formula.types import NUMERIC, FType
from runtime.formula.values import read_value


def rows_reader(node: FieldRef, ftype: FType) -> Fn:
    """record -> the rows of the sub-table ({items}) or the values of one field of them."""
    sub_table, key = node.relation or node.key, node.key

    def rows(record: Mapping) -> list:
        value = record.get(sub_table)
        return value if isinstance(value, list) else []
    if node.relation is None:
        return rows
    return lambda record: [read_value(row.get(key), ftype) for row in rows(record)]


class Aggregate(Function):
    """One sub-table argument; ``total`` turns its non-null values into the result."""

    aggregate = True
    strict = False

    def python(self, fns: Sequence[Fn], call: CallContext) -> Fn:
        values, total = rows_reader(call.nodes[0], call.types[0]), self.total
        return lambda record: total([v for v in values(record) if v is not None])

    def total(self, values: list) -> Any:
        raise NotImplementedError


class Sum(Aggregate):
    name, aliases, signature = "SUM", ("求和",), "SUM({sub_table.field})"
    description = msg("The total of a number field over the rows of a sub-table (0 without rows).")

    def result_type(self, types, nodes):
        expect(types, 0, NUMERIC, msg("the field added up by SUM"))
        return types[0]

    def python(self, fns, call):
        values, start = rows_reader(call.nodes[0], call.types[0]), 0
        if call.types[0] == FType.NUMBER:
            start = 0.0
        return lambda record: sum((v for v in values(record) if v is not None), start)

    def to_sql(self, args, call):
        total = sa.func.coalesce(sa.func.sum(args[0]), 0)
        # PostgreSQL sums whole numbers as numeric
        return sqlparts.as_integer(total) if call.types[0] == FType.INTEGER else total


class Avg(Aggregate):
    name, aliases, signature = "AVG", ("平均值", "AVERAGE"), "AVG({sub_table.field})"
    description = msg("The average of a number field over the rows of a sub-table, leaving out "
                      "empty values (NULL without any).")

    def result_type(self, types, nodes):
        expect(types, 0, NUMERIC, msg("the field averaged by AVG"))
        return FType.NUMBER

    def total(self, values):
        return sum(values) / len(values) if values else None

    def to_sql(self, args, call):
        return sa.func.avg(sqlparts.as_float(args[0]))


class Count(Aggregate):
    name, aliases, signature = "COUNT", ("计数",), "COUNT({sub_table}) or COUNT({sub_table.field})"
    description = msg("The number of rows of a sub-table; with a field, the rows where the field "
                      "is not empty (NULL).")

    def result_type(self, types, nodes):
        return FType.INTEGER

    def total(self, values):
        return len(values)

    def to_sql(self, args, call):
        return sa.func.count(args[0])


AGGREGATE_FUNCTIONS = (Sum, Avg, Count)

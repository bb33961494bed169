"""List filters written as formulas: checked against the form, compiled to one SQL condition.

A filter the reader writes may name only what the reader may see, here and one hop away (it
would reveal the values otherwise); a view's filter, written by a designer, may name any field.
Fields one hop away (``{company.city}``) are read through a correlated subquery on the related
table that sees only the related records the reader may read: others read as empty.
"""

from __future__ import annotations

import sqlalchemy as sa

from metadata.errors import InvalidDocument, Problem
from runtime.forms.formulas import analyze_filter, refs
from runtime.formula.ast import Node
from runtime.formula.checker import Checked
from runtime.formula.errors import FormulaError
from runtime.formula.sql import ChildRows, compile_sql
from runtime.storage.names import SYSTEM_SORTS
from runtime.storage.sql_depth import check_depth

# system fields formulas may name, and their columns: those lists sort and filter by, and who
# created the record
SYSTEM_COLUMNS = {**SYSTEM_SORTS, "created_by": "created_by"}


def formula_clause(records, source: str, at: str, designed: bool = False
                   ) -> sa.ColumnElement[bool]:
    """The WHERE condition of a formula filter, or InvalidDocument pointing into it;
    ``designed``: a view's filter, which may name fields hidden from the reader."""
    plan = records.plan
    scope = plan.scope if designed else records.reader.scope()
    if scope is None:
        raise InvalidDocument([Problem(at, "formula filters are not available for this form")],
                              status=400)
    checked, problems = analyze_filter(source, scope, plan.functions, at)
    if problems:
        raise InvalidDocument(problems, status=400)
    paths = refs(checked.node)
    try:
        columns, children = formula_columns(records, paths), sub_table_rows(records, paths)

        def compile_node(node: Node) -> sa.ColumnElement:
            part = Checked(node, checked.type_of(node), checked.types, checked.source,
                           checked.registry)
            return compile_sql(part, columns, records.conn.dialect.name, lambda: records.now,
                               plan.functions, children=children, tz=plan.timezone)

        clause = compile_node(checked.node)
        check_depth(records, checked, clause, compile_node)
        return clause
    except FormulaError as exc:
        where = None if exc.position is None else {"position": exc.position, "line": exc.line,
                                                   "column": exc.column}
        raise InvalidDocument([Problem(at, exc.message, where)], status=400) from None


def sub_table_rows(records, paths: set[str]) -> dict[str, ChildRows]:
    """Where the rows of each sub-table a formula totals live (SUM({items.qty}))."""
    plan, out = records.plan, {}
    for path in paths:
        key = path.partition(".")[0]
        fld = plan.by_key.get(key)
        tables = plan.tables.children.get(key) if fld is not None else None
        if tables and plan.ftype(key).holds_rows:
            out[key] = ChildRows(tables[0], records.table.c.id)
    return out


def formula_columns(records, paths: set[str]) -> dict[str, sa.ColumnElement]:
    """The SQL value of every field path a formula names."""
    plan, table = records.plan, records.table
    columns: dict[str, sa.ColumnElement] = {}
    for path in paths:
        relation, _, key = path.rpartition(".")
        if not relation:
            if key in SYSTEM_COLUMNS:
                columns[path] = table.c[SYSTEM_COLUMNS[key]]
            elif key in plan.by_key and not plan.ftype(key).separate(plan.by_key[key]):
                columns[path] = table.c[key]
            continue
        target = records.reader.target(relation)
        if target is None:
            continue  # a sub-table's rows (see sub_table_rows), or nothing
        if key not in target.by_key or target.ftype(key).separate(target.by_key[key]):
            continue
        other = target.table.alias(f"rel_{relation}")
        columns[path] = (sa.select(other.c[key])
                         .where(other.c.id == table.c[relation],
                                records.reader.rows(target, other))
                         .scalar_subquery())
    return columns

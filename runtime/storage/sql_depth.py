"""Formula filters nested deeper than the database's SQL parser takes: refused at their place.

Formulas may nest 64 levels. PostgreSQL's parser takes thousands (3,000 nested CASE measured),
but SQLite's keeps a stack of 100 entries (YYSTACKDEPTH), of which a function call takes three
and a CASE five: ABS nested 30 times fails with "parser stack overflow", and the statement
around the filter costs some entries too. How deep a filter goes in SQL depends on what each
function compiles to, so on SQLite a filter is tried first (prepared, LIMIT 0: nothing runs),
and when the database refuses it the smallest part of the formula it still refuses is named.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from metadata.messages import msg
from runtime.formula.ast import ListLiteral, Node, depth
from runtime.formula.checker import Checked
from runtime.formula.errors import FormulaError

# databases whose parser a formula within the language's limits can overflow
SHALLOW_PARSERS = frozenset({"sqlite"})
# the shallowest formula tried: three levels of the costliest functions fit in any statement
TRY_FROM_DEPTH = 4
TOO_DEEP = ("parser stack overflow", "expression tree is too large")
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

Compile = Callable[[Node], sa.ColumnElement]


def check_depth(records, checked: Checked, clause: sa.ColumnElement, compile_node: Compile
                ) -> None:
    """Raise a FormulaError at the innermost part of ``checked`` (compiled: ``clause``) the
    database cannot parse in a list filter; ``compile_node`` turns a part of it into SQL."""
    if records.conn.dialect.name not in SHALLOW_PARSERS or depth(checked.node) < TRY_FROM_DEPTH:
        return
    if _accepted(records, lambda _node: clause, checked.node):
        return
    node = checked.node
    while True:
        parts = [p for c in node.children() for p in _compilable(c)]
        refused = next((p for p in parts if depth(p) >= TRY_FROM_DEPTH
                        and not _accepted(records, compile_node, p)), None)
        if refused is None:
            break
        node = refused
    message = msg("the formula nests functions and operators too deeply here for the database "
                  "(%(database)s) to run it as a list filter; write it with less nesting",
                  database=NAMES.get(records.conn.dialect.name, records.conn.dialect.name))
    if checked.source is None:
        raise FormulaError(message, node.pos)
    raise FormulaError.at(message, checked.source, node.pos)


def _compilable(node: Node) -> list[Node]:
    """``node``, or the items of a list (which only compile as the right side of IN)."""
    return list(node.items) if isinstance(node, ListLiteral) else [node]


def _accepted(records, compile_node: Compile, node: Node) -> bool:
    try:
        clause = compile_node(node)
    except FormulaError:  # a part that only compiles in its place ({items.qty} in SUM)
        return True
    table = records.table
    probe = (sa.select(sa.literal(1)).select_from(table)
             .where(table.c.deleted_at.is_(None), clause).limit(0))
    try:
        records.conn.execute(probe)
    except sa.exc.OperationalError as exc:
        if any(words in str(exc.orig).lower() for words in TOO_DEEP):
            return False
        raise
    return True

"""Compile a checked formula into a SQLAlchemy Core expression for SQLite or PostgreSQL.

The expression has the same semantics as the closure of ``python`` (see there); see
``sqlparts`` for how values are represented in SQL. ``columns`` maps field paths (``key`` and
``relation.key``) to column expressions the caller has joined in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.sql.elements import Grouping

from runtime.clock import Clock
from runtime.formula import sqlparts
from runtime.formula.ast import Binary, Call, FieldRef, ListLiteral, Literal, Node, Unary
from runtime.formula.checker import Checked
from runtime.formula.errors import FormulaError
from runtime.formula.fn_text import list_contains
from runtime.formula.functions import CallContext, FunctionRegistry, default_registry
from runtime.formula.types import FType

LITERAL_TYPES = {bool: sa.Boolean(), int: sa.BigInteger(), float: sa.Float(), str: sa.Text()}


def compile_sql(checked: Checked, columns: Mapping[str, sa.ColumnElement], dialect: str,
                now: Callable[[], datetime] | None = None,
                registry: FunctionRegistry | None = None) -> sa.ColumnElement:
    """The formula as an expression typed with its result's SQL type."""
    compiler = _Compiler(checked, columns, dialect, now or Clock().now,
                         registry or default_registry())
    expression = compiler.compile(checked.node)
    # a Grouping, because type_coerce of a bare literal would change how the literal is bound
    return sa.type_coerce(Grouping(expression), sqlparts.sql_type(checked.type))


class _Compiler:
    def __init__(self, checked: Checked, columns: Mapping[str, sa.ColumnElement], dialect: str,
                 now: Callable[[], datetime], registry: FunctionRegistry):
        self.checked = checked
        self.columns = columns
        self.dialect = dialect
        self.now = now
        self.registry = registry

    def type_of(self, node: Node) -> FType:
        return self.checked.type_of(node)

    def compile(self, node: Node) -> sa.ColumnElement:
        match node:
            case Literal(value=None):
                return sa.null()
            case Literal(value=value):
                return sa.literal(value, LITERAL_TYPES[type(value)])
            case FieldRef():
                if node.path not in self.columns:
                    raise FormulaError(f"{{{node.path}}} cannot be used here", node.pos)
                return sqlparts.read_column(self.columns[node.path], self.type_of(node),
                                            self.dialect)
            case Unary(op="NOT"):
                return sa.not_(self.compile(node.operand))
            case Unary(operand=Literal(value=None)):
                return sa.null()  # PostgreSQL cannot type "-NULL"
            case Unary():
                return -self.compile(node.operand)
            case Binary():
                return self.binary(node)
            case Call():
                return self.call(node)
        raise TypeError(f"cannot compile {node!r}")

    def binary(self, node: Binary) -> sa.ColumnElement:
        op = node.op
        if op in ("IN", "NOT IN"):
            return self.membership(node)
        left, right = self.compile(node.left), self.compile(node.right)
        match op:
            case "AND":
                return sa.and_(left, right)
            case "OR":
                return sa.or_(left, right)
            case "&":
                parts = [sa.func.coalesce(sqlparts.text_of(x, self.type_of(n), self.dialect), "")
                         for x, n in ((left, node.left), (right, node.right))]
                return sa.type_coerce(parts[0].op("||")(parts[1]), sa.Text())
            case "/":
                return sqlparts.divide(sqlparts.as_float(left),
                                       sa.func.nullif(sqlparts.as_float(right), 0))
            case "+":
                return left + right
            case "-":
                return left - right
            case "*":
                return left * right
        return self.comparison(op, node, left, right)

    def comparison(self, op: str, node: Binary, left: sa.ColumnElement,
                   right: sa.ColumnElement) -> sa.ColumnElement:
        kind = self.type_of(node.left)
        if kind == FType.NULL:
            kind = self.type_of(node.right)
        left = sqlparts.ordered(left, kind, self.dialect)
        right = sqlparts.ordered(right, kind, self.dialect)
        # .op(), not ==: SQLAlchemy turns "== NULL" into IS NULL, which is not NULL-propagating
        return left.op(op, is_comparison=True)(right)

    def membership(self, node: Binary) -> sa.ColumnElement:
        left = self.compile(node.left)
        if isinstance(node.right, ListLiteral):
            items = [self.compile(item) for item in node.right.items]
            result = left.in_(items)
            # a list of literals (never NULL, never empty: the checker sees to it) needs no
            # CASE: "NULL IN (...)" is NULL already, and a bare IN can use an index
            if not all(isinstance(item, Literal) for item in node.right.items):
                result = sa.case((left.is_(None), sa.null()), else_=result)
        else:
            result = list_contains(self.compile(node.right), left, self.dialect)
        return sa.not_(result) if node.op == "NOT IN" else result

    def call(self, node: Call) -> sa.ColumnElement:
        fn = self.registry.get(node.name)
        if not fn.sql:
            raise FormulaError(f"{fn.name} cannot be used in list filters and reports",
                               node.pos)
        context = CallContext(node.args, [self.type_of(a) for a in node.args], self.now,
                              self.dialect)
        return fn.to_sql([self.compile(arg) for arg in node.args], context)

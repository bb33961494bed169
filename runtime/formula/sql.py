"""Compile a checked formula into a SQLAlchemy Core expression for SQLite or PostgreSQL.

The expression has the same semantics as the closure of ``python`` (see there); see
``sqlparts`` for how values are represented in SQL. What the caller hands over:

- ``columns`` maps field paths to column expressions: ``key`` for the form's own fields and
  ``relation.key`` for ``{relation.key}``, either a column of a table the caller has joined in
  (outer join: no related record reads as NULL) or a correlated scalar subquery from
  ``related_column``;
- ``children`` maps each sub-table field to the ``ChildRows`` where its rows live, for SUM,
  AVG and COUNT (each becomes a correlated scalar subquery on the child table).

The connection must have the functions of ``sqlfunctions`` (``app.database`` registers
them). A field missing from these raises FormulaError ("cannot be used here"). NULLs are typed: a
NULL literal takes the type its place asks for, and operators and ``strict`` functions with a
NULL operand fold to a NULL of their result type (PostgreSQL cannot type ``NULL - NULL``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

import sqlalchemy as sa
from sqlalchemy.sql.elements import Grouping

from metadata.messages import msg
from runtime.formula import sqlparts
from runtime.formula.ast import Binary, Call, FieldRef, ListLiteral, Literal, Node, Unary
from runtime.formula.checker import Checked
from runtime.formula.errors import FormulaError
from runtime.formula.fn_text import list_contains
from runtime.formula.functions import CallContext, Function, FunctionRegistry
from runtime.formula.types import FType

LITERAL_TYPES = {bool: sa.Boolean(), int: sa.BigInteger(), float: sa.Float(), str: sa.Text()}
NULL = FType.NULL


@dataclass(frozen=True)
class ChildRows:
    """Where the rows of a sub-table field live: ``table``, whose ``link`` column holds the id
    of the record each row belongs to, and ``parent_id``, that id in the outer query (e.g.
    the form table's ``id`` column)."""

    table: sa.FromClause
    parent_id: sa.ColumnElement
    link: str = "parent_id"


def related_column(target: sa.FromClause, column: str, link: sa.ColumnElement,
                   key: str = "id") -> sa.ColumnElement:
    """``{relation.column}`` without a join: the ``column`` of the ``target`` row whose
    ``key`` equals ``link`` (the relation's column in the outer query), NULL when there is
    none. Pass an alias as ``target`` when a form links to itself."""
    return sa.select(target.c[column]).where(target.c[key] == link).scalar_subquery()


def compile_sql(checked: Checked, columns: Mapping[str, sa.ColumnElement], dialect: str,
                now: Callable[[], datetime],
                registry: FunctionRegistry | None = None,
                children: Mapping[str, ChildRows] | None = None, tz: tzinfo = UTC
                ) -> sa.ColumnElement:
    """The formula as an expression typed with its result's SQL type; ``registry`` defaults
    to the one the formula was checked with; ``tz`` is the time zone TODAY() gives the date
    in."""
    registry = registry or checked.registry
    if registry is None:
        raise ValueError("compile_sql needs the function registry the formula was checked with")
    compiler = _Compiler(checked, columns, dialect, now, registry,
                         children or {}, tz)
    expression = compiler.compile(checked.node)
    # a Grouping, because type_coerce of a bare literal would change how the literal is bound
    return sa.type_coerce(Grouping(expression), sqlparts.sql_type(checked.type))


class _Compiler:
    def __init__(self, checked: Checked, columns: Mapping[str, sa.ColumnElement], dialect: str,
                 now: Callable[[], datetime], registry: FunctionRegistry,
                 children: Mapping[str, ChildRows], tz: tzinfo):
        self.checked = checked
        self.columns = columns
        self.dialect = dialect
        self.now = now
        self.registry = registry
        self.children = children
        self.tz = tz

    def type_of(self, node: Node) -> FType:
        return self.checked.type_of(node)

    def null(self, node: Node, *operands: Node) -> sa.ColumnElement | None:
        """A NULL of ``node``'s type when one of ``operands`` is NULL whatever its inputs."""
        if any(self.type_of(n) == NULL for n in operands):
            return sqlparts.typed_null(self.type_of(node))
        return None

    def compile(self, node: Node, null_as: FType = FType.TEXT) -> sa.ColumnElement:
        """``node`` in SQL; ``null_as`` is the type of a NULL in this place."""
        if self.type_of(node) == NULL:  # NULL, IF(x, NULL, NULL), COALESCE(NULL), ...
            return sqlparts.typed_null(null_as)
        match node:
            case Literal(value=value):
                return sa.literal(value, LITERAL_TYPES[type(value)])
            case FieldRef():
                if node.path not in self.columns:
                    raise FormulaError(msg("{%(ref)s} cannot be used here", ref=node.path),
                                       node.pos)
                return sqlparts.read_column(self.columns[node.path], self.type_of(node),
                                            self.dialect)
            case Unary():
                return self.unary(node)
            case Binary():
                return self.binary(node)
            case Call():
                return self.call(node)
        raise TypeError(f"cannot compile {node!r}")

    def unary(self, node: Unary) -> sa.ColumnElement:
        folded = self.null(node, node.operand)
        if folded is not None:
            return folded
        if node.op == "NOT":
            return sa.not_(self.compile(node.operand))
        return -self.compile(node.operand)

    def binary(self, node: Binary) -> sa.ColumnElement:
        op = node.op
        if op in ("AND", "OR"):
            left, right = (self.compile(n, FType.BOOLEAN) for n in (node.left, node.right))
            return sa.and_(left, right) if op == "AND" else sa.or_(left, right)
        if op == "&":
            return self.join(node)
        folded = self.null(node, node.left, node.right)
        if folded is not None:
            return folded
        if op in ("IN", "NOT IN"):
            return self.membership(node)
        left, right = self.compile(node.left), self.compile(node.right)
        match op:
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

    def join(self, node: Binary) -> sa.ColumnElement:
        """``a & b & c`` as one text, capped once, like the Python side (which joins the
        operands along the left of the chain and caps the whole)."""
        operands: list[Node] = []
        while isinstance(node, Binary) and node.op == "&":
            operands.insert(0, node.right)
            node = node.left
        operands.insert(0, node)
        return sqlparts.connection_function(
            "trellis_concat", [sqlparts.text_of(self.compile(n), self.type_of(n), self.dialect)
                               for n in operands], self.dialect)

    def comparison(self, op: str, node: Binary, left: sa.ColumnElement,
                   right: sa.ColumnElement) -> sa.ColumnElement:
        kind = self.type_of(node.left)
        left = sqlparts.ordered(left, kind, self.dialect)
        right = sqlparts.ordered(right, kind, self.dialect)
        # .op(), not ==: SQLAlchemy turns "== NULL" into IS NULL, which is not NULL-propagating
        return left.op(op, is_comparison=True)(right)

    def membership(self, node: Binary) -> sa.ColumnElement:
        left = self.compile(node.left)
        if isinstance(node.right, ListLiteral):
            items = [self.compile(item) for item in node.right.items]
            result = left.in_(items)
            if not all(isinstance(item, Literal) for item in node.right.items):
                result = sa.case((left.is_(None), sa.null()), else_=result)
            # a list of literals (never NULL, never empty: the checker sees to it) needs no
            # CASE: "NULL IN (...)" is NULL already, and a bare IN can use an index
        else:
            result = list_contains(self.compile(node.right), left, self.dialect)
        return sa.not_(result) if node.op == "NOT IN" else result

    def call(self, node: Call) -> sa.ColumnElement:
        fn = self.registry.get(node.name)
        if not fn.sql:
            raise FormulaError(msg("%(name)s cannot be used in list filters and reports",
                                   name=fn.name),
                               node.pos)
        if fn.strict:
            folded = self.null(node, *node.args)
            if folded is not None:
                return folded
        context = CallContext(node.args, [self.type_of(a) for a in node.args], self.now,
                              self.dialect, self.tz)
        if fn.aggregate:
            return self.aggregate(fn, node, context)
        result = self.type_of(node)
        return fn.to_sql([self.compile(arg, fn.null_argument(i, result))
                          for i, arg in enumerate(node.args)], context)

    def aggregate(self, fn: Function, node: Call, context: CallContext) -> sa.ColumnElement:
        """SUM({items.amount}) and the like: a correlated scalar subquery on the rows."""
        (arg,) = node.args
        sub_table = arg.relation or arg.key
        if sub_table not in self.children:
            raise FormulaError(msg("{%(ref)s} cannot be used here", ref=arg.path), arg.pos)
        child = self.children[sub_table]
        link = child.table.c[child.link]
        if arg.relation is None:
            rows = link  # COUNT({items}): any non-null column counts the rows
        else:
            rows = sqlparts.read_column(child.table.c[arg.key], self.type_of(arg), self.dialect)
        value = fn.to_sql([rows], context)
        return sa.select(value).where(link == child.parent_id).scalar_subquery()

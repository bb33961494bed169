"""The type checker: gives every node a type, or a FormulaError a business user can act on."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from metadata.messages import Message, alternatives, msg
from runtime.formula.ast import (
    MAX_DEPTH,
    Binary,
    Call,
    FieldRef,
    ListLiteral,
    Literal,
    Node,
    Unary,
    depth,
)
from runtime.formula.errors import FormulaError
from runtime.formula.functions import ArgumentProblem, Function, FunctionRegistry
from runtime.formula.grammar import parse
from runtime.formula.types import NUMERIC, ORDERED, FType, Scope, comparable, describe, unify

CONCATENABLE = (FType.TEXT, FType.INTEGER, FType.DATE, FType.NULL)


@dataclass(frozen=True)
class Checked:
    """A formula whose every node has a type (``types`` is keyed by ``id(node)``), and the
    function registry it was checked with (the compilers use the same)."""

    node: Node
    type: FType
    types: dict[int, FType]
    source: str | None = None
    registry: FunctionRegistry | None = None

    def type_of(self, node: Node) -> FType:
        return self.types[id(node)]


class _Problem(Exception):
    def __init__(self, message: str, node: Node, offset: int = 0):
        super().__init__(message)
        self.message = message
        self.node = node
        self.offset = offset  # characters into the node's source text


def suggest(word: str, candidates: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return close[0] if close else None


def check(formula: str | Node, scope: Scope, registry: FunctionRegistry,
          expected: FType | None = None, source: str | None = None) -> Checked:
    """Type ``formula`` (source text or an AST) against ``scope``'s fields and the functions
    of ``registry``."""
    if isinstance(formula, str):
        source, node = formula, parse(formula)
    else:
        node = formula
        if depth(node) > MAX_DEPTH:
            raise FormulaError(msg("the formula is nested more than %(n)s levels deep",
                                   n=MAX_DEPTH))
    checker = _Checker(scope, registry)
    try:
        result = checker.visit(node)
        if expected is not None and unify(expected, result) != expected:
            raise _Problem(msg("the formula must give %(expected)s, but it gives %(actual)s",
                               expected=describe(expected), actual=describe(result)), node)
    except _Problem as problem:
        pos = problem.node.pos + problem.offset if problem.node.pos is not None else None
        if source is not None:
            raise FormulaError.at(problem.message, source, pos) from None
        raise FormulaError(problem.message, pos) from None
    return Checked(node, result, checker.types, source, registry)


class _Checker:
    def __init__(self, scope: Scope, registry: FunctionRegistry):
        self.scope = scope
        self.registry = registry
        self.types: dict[int, FType] = {}

    def visit(self, node: Node) -> FType:
        match node:
            case Literal():
                result = literal_type(node.value)
            case FieldRef():
                result = self.field(node)
            case Unary():
                result = self.unary(node)
            case Binary():
                result = self.binary(node)
            case Call():
                result = self.call(node)
            case ListLiteral():
                raise _Problem(msg("a list [...] can only follow IN or NOT IN"), node)
            case _:
                raise _Problem(msg("unknown formula element"), node)
        self.types[id(node)] = result
        return result

    def field(self, node: FieldRef) -> FType:
        scope, prefix = self.scope, ""
        sub_table = node.relation or node.key
        if sub_table in scope.rows:
            example = (f"SUM({{{node.path}}})" if node.relation else f"COUNT({{{node.key}}})")
            raise _Problem(msg("{%(ref)s} belongs to the rows of the sub-table %(table)s: use "
                               "it inside SUM, AVG or COUNT, e.g. %(example)s", ref=node.path,
                               table=scope.rows[sub_table].label, example=example), node)
        if node.relation is not None:
            related = scope.related(node.relation)
            if related is None:
                raise _Problem(msg("{%(ref)s} is not a link to one record of another form in "
                                   "%(form)s", ref=node.relation, form=scope.label), node)
            scope, prefix = related, node.relation + "."
        return self.lookup(node, scope, prefix)

    def lookup(self, node: FieldRef, scope: Scope, prefix: str) -> FType:
        if node.key in scope.fields:
            return scope.fields[node.key]
        close = suggest(node.key, scope.fields)
        if close:
            raise _Problem(msg("{%(ref)s} is not a field of %(form)s — did you mean "
                               "{%(close)s}?", ref=prefix + node.key, form=scope.label,
                               close=prefix + close), node)
        raise _Problem(msg("{%(ref)s} is not a field of %(form)s", ref=prefix + node.key,
                           form=scope.label), node)

    def rows(self, fn: Function, node: Node) -> FType:
        """The type of the argument of an aggregate: a sub-table or a field of its rows."""
        if isinstance(node, FieldRef) and (node.relation or node.key) in self.scope.rows:
            if node.relation is None:
                result = FType.ROWS
            else:
                result = self.lookup(node, self.scope.rows[node.relation], node.relation + ".")
            self.types[id(node)] = result
            return result
        raise _Problem(msg("%(name)s works on the rows of a sub-table: %(signature)s",
                           name=fn.name, signature=fn.signature), node)

    def unary(self, node: Unary) -> FType:
        operand = self.visit(node.operand)
        if node.op == "NOT":
            self.need(node.operand, operand, (FType.BOOLEAN,), "NOT")
            return FType.BOOLEAN
        self.need(node.operand, operand, NUMERIC, msg("a minus sign"))
        return FType.INTEGER if operand == FType.NULL else operand

    def need(self, node: Node, actual: FType, allowed: Iterable[FType], what: str) -> None:
        allowed = tuple(allowed)
        if actual != FType.NULL and actual not in allowed:
            wanted = alternatives([describe(t) for t in allowed if t != FType.NULL])
            raise _Problem(msg("%(what)s needs %(wanted)s, not %(actual)s", what=what,
                               wanted=wanted, actual=describe(actual)), node)

    def binary(self, node: Binary) -> FType:
        if node.op in ("IN", "NOT IN"):
            return self.membership(node)
        left, right = self.visit(node.left), self.visit(node.right)
        op = node.op
        if op in ("AND", "OR"):
            self.need(node.left, left, (FType.BOOLEAN,), op)
            self.need(node.right, right, (FType.BOOLEAN,), op)
            return FType.BOOLEAN
        if op == "&":
            self.need(node.left, left, CONCATENABLE, "&")
            self.need(node.right, right, CONCATENABLE, "&")
            return FType.TEXT
        if op in ("+", "-", "*", "/"):
            return self.arithmetic(node, left, right)
        return self.comparison(node, left, right)

    def arithmetic(self, node: Binary, left: FType, right: FType) -> FType:
        for side, kind in ((node.left, left), (node.right, right)):
            if kind == FType.TEXT and node.op == "+":
                raise _Problem(msg("use & to join text, + only adds numbers"), node)
            if kind in (FType.DATE, FType.DATETIME):
                raise _Problem(msg("'%(op)s' does not work on dates: use DATEADD, DAYS_BETWEEN "
                                   "or HOURS_BETWEEN", op=node.op), side)
            self.need(side, kind, NUMERIC, f"'{node.op}'")
        if node.op == "/" or FType.NUMBER in (left, right):
            return FType.NUMBER
        return FType.INTEGER

    def comparison(self, node: Binary, left: FType, right: FType) -> FType:
        allowed = ORDERED if node.op in ("<", "<=", ">", ">=") else (*ORDERED, FType.BOOLEAN)
        self.need(node.left, left, allowed, f"'{node.op}'")
        self.need(node.right, right, allowed, f"'{node.op}'")
        if not comparable(left, right):
            raise _Problem(msg("cannot compare %(left)s with %(right)s", left=describe(left),
                               right=describe(right)), node)
        return FType.BOOLEAN

    def membership(self, node: Binary) -> FType:
        left = self.visit(node.left)
        right = node.right
        if isinstance(right, ListLiteral):
            if not right.items:
                raise _Problem(msg("the list after %(op)s is empty", op=node.op), right)
            for item in right.items:
                kind = self.visit(item)
                if kind == FType.NULL:
                    raise _Problem(msg("NULL cannot be in a list: use ISBLANK(...) instead"),
                                   item)
                if not comparable(left, kind) or kind == FType.TEXT_LIST:
                    raise _Problem(msg("the list holds %(kind)s, which cannot be compared with "
                                       "%(left)s", kind=describe(kind), left=describe(left)),
                                   item)
            self.types[id(right)] = left
            return FType.BOOLEAN
        kind = self.visit(right)
        if kind != FType.TEXT_LIST:
            raise _Problem(msg("%(op)s needs a list such as [\"a\", \"b\"] or a multi-select "
                               "field after it", op=node.op), right)
        self.need(node.left, left, (FType.TEXT,), node.op)
        return FType.BOOLEAN

    def call(self, node: Call) -> FType:
        fn = self.registry.get(node.name)
        if fn is None:
            close = suggest(node.name.upper(), self.registry.names())
            if close:
                raise _Problem(msg("%(name)s is not a known function — did you mean %(close)s?",
                                   name=node.name, close=close), node)
            raise _Problem(msg("%(name)s is not a known function", name=node.name), node)
        count = len(node.args)
        if count < fn.min_args or (fn.max_args is not None and count > fn.max_args):
            raise _Problem(msg("%(name)s takes %(arity)s, not %(count)s: %(signature)s",
                               name=fn.name, arity=arity(fn.min_args, fn.max_args), count=count,
                               signature=fn.signature), node)
        visit = (lambda arg: self.rows(fn, arg)) if fn.aggregate else self.visit
        types = [visit(arg) for arg in node.args]
        try:
            return fn.result_type(types, node.args)
        except ArgumentProblem as problem:
            where = node if problem.index is None else node.args[problem.index]
            raise _Problem(problem.message, where, problem.offset) from None


def arity(low: int, high: int | None) -> Message:
    if high is None:
        return (msg("at least 1 argument") if low == 1
                else msg("at least %(n)s arguments", n=low))
    if low == high:
        return msg("1 argument") if low == 1 else msg("%(n)s arguments", n=low)
    return msg("%(low)s to %(high)s arguments", low=low, high=high)


def literal_type(value: object) -> FType:
    if value is None:
        return FType.NULL
    if isinstance(value, bool):
        return FType.BOOLEAN
    if isinstance(value, int):
        return FType.INTEGER
    if isinstance(value, float):
        return FType.NUMBER
    return FType.TEXT

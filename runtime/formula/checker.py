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
    replace_nodes,
)
from runtime.formula.errors import FormulaError
from runtime.formula.functions import ArgumentProblem, Function, FunctionRegistry
from runtime.formula.grammar import parse
from runtime.formula.names import (
    NameProblem,
    choice_value,
    field_key,
    field_suggestion,
    not_a_choice,
    rewrite_refs,
)
from runtime.formula.types import (
    NUMERIC,
    ORDERED,
    Choice,
    FType,
    Scope,
    comparable,
    describe,
    unify,
)

CONCATENABLE = (FType.TEXT, FType.INTEGER, FType.DATE, FType.NULL)


@dataclass(frozen=True)
class Checked:
    """A formula whose every node has a type (``types`` is keyed by ``id(node)``), and the
    function registry it was checked with (the compilers use the same).

    ``node`` names every field by its key and every choice by its stored value, whatever the
    formula wrote (labels): the compilers read it. ``written`` is the formula as written, and
    ``keyed_source`` its text with keys for fields where it wrote labels: what is stored
    (choices as written: they resolve again against the choices of the day)."""

    node: Node
    type: FType
    types: dict[int, FType]
    source: str | None = None
    registry: FunctionRegistry | None = None
    written: Node | None = None
    keyed_source: str | None = None

    def type_of(self, node: Node) -> FType:
        return self.types[id(node)]

    def stored(self) -> dict:
        """What the document store keeps of the formula: its source with keys, its AST, its
        type."""
        if self.keyed_source is not None:
            return {"source": self.keyed_source, "ast": parse(self.keyed_source).to_json(),
                    "type": str(self.type)}
        return {"source": self.source, "ast": (self.written or self.node).to_json(),
                "type": str(self.type)}


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
    return checker.checked(node, result, source)


class _Checker:
    def __init__(self, scope: Scope, registry: FunctionRegistry):
        self.scope = scope
        self.registry = registry
        self.types: dict[int, FType] = {}
        self.refs: dict[int, FieldRef] = {}  # references written with labels, with keys
        self.values: dict[int, Literal] = {}  # choices written with labels, with values
        self.choice_fields: dict[int, tuple[tuple[Choice, ...], dict]] = {}
        self.related_scopes: dict[str, Scope | None] = {}

    def checked(self, node: Node, result: FType, source: str | None) -> Checked:
        """The result: the formula with keys and values for the compilers, with keys for the
        store (see ``Checked``)."""
        if not self.refs and not self.values:
            return Checked(node, result, self.types, source, self.registry)
        resolved, became = replace_nodes(node, {**self.refs, **self.values})
        types = {id(became[i]): t for i, t in self.types.items() if i in became}
        keyed = None
        if source is not None and self.refs:
            keyed = rewrite_refs(source, {ref.pos: ref.path for ref in self.refs.values()})
        return Checked(resolved, result, types, source, self.registry, node, keyed)

    def related(self, key: str) -> Scope | None:
        if key not in self.related_scopes:
            self.related_scopes[key] = self.scope.related(key)
        return self.related_scopes[key]

    def resolve(self, node: FieldRef) -> FieldRef:
        """``node`` with keys where it names fields by their labels (a key wins over a
        label); names that resolve to nothing are left for the checks to report."""
        scope = self.scope
        try:
            if node.relation is None:
                key = field_key(scope, node.key, [*scope.fields, *scope.rows]) or node.key
                found = FieldRef(node.pos, key)
            else:
                relation = field_key(scope, node.relation,
                                     [*scope.fields, *scope.rows, *scope.labels])
                relation = relation or node.relation
                inner = scope.rows.get(relation) or self.related(relation)
                key = (field_key(inner, node.key) if inner is not None else None) or node.key
                found = FieldRef(node.pos, key, relation)
        except NameProblem as problem:
            raise _Problem(problem.message, node) from None
        if found != node:
            self.refs[id(node)] = found
        return found

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

    def field(self, written: FieldRef) -> FType:
        scope, prefix = self.scope, ""
        node = self.resolve(written)
        sub_table = node.relation or node.key
        if sub_table in scope.rows:
            example = (f"SUM({{{written.path}}})" if node.relation
                       else f"COUNT({{{written.key}}})")
            raise _Problem(msg("{%(ref)s} belongs to the rows of the sub-table %(table)s: use "
                               "it inside SUM, AVG or COUNT, e.g. %(example)s",
                               ref=written.path, table=scope.rows[sub_table].label,
                               example=example), written)
        if node.relation is not None:
            related = self.related(node.relation)
            if related is None:
                raise _Problem(msg("{%(ref)s} is not a link to one record of another form in "
                                   "%(form)s", ref=written.relation, form=scope.label),
                               written)
            scope, prefix = related, written.relation + "."
        return self.lookup(written, node, scope, prefix)

    def lookup(self, written: FieldRef, node: FieldRef, scope: Scope, prefix: str) -> FType:
        if node.key in scope.fields:
            if node.key in scope.choices:
                self.choice_fields[id(written)] = (scope.choices[node.key],
                                                   scope.labels.get(node.key) or node.key)
            return scope.fields[node.key]
        close = field_suggestion(scope, written.key)
        if close:
            raise _Problem(msg("{%(ref)s} is not a field of %(form)s — did you mean "
                               "{%(close)s}?", ref=prefix + written.key, form=scope.label,
                               close=prefix + close), written)
        raise _Problem(msg("{%(ref)s} is not a field of %(form)s", ref=prefix + written.key,
                           form=scope.label), written)

    def rows(self, fn: Function, written: Node) -> FType:
        """The type of the argument of an aggregate: a sub-table or a field of its rows."""
        node = self.resolve(written) if isinstance(written, FieldRef) else written
        if isinstance(node, FieldRef) and (node.relation or node.key) in self.scope.rows:
            if node.relation is None:
                result = FType.ROWS
            else:
                result = self.lookup(written, node, self.scope.rows[node.relation],
                                     written.relation + ".")
            self.types[id(written)] = result
            return result
        raise _Problem(msg("%(name)s works on the rows of a sub-table: %(signature)s",
                           name=fn.name, signature=fn.signature), written)

    def choice(self, field: Node, literal: Node) -> None:
        """A text compared with a select or multi-select field names one of its choices, by
        value or label: it becomes the value, and a text that is neither is refused."""
        known = self.choice_fields.get(id(field))
        if known is None or not isinstance(literal, Literal) \
                or not isinstance(literal.value, str) or literal.value == "":
            return
        choices, label = known
        try:
            value = choice_value(choices, literal.value)
        except NameProblem as problem:
            raise _Problem(problem.message, literal) from None
        if value is None:
            raise _Problem(not_a_choice(choices, literal.value, label), literal)
        if value != literal.value:
            self.values[id(literal)] = Literal(literal.pos, value)

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
        self.choice(node.left, node.right)
        self.choice(node.right, node.left)
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
                self.choice(node.left, item)
            self.types[id(right)] = left
            return FType.BOOLEAN
        kind = self.visit(right)
        if kind != FType.TEXT_LIST:
            raise _Problem(msg("%(op)s needs a list such as [\"a\", \"b\"] or a multi-select "
                               "field after it", op=node.op), right)
        self.need(node.left, left, (FType.TEXT,), node.op)
        self.choice(right, node.left)
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
            result = fn.result_type(types, node.args)
        except ArgumentProblem as problem:
            where = node if problem.index is None else node.args[problem.index]
            raise _Problem(problem.message, where, problem.offset) from None
        for field, text in fn.choice_arguments(types):
            if max(field, text) < count:
                self.choice(node.args[field], node.args[text])
        return result


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

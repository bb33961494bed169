"""Compile a checked formula into a Python closure ``fn(record) -> value``.

No eval or exec: one small closure per node, composed. Semantics (shared with ``sql``):
NULL propagates through arithmetic, comparisons and most functions; AND / OR / NOT are
three-valued like SQL; division by zero gives NULL; ``&`` and CONCAT write NULL as empty text
(like Excel), so ``NULL & NULL`` is ``""``; text compares case-sensitively by code point;
numbers that are not whole are IEEE doubles (like Excel); date-times are UTC to the second
(read as dates, date parts or text on the clocks of ``tz``: see ``fn_date``).
A text result longer than 10,000 characters is NULL (on both sides: ``sqlfunctions``).

Records carry values as the records API does (decimals as text, dates and date-times as ISO
text) or as Python objects; ``{relation.field}`` reads ``record["relation.field"]`` or, when
the relation's value is a mapping of the related record, ``record["relation"]["field"]``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from runtime.formula.ast import Binary, Call, FieldRef, ListLiteral, Literal, Node, Unary
from runtime.formula.checker import Checked
from runtime.formula.fn_logic import and_fns, or_fns
from runtime.formula.functions import CallContext, Fn, FunctionRegistry, strict
from runtime.formula.types import FType
from runtime.formula.values import capped, read_value, text_value

COMPARE = {"=": operator.eq, "<>": operator.ne, "<": operator.lt, "<=": operator.le,
           ">": operator.gt, ">=": operator.ge}
ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul}
DIRECT = frozenset({FType.TEXT, FType.INTEGER, FType.BOOLEAN})  # read as stored
READY = {FType.NUMBER: (int, float), FType.DATE: (date,)}  # classes read_value leaves alone


def compile_python(checked: Checked, now: Callable[[], datetime],
                   registry: FunctionRegistry | None = None, tz: tzinfo = UTC) -> Fn:
    """A closure computing the formula over a record mapping; ``registry`` defaults to the one
    the formula was checked with; ``tz`` is the time zone TODAY() gives the date in."""
    registry = registry or checked.registry
    if registry is None:
        raise ValueError("compile_python needs the registry the formula was checked with")
    compiler = _Compiler(checked, now, registry, tz)
    return compiler.compile(checked.node)


class _Compiler:
    def __init__(self, checked: Checked, now: Callable[[], datetime],
                 registry: FunctionRegistry, tz: tzinfo):
        self.checked = checked
        self.now = now
        self.registry = registry
        self.tz = tz

    def compile(self, node: Node) -> Fn:
        match node:
            case Literal(value=value):
                return lambda record: value
            case FieldRef():
                return self.field(node)
            case Unary(op="NOT"):
                inner = self.compile(node.operand)
                return lambda record: None if (v := inner(record)) is None else not v
            case Unary():
                inner = self.compile(node.operand)
                return lambda record: None if (v := inner(record)) is None else -v
            case Binary():
                return self.binary(node)
            case Call():
                return self.call(node)
        raise TypeError(f"cannot compile {node!r}")

    def field(self, node: FieldRef) -> Fn:
        ftype, path, key, relation = self.checked.type_of(node), node.path, node.key, node.relation

        def read(record: Mapping) -> Any:
            value = record.get(path)
            if value is None and relation is not None:
                related = record.get(relation)
                value = related.get(key) if isinstance(related, Mapping) else None
            return read_value(value, ftype)
        if relation is not None:
            return read
        if ftype in DIRECT:
            return lambda record: record.get(path)
        ready = READY.get(ftype, ())
        if ftype == FType.NUMBER:
            def read_number(record: Mapping) -> Any:
                value = record.get(path)
                if value is None or type(value) in ready:
                    return value
                # a decimal field's value, as the database gives it
                return float(value) if type(value) is Decimal else read_value(value, ftype)
            return read_number

        def read_own(record: Mapping) -> Any:
            value = record.get(path)
            # values already in the formula's representation skip read_value
            return value if value is None or type(value) in ready else read_value(value, ftype)
        return read_own

    def direct_path(self, node: Node) -> str | None:
        """The record key of a field read as stored (no conversion, no relation), if any."""
        if isinstance(node, FieldRef) and node.relation is None \
                and self.checked.type_of(node) in DIRECT:
            return node.key
        return None

    def binary(self, node: Binary) -> Fn:
        op = node.op
        if op in ("IN", "NOT IN"):
            return self.membership(node)
        if op == "&":
            return self.join(node)
        fn = _divide if op == "/" else ARITHMETIC.get(op) or COMPARE.get(op)
        if fn is not None and isinstance(node.right, Literal) and node.right.value is not None:
            if fn is _divide and node.right.value != 0:
                fn = operator.truediv
            # the common shape "{field} > 500": one closure instead of three
            path = self.direct_path(node.left)
            if path is not None:
                return _field_op_constant(fn, path, node.right.value)
            return _op_constant(fn, self.compile(node.left), node.right.value)
        left, right = self.compile(node.left), self.compile(node.right)
        if op == "AND":
            return and_fns([left, right])
        if op == "OR":
            return or_fns([left, right])
        return strict(fn, (left, right))

    def join(self, node: Binary) -> Fn:
        """``a & b & c`` as one closure; constant parts are written once, here."""
        parts: list[Node] = []
        while isinstance(node, Binary) and node.op == "&":
            parts.insert(0, node.right)
            node = node.left
        parts.insert(0, node)
        pieces = [text_value(part.value) if isinstance(part, Literal) else self.compile(part)
                  for part in parts]
        return _join(pieces)

    def membership(self, node: Binary) -> Fn:
        left = self.compile(node.left)
        negate = node.op == "NOT IN"
        if isinstance(node.right, ListLiteral):
            values = [item.value for item in node.right.items if isinstance(item, Literal)]
            if len(values) == len(node.right.items):
                members = frozenset(values)
                path = self.direct_path(node.left)
                if path is not None and not negate:
                    return lambda record: (None if (v := record.get(path)) is None
                                           else v in members)
                return lambda record: (None if (v := left(record)) is None
                                       else (v in members) != negate)
            items = [self.compile(item) for item in node.right.items]
            return lambda record: (None if (v := left(record)) is None
                                   else (v in [f(record) for f in items]) != negate)
        right = self.compile(node.right)
        return strict(lambda v, values: (v in values) != negate, (left, right))

    def call(self, node: Call) -> Fn:
        fn = self.registry.get(node.name)
        context = CallContext(node.args, [self.checked.type_of(a) for a in node.args], self.now,
                              tz=self.tz)
        return fn.python([self.compile(arg) for arg in node.args], context)


def _divide(a: Any, b: Any) -> Any:
    return None if b == 0 else a / b


def _op_constant(fn: Callable[[Any, Any], Any], left: Fn, constant: Any) -> Fn:
    def run(record: Mapping) -> Any:
        a = left(record)
        return None if a is None else fn(a, constant)
    return run


def _field_op_constant(fn: Callable[[Any, Any], Any], path: str, constant: Any) -> Fn:
    def run(record: Mapping) -> Any:
        a = record.get(path)
        return None if a is None else fn(a, constant)
    return run


def _join(parts: list[Fn | str]) -> Fn:
    """The text of ``parts`` (closures, or constant text) written one after the other."""
    head = ""
    pieces: list[tuple[Fn, str]] = []  # each closure with the constant text after it
    for part in parts:
        if isinstance(part, str):
            if pieces:
                pieces[-1] = (pieces[-1][0], pieces[-1][1] + part)
            else:
                head += part
        else:
            pieces.append((part, ""))

    def run(record: Mapping) -> str:
        text = head
        for piece, tail in pieces:
            value = piece(record)
            # text, the usual operand, needs no text_value
            text += (value if type(value) is str else text_value(value)) + tail
        return capped(text)
    return run



"""The formula AST: a few small dataclasses, stored in metadata as JSON beside the source text.

Every node carries ``pos``, the 0-based offset in the source of its operator (infix and prefix
operators) or of its first character (everything else), so that
the checker and the compilers can point at the place of a problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from metadata.messages import msg
from runtime.formula.errors import FormulaError

MAX_DEPTH = 64  # nesting of nodes; deeper formulas are refused when parsed or loaded

Value = int | float | str | bool | None


@dataclass(frozen=True, slots=True)
class Node:
    kind: ClassVar[str]
    pos: int

    def children(self) -> tuple[Node, ...]:
        return ()

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Literal(Node):
    """A number, a string, TRUE/FALSE or NULL."""

    kind = "literal"
    value: Value

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "pos": self.pos, "value": self.value}


@dataclass(frozen=True, slots=True)
class ListLiteral(Node):
    """``["金融", "制造"]``: only meaningful on the right of IN / NOT IN."""

    kind = "list"
    items: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.items

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "pos": self.pos, "items": [i.to_json() for i in self.items]}


@dataclass(frozen=True, slots=True)
class FieldRef(Node):
    """``{key}`` or ``{relation.key}`` (one hop through a single relation)."""

    kind = "field"
    key: str
    relation: str | None = None

    @property
    def path(self) -> str:
        return f"{self.relation}.{self.key}" if self.relation else self.key

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "pos": self.pos, "key": self.key, "relation": self.relation}


@dataclass(frozen=True, slots=True)
class Unary(Node):
    """``-x`` or ``NOT x``."""

    kind = "unary"
    op: str
    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "pos": self.pos, "op": self.op,
                "operand": self.operand.to_json()}


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """An infix operator: arithmetic, ``&``, comparisons, IN / NOT IN, AND, OR."""

    kind = "binary"
    op: str
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "pos": self.pos, "op": self.op,
                "left": self.left.to_json(), "right": self.right.to_json()}


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A function call, the name as written (English or a Chinese alias)."""

    kind = "call"
    name: str
    args: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.args

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "pos": self.pos, "name": self.name,
                "args": [a.to_json() for a in self.args]}


UNARY_OPS = ("-", "NOT")
BINARY_OPS = ("+", "-", "*", "/", "&", "=", "<>", "<", "<=", ">", ">=", "IN", "NOT IN",
              "AND", "OR")


def depth(node: Node) -> int:
    """Levels of nesting below and including ``node`` (iterative: safe on any input)."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in current.children())
    return deepest


def replace_nodes(node: Node, replacements: Mapping[int, Node]
                  ) -> tuple[Node, dict[int, Node]]:
    """``node`` with the nodes whose ids ``replacements`` holds replaced, the nodes above them
    rebuilt; and what each node of ``node`` became (by its id)."""
    became: dict[int, Node] = {}

    def walk(current: Node) -> Node:
        match current:
            case _ if id(current) in replacements:
                new = replacements[id(current)]
            case ListLiteral():
                new = ListLiteral(current.pos, tuple(walk(i) for i in current.items))
            case Unary():
                new = Unary(current.pos, current.op, walk(current.operand))
            case Binary():
                new = Binary(current.pos, current.op, walk(current.left), walk(current.right))
            case Call():
                new = Call(current.pos, current.name, tuple(walk(a) for a in current.args))
            case _:
                new = current
        became[id(current)] = new
        return new

    return walk(node), became


def from_json(data: Any, _level: int = 1) -> Node:
    """Rebuild a node from ``to_json`` output; malformed or too deep input raises FormulaError."""
    if _level > MAX_DEPTH:
        raise FormulaError(msg("the formula is nested more than %(n)s levels deep",
                               n=MAX_DEPTH))
    try:
        return _from_json(data, _level)
    except FormulaError:
        raise
    except (KeyError, TypeError, AttributeError, ValueError):
        raise FormulaError(msg("the stored formula is malformed")) from None


def _from_json(data: dict, level: int) -> Node:
    kind, pos = data["kind"], int(data["pos"])
    match kind:
        case "literal":
            value = data["value"]
            if value is not None and not isinstance(value, int | float | str | bool):
                raise TypeError
            return Literal(pos, value)
        case "list":
            return ListLiteral(pos, tuple(from_json(i, level + 1) for i in data["items"]))
        case "field":
            return FieldRef(pos, str(data["key"]), data.get("relation"))
        case "unary" if data["op"] in UNARY_OPS:
            return Unary(pos, data["op"], from_json(data["operand"], level + 1))
        case "binary" if data["op"] in BINARY_OPS:
            return Binary(pos, data["op"], from_json(data["left"], level + 1),
                          from_json(data["right"], level + 1))
        case "call":
            return Call(pos, str(data["name"]),
                        tuple(from_json(a, level + 1) for a in data["args"]))
    raise TypeError

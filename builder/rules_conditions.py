"""A rule's condition read back into the condition builder's rows: groups of field / operator /
value rows joined by AND or OR. The builder writes formulas such as
``{industry} = "金融" AND ({employees} > 500 OR {decision_maker} = TRUE)``; this reads such a
formula (written by it or by hand) into the same tree, or answers None when the formula says
more than rows can (arithmetic, functions, fields compared with fields): the editor then keeps
the raw formula. The formula language is the runtime's: parsed with its grammar, never here.

A tree: ``{"group": "AND" | "OR", "items": [tree | row]}``; a row:
``{"field": key, "op": op, "value": value}`` with ``op`` one of ``OPS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime.formula.ast import Binary, Call, FieldRef, ListLiteral, Literal, Node, Unary
from runtime.formula.errors import FormulaError
from runtime.formula.grammar import parse

COMPARE = ("=", "<>", ">", ">=", "<", "<=")
OPS = (*COMPARE, "in", "not_in", "contains", "blank", "not_blank", "true", "false")
LOGIC = ("AND", "OR")


class NotRows(Exception):
    """The formula says more than rows can."""


def condition_tree(source: str | None, fields: Mapping[str, Mapping]) -> dict | None:
    """The rows of ``source`` (None: not expressible as rows); ``fields``: the form's fields
    that rows may name, by key, each with its ``label`` text and ``choices``
    (``[{"value", "label"}]``) when it has them."""
    if not source or not source.strip():
        return {"group": "AND", "items": []}
    try:
        node = parse(source)
    except FormulaError:
        return None
    try:
        tree = _item(node, _Names(fields))
    except NotRows:
        return None
    return tree if "group" in tree else {"group": "AND", "items": [tree]}


class _Names:
    def __init__(self, fields: Mapping[str, Mapping]):
        self.fields = fields
        self.by_label = {str(f.get("label")): k for k, f in fields.items() if f.get("label")}

    def key(self, node: Node) -> str:
        if not isinstance(node, FieldRef) or node.relation is not None:
            raise NotRows
        key = node.key if node.key in self.fields else self.by_label.get(node.key)
        if key is None:
            raise NotRows
        return key

    def value(self, key: str, node: Node) -> Any:
        """A literal (a choice named by its label: its value), or ``DATE("…")``."""
        if isinstance(node, Call) and node.name.upper() == "DATE" and len(node.args) == 1 \
                and isinstance(node.args[0], Literal) and isinstance(node.args[0].value, str):
            return node.args[0].value
        if isinstance(node, Unary) and node.op == "-" and isinstance(node.operand, Literal) \
                and isinstance(node.operand.value, int | float):
            return -node.operand.value
        if not isinstance(node, Literal) or node.value is None or isinstance(node.value, bool):
            raise NotRows
        for choice in self.fields[key].get("choices") or []:
            if node.value in (choice.get("value"), choice.get("label"), choice.get("other")):
                return choice.get("value")
        return node.value


def _item(node: Node, names: _Names) -> dict:
    if isinstance(node, Binary) and node.op in LOGIC:
        items: list[dict] = []
        for part in (node.left, node.right):
            inner = _item(part, names)
            same = inner.get("group") == node.op
            items += inner["items"] if same else [inner]
        return {"group": node.op, "items": items}
    return _row(node, names)


def _row(node: Node, names: _Names) -> dict:
    if isinstance(node, Binary) and node.op in COMPARE:
        key = names.key(node.left)
        if isinstance(node.right, Literal) and isinstance(node.right.value, bool):
            if node.op != "=":
                raise NotRows
            return {"field": key, "op": "true" if node.right.value else "false"}
        return {"field": key, "op": node.op, "value": names.value(key, node.right)}
    if isinstance(node, Binary) and node.op in ("IN", "NOT IN"):
        key = names.key(node.left)
        if not isinstance(node.right, ListLiteral):
            raise NotRows
        return {"field": key, "op": "in" if node.op == "IN" else "not_in",
                "value": [names.value(key, item) for item in node.right.items]}
    if isinstance(node, Call) and node.name.upper() == "ISBLANK" and len(node.args) == 1:
        return {"field": names.key(node.args[0]), "op": "blank"}
    if isinstance(node, Call) and node.name.upper() == "CONTAINS" and len(node.args) == 2:
        key = names.key(node.args[0])
        return {"field": key, "op": "contains", "value": names.value(key, node.args[1])}
    if isinstance(node, Unary) and node.op == "NOT":
        inner = _row(node.operand, names)
        flipped = {"blank": "not_blank", "true": "false"}.get(inner["op"])
        if flipped is None:
            raise NotRows
        return {"field": inner["field"], "op": flipped}
    if isinstance(node, FieldRef):  # a yes/no field on its own
        return {"field": names.key(node), "op": "true"}
    raise NotRows

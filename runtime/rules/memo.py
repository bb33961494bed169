"""Scoring worked out once per kind of record: what a model's attributes give depends only on
the fields they read, and for a number field compared with constants only on where its value
lies among those constants. So the points of a record are kept under a key made of those
fields' values (numbers as the interval they fall in) and every other record of that kind
reads them from a dictionary: C-level look-ups in place of one closure call per attribute.

``reads_of`` says what a checked formula reads (None: it cannot be keyed: it reads a related
record, the clock or a sub-table); ``table_reads`` the same of a decision table of constant
outputs. ``Memo`` keeps the results, at most ``LIMIT`` of them (past it, records are worked
out each time: a key that never repeats costs one look-up more, nothing else); a record the
key cannot be made of (a missing field, a number written as text, a list) is worked out
directly.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from runtime.formula.ast import Binary, Call, FieldRef, Literal, Node
from runtime.formula.types import NUMERIC
from runtime.rules.cells import numbers

LIMIT = 20000
COMPARISONS = frozenset({"=", "<>", "<", "<=", ">", ">="})
FLIPPED = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
EXACT = 2.0 ** 52  # constants past it: the field is keyed as it is (see ``cuts``)


@dataclass(frozen=True)
class Reads:
    """The fields a formula's value depends on: ``raw`` as they are, ``bounds`` (number
    fields) only through comparisons with constants: the cuts between the intervals the
    comparisons tell apart (see ``cuts``)."""

    raw: frozenset[str] = frozenset()
    bounds: Mapping[str, frozenset[float]] = field(default_factory=dict)

    def __or__(self, other: Reads) -> Reads:
        bounds = {k: self.bounds.get(k, frozenset()) | other.bounds.get(k, frozenset())
                  for k in {*self.bounds, *other.bounds}}
        return Reads(self.raw | other.raw, bounds)


def reads_of(checked: Any) -> Reads | None:
    """What the checked formula reads, or None when its value may depend on more than its
    record's own fields (a relation, TODAY/NOW, a sub-table)."""
    raw: set[str] = set()
    bounds: dict[str, set[float]] = {}
    stack: list[Node] = [checked.node]
    while stack:
        node = stack.pop()
        if isinstance(node, FieldRef):
            if node.relation is not None:
                return None
            raw.add(node.key)
        elif isinstance(node, Call):
            fn = checked.registry.get(node.name) if checked.registry is not None else None
            if fn is None or getattr(fn, "volatile", True) or fn.aggregate:
                return None
            stack.extend(node.args)
        elif isinstance(node, Binary) and node.op in COMPARISONS and \
                (bound := _bound(checked, node)) is not None:
            bounds.setdefault(bound[0], set()).update(bound[1])
        else:
            stack.extend(node.children())
    return Reads(frozenset(raw), {k: frozenset(v) for k, v in bounds.items() if k not in raw})


def _bound(checked: Any, node: Binary) -> tuple[str, frozenset[float]] | None:
    """``{number field} <op> constant`` (either way round): the field and its cuts."""
    for ref, other, op in ((node.left, node.right, node.op),
                           (node.right, node.left, FLIPPED[node.op])):
        if isinstance(ref, FieldRef) and isinstance(other, Literal) \
                and ref.relation is None and checked.type_of(ref) in NUMERIC \
                and type(other.value) in (int, float) and abs(other.value) < EXACT:
            return ref.key, cuts(op, float(other.value))
    return None


def cuts(op: str, c: float) -> frozenset[float]:
    """Where ``value <op> c`` may change, as points ``bisect_right`` counts a value past
    once it is at or above them: ``c`` itself when ``c`` goes with the values above it
    (``< c``, ``>= c``), the next double when it goes with those below (``> c``, ``<= c``),
    both when it stands alone (``=``, ``<>``). Exact for ints and doubles below 2**52."""
    if op in ("<", ">="):
        return frozenset({c})
    above = math.nextafter(c, math.inf)
    return frozenset({above}) if op in (">", "<=") else frozenset({c, above})


def table_reads(table: Any) -> Reads | None:
    """What a decision table of constant outputs reads (None: a column reads a formula or
    another table, or its outputs are worked out per record)."""
    if getattr(table, "mapped", None) is None:
        return None
    raw: set[str] = set()
    bounds: dict[str, set[float]] = {}
    for c, column in enumerate(table.columns):
        if column.field is None:
            return None
        if column.kind == "number":
            found = {float(n) for row in table.tests for n in numbers(row[c])}
            if any(abs(n) >= EXACT for n in found):
                raw.add(column.field)
            for n in found:
                bounds.setdefault(column.field, set()).update(cuts("=", n))
        else:
            raw.add(column.field)
    return Reads(frozenset(raw), {k: frozenset(v) for k, v in bounds.items() if k not in raw})


def combined(reads: Iterable[Reads]) -> Reads:
    out = Reads()
    for r in reads:
        out = out | r
    return out


def memoize(reads: Reads, compute: Callable[[Mapping], Any]) -> Callable[[Mapping], Any]:
    """``compute`` kept per key of what ``reads`` reads (see the module): ``values -> result``
    (shared: read it, never change it). Up to three number fields the key is worked out in
    line (the hot path of every write; fewer are padded with a field's second reading)."""
    results: dict[Any, Any] = {}
    raw = sorted(reads.raw)
    numeric = [(k, tuple(sorted(b))) for k, b in sorted(reads.bounds.items())]
    if not numeric or len(numeric) > 3:
        key = _keyer(raw, numeric)

        def kept(values: Mapping) -> Any:
            try:
                k = key(values)
                found = results.get(k)
            except (KeyError, TypeError):  # a field missing, a decimal, a list
                return compute(values)
            return found if found is not None else _miss(results, k, compute, values)
        return kept
    plain = itemgetter(*raw) if raw else (lambda values: None)
    (p1, b1), (p2, b2), (p3, b3) = (numeric + [(numeric[0][0], ())] * 2)[:3]

    def kept3(values: Mapping) -> Any:
        try:
            v1, v2, v3 = values[p1], values[p2], values[p3]
            t1, t2, t3 = v1.__class__, v2.__class__, v3.__class__
            k = (plain(values),
                 bisect_right(b1, v1) if t1 is int or t1 is float else _blank(v1),
                 bisect_right(b2, v2) if t2 is int or t2 is float else _blank(v2),
                 bisect_right(b3, v3) if t3 is int or t3 is float else _blank(v3))
            found = results.get(k)
        except (KeyError, TypeError):
            return compute(values)
        return found if found is not None else _miss(results, k, compute, values)
    return kept3


def _miss(results: dict, key: Any, compute: Callable[[Mapping], Any], values: Mapping) -> Any:
    found = compute(values)
    if len(results) < LIMIT:
        results[key] = found
    return found


def _keyer(raw: list[str], numeric: list[tuple[str, tuple[float, ...]]]
           ) -> Callable[[Mapping], Any]:
    """``values -> key``: the raw fields' values and, per number field, how many of its cuts
    its value is at or above (-1 when blank; TypeError for anything but an int or a float,
    e.g. a decimal: worked out directly)."""
    plain = itemgetter(*raw) if raw else (lambda values: None)
    if not numeric:
        return plain
    return lambda values: (plain(values), *(_atom(values[p], b) for p, b in numeric))


def _atom(value: Any, cuts: tuple[float, ...]) -> int:
    kind = value.__class__
    return bisect_right(cuts, value) if kind is int or kind is float else _blank(value)


def _blank(value: Any) -> int:
    if value is None:
        return -1
    raise TypeError(value)

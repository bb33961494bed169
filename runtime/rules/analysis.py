"""Gaps, overlaps and shadowed rows of a decision table, in words a business user reads.

Each input column's values are cut into finitely many *atoms* that every cell of the column
either takes whole or leaves: a select field's choices; for numbers, the points the cells name
and the stretches between them; for other text, the values the cells name and "any other
value". A row is then a box (a set of atoms per column), and the questions are set questions:
two rows overlap when their boxes meet; a combination is a gap when no box holds it; a row is
shadowed under FIRST when the rows above it hold its whole box. Blank inputs are left out (a
table is written for filled-in records).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from metadata.errors import pointer
from metadata.messages import Message, listing, msg, texts
from runtime.rules.cells import Test, accepts, numbers
from runtime.rules.decisions import SINGLE, Column, choice_value, map_values, parse_rows

MAX_BOXES = 5000  # beyond this many pieces the gap search stops (and says so)
MAX_ROWS = 500  # a longer table is not analysed (the checks would take seconds)
MAX_GAPS = 5
OTHER = object()  # "any other value" of a text column
Box = tuple[frozenset[int], ...]


@dataclass(frozen=True)
class Finding:
    """One thing the analysis found: ``kind`` overlap, gap, shadowed, never or too_big;
    ``severity`` error (the hit policy is broken) or warning."""

    kind: str
    severity: str
    path: str  # JSON Pointer inside the table ("/rows/4"; "" for the table)
    message: Message
    rows: tuple[int, ...] = ()  # 1-based, as the grid numbers them


@dataclass
class _Axis:
    """A column's atoms: a value standing for each, and how to name a set of them."""

    column: Column
    values: list[Any] = field(default_factory=list)  # one representative per atom
    spans: list[tuple] = field(default_factory=list)  # numbers: (low, low_in, high, high_in)

    def name(self, atoms: frozenset[int]) -> str:
        if self.column.kind == "number":
            return _interval_words(self.column, self.spans, atoms)
        words = [_value_word(self.column, self.values[a]) for a in sorted(atoms)]
        return listing(words)


def analyse(table: Mapping, columns: Sequence[Column]) -> list[Finding]:
    """What is wrong or worth a look in ``table`` (cells that do not parse are left to the
    checks: their rows count as ``-`` here)."""
    rows, _errors = parse_rows(table)
    if not rows or not columns:
        return []
    if len(rows) > MAX_ROWS:
        return [Finding("too_big", "warning", "", msg(
            "The table has more than %(n)s rows: it is not checked for gaps and overlaps",
            n=MAX_ROWS))]
    rows = [[map_values(t, lambda v, c=col: choice_value(c.choices, v)) for t, col
             in zip(row, columns, strict=True)] for row in rows]
    axes = [_axis(col, [row[c] for row in rows]) for c, col in enumerate(columns)]
    boxes = [_box(row, axes) for row in rows]
    policy = table.get("hit_policy", "unique")
    findings = [Finding("never", "warning", pointer("rows", r),
                        msg("Row %(row)s can never match: one of its cells accepts no value",
                            row=r + 1), (r + 1,))
                for r, box in enumerate(boxes) if any(not s for s in box)]
    if policy in ("unique", "any"):
        findings += _overlaps(table, boxes, axes, policy)
    if policy == "first":
        findings += _shadowed(boxes, axes)
    if policy in SINGLE:  # the others answer a combination no row covers with no rows
        findings += _gaps(boxes, axes)
    return findings


def _axis(column: Column, tests: list[Test]) -> _Axis:
    if column.kind == "number":
        return _number_axis(column, tests)
    if column.kind == "choice" and column.choices:
        return _Axis(column, [value for value, _label in column.choices])
    if column.kind == "boolean":
        return _Axis(column, [True, False])
    named: list = []
    for test in tests:
        for value in test.values():
            if value not in named:
                named.append(value)
    return _Axis(column, [*named, OTHER])


def _number_axis(column: Column, tests: list[Test]) -> _Axis:
    points = sorted({v for t in tests for v in numbers(t)})
    whole = column.integer and all(isinstance(p, int) for p in points)
    axis = _Axis(column)
    edges = [-math.inf, *points, math.inf]
    for i in range(len(edges) - 1):
        low, high = edges[i], edges[i + 1]
        if i > 0:
            axis.values.append(low)
            axis.spans.append((low, True, low, True))
        inside = _between(low, high, whole)
        if inside is not None:
            axis.values.append(inside)
            axis.spans.append((low, False, high, False))
    return axis


def _between(low: float, high: float, whole: bool) -> float | None:
    """A number strictly between ``low`` and ``high`` (None: there is none worth naming)."""
    if low == -math.inf:
        return high - 1 if high != math.inf else 0
    if high == math.inf:
        return low + 1
    if whole:
        return low + 1 if high - low > 1 else None
    return (low + high) / 2


def _box(row: list[Test], axes: list[_Axis]) -> Box:
    box = []
    for test, axis in zip(row, axes, strict=True):
        pred = test.predicate()
        box.append(frozenset(i for i, v in enumerate(axis.values) if accepts(pred, v)))
    return tuple(box)


def _meet(a: Box, b: Box) -> Box | None:
    out = tuple(x & y for x, y in zip(a, b, strict=True))
    return None if any(not s for s in out) else out


def _where(box: Box, axes: list[_Axis]) -> str:
    """A combination in words: ``华东 × A产品 × 员工数 ≥ 500`` (columns taking any value are
    left out)."""
    parts = [axis.name(atoms) for atoms, axis in zip(box, axes, strict=True)
             if len(atoms) < len(axis.values)]
    if not parts:
        return msg("every input")
    out = parts[0]
    for part in parts[1:]:
        out = msg("%(a)s × %(b)s", a=out, b=part)
    return out


def _overlaps(table: Mapping, boxes: list[Box], axes: list[_Axis], policy: str
              ) -> list[Finding]:
    found = []
    outputs = [r.get("then") for r in table.get("rows") or []]
    for j in range(len(boxes)):
        for i in range(j):
            common = _meet(boxes[i], boxes[j])
            if common is None or (policy == "any" and outputs[i] == outputs[j]):
                continue
            found.append(Finding("overlap", "error", pointer("rows", j), msg(
                "Rows %(a)s and %(b)s overlap on %(where)s", a=i + 1, b=j + 1,
                where=_where(common, axes)), (i + 1, j + 1)))
    return found


def _shadowed(boxes: list[Box], axes: list[_Axis]) -> list[Finding]:
    found = []
    for j, box in enumerate(boxes):
        if any(not s for s in box):
            continue
        above = [i for i in range(j) if _meet(boxes[i], box) is not None]
        rest, _complete = _subtract([box], [boxes[i] for i in above])
        if above and not rest:
            found.append(Finding("shadowed", "warning", pointer("rows", j), msg(
                "Row %(row)s is never reached: the rows above it (%(rows)s) already cover "
                "everything it matches", row=j + 1, rows=listing([str(i + 1) for i in above])),
                (j + 1, *(i + 1 for i in above))))
    return found


def _gaps(boxes: list[Box], axes: list[_Axis]) -> list[Finding]:
    whole = tuple(frozenset(range(len(axis.values))) for axis in axes)
    rest, complete = _subtract([whole], boxes)
    if not complete:
        return [Finding("too_big", "warning", "", msg(
            "The table has too many combinations to check for gaps"))]
    found = [Finding("gap", "warning", "", msg("No row covers %(where)s",
                                               where=_where(box, axes)))
             for box in rest[:MAX_GAPS]]
    if len(rest) > MAX_GAPS:
        found.append(Finding("gap", "warning", "", msg(
            "and %(n)s more combinations no row covers", n=len(rest) - MAX_GAPS)))
    return found


def _subtract(pieces: list[Box], cuts: Sequence[Box]) -> tuple[list[Box], bool]:
    """What of ``pieces`` no box of ``cuts`` holds, as disjoint boxes; False when it grew
    past MAX_BOXES (the answer is then incomplete)."""
    for cut in cuts:
        out: list[Box] = []
        for piece in pieces:
            if _meet(piece, cut) is None:
                out.append(piece)
                continue
            head = list(piece)
            for c, atoms in enumerate(piece):
                outside = atoms - cut[c]
                if outside:
                    out.append((*head[:c], outside, *piece[c + 1:]))
                head[c] = atoms & cut[c]
        pieces = out
        if len(pieces) > MAX_BOXES:
            return pieces, False
    return pieces, True


def _value_word(column: Column, value: Any) -> str:
    if value is OTHER:
        return msg("another %(column)s", column=texts(column.label or column.key))
    for choice, label in column.choices:
        if choice == value:
            return texts(label) if label else str(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


def _interval_words(column: Column, spans: list[tuple], atoms: frozenset[int]) -> str:
    """Runs of neighbouring atoms as intervals: ``员工数 ≥ 500``, ``员工数 [500..1000)``."""
    runs, current = [], None
    for a in sorted(atoms):
        low, low_in, high, high_in = spans[a]
        if current is not None and current[2] == low and (current[3] or low_in):
            current = (current[0], current[1], high, high_in)
        else:
            if current is not None:
                runs.append(current)
            current = (low, low_in, high, high_in)
    runs.append(current)
    name = texts(column.label or column.key)
    return listing([msg("%(column)s %(range)s", column=name, range=_interval(*run))
                    for run in runs])


def _interval(low: float, low_in: bool, high: float, high_in: bool) -> str:
    def num(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else str(x)
    if low == high:
        return f"= {num(low)}"
    if low == -math.inf:
        return f"{'≤' if high_in else '<'} {num(high)}"
    if high == math.inf:
        return f"{'≥' if low_in else '>'} {num(low)}"
    return f"{'[' if low_in else '('}{num(low)}..{num(high)}{']' if high_in else ')'}"

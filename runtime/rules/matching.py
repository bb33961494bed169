"""Which rows of a decision table match a record, as one integer bit mask per record.

Compiling cuts each input column's values into *atoms* that every cell of the column accepts
whole or not at all (blank; for numbers the points the cells name and the stretches between
them; otherwise the values the cells name and "any other value") and keeps, per column and
atom, the mask of the rows whose cell accepts it. Evaluating a record is then, per column, one
dict look-up or one bisection and one AND: no cell test runs at evaluation time.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from runtime.rules.cells import Test, accepts, is_any, numbers

OTHER = object()  # a value no cell names
Locate = Callable[[Mapping], int]  # record -> the atom its value falls into


MAX_COMBINATIONS = 20_000  # up to this many, every combination's rows are worked out once


@dataclass(frozen=True)
class Matcher:
    """``mask(record)``: the matching rows; ``combination(record)``: the index of the record's
    combination of atoms in ``masks`` (None when there are too many combinations to list)."""

    mask: Callable[[Mapping], int]
    combination: Callable[[Mapping], int] | None
    masks: tuple[int, ...]
    locators: tuple[Locate, ...] = ()  # per deciding column: record -> its atom
    sizes: tuple[int, ...] = ()  # per deciding column: how many atoms

    def lookup(self, answers: tuple) -> Callable[[Mapping], Any]:
        """``record -> answers[the record's combination]``, in as few calls as it takes."""
        combination = self.combination
        if len(self.locators) == 1:
            (first,) = self.locators
            return lambda record: answers[first(record)]
        if len(self.locators) == 2:
            (first, second), n = self.locators, self.sizes[1]
            return lambda record: answers[first(record) * n + second(record)]
        return lambda record: answers[combination(record)]


def build_matcher(rows: Sequence[Sequence[Test]], columns: Sequence[Any]) -> Matcher:
    full = (1 << len(rows)) - 1
    parts = []
    for c, column in enumerate(columns):
        tests = [row[c] for row in rows]
        if all(is_any(t) for t in tests):
            continue  # a column of `-` only decides nothing
        locate, values = (_number_atoms(tests, column) if column.kind == "number"
                          else _value_atoms(tests, column))
        accept = [0] * len(values)
        for r, test in enumerate(tests):
            pred = test.predicate()
            for a, value in enumerate(values):
                if accepts(pred, value):
                    accept[a] |= 1 << r
        parts.append((locate, tuple(accept)))
    mask = _masker(full, tuple(parts))
    sizes = [len(accept) for _locate, accept in parts]
    if math.prod(sizes) > MAX_COMBINATIONS:
        return Matcher(mask, None, ())
    masks = [full]
    for _locate, accept in parts:
        masks = [m & a for m in masks for a in accept]
    locators = tuple(p[0] for p in parts)
    return Matcher(mask, _combiner(locators, sizes), tuple(masks), locators, tuple(sizes))


def _combiner(locators: tuple[Locate, ...], sizes: list[int]) -> Callable[[Mapping], int]:
    if not locators:
        return lambda record: 0
    if len(locators) == 1:
        return locators[0]
    if len(locators) == 2:
        first, second = locators
        n = sizes[1]
        return lambda record: first(record) * n + second(record)
    strides = [math.prod(sizes[i + 1:]) for i in range(len(sizes))]
    pairs = tuple(zip(locators, strides, strict=True))
    return lambda record: sum(locate(record) * stride for locate, stride in pairs)


def _masker(full: int, parts: tuple) -> Callable[[Mapping], int]:
    if len(parts) == 1:
        ((locate, accept),) = parts
        return lambda record: accept[locate(record)]
    if len(parts) == 2:
        (locate1, accept1), (locate2, accept2) = parts
        return lambda record: accept1[locate1(record)] & accept2[locate2(record)]

    def mask(record: Mapping) -> int:
        m = full
        for locate, accept in parts:
            m &= accept[locate(record)]
            if not m:
                return 0
        return m
    return mask


def _value_atoms(tests: list[Test], column: Any) -> tuple[Locate, list]:
    """Atoms of a column of texts, choices or TRUE/FALSE: each named value, any other value,
    and blank."""
    named: list = [value for value, _label in getattr(column, "choices", ())]
    for test in tests:
        for value in test.values():
            if value is not None and value not in named:
                named.append(value)
    index = {value: i for i, value in enumerate(named)}
    other = len(named)
    index[None] = other + 1  # blank
    key, read = getattr(column, "field", None), column.read
    if key is not None:
        def locate_field(record: Mapping) -> int:
            try:
                return index.get(record.get(key), other)
            except TypeError:  # unhashable (a list): a value no cell names
                return other
        return locate_field, [*named, OTHER, None]

    def locate(record: Mapping) -> int:
        try:
            return index.get(read(record), other)
        except TypeError:
            return other
    return locate, [*named, OTHER, None]


def _number_atoms(tests: list[Test], column: Any) -> tuple[Locate, list]:
    """Atoms of a number column: blank, then below the first point, the first point, between
    it and the next, ... above the last point."""
    bounds = sorted({float(n) for t in tests for n in numbers(t)})
    n = len(bounds)
    values: list = [None]
    edges = [bounds[0] - 1 if bounds else 0.0]
    for i, b in enumerate(bounds):
        edges += [b, (b + bounds[i + 1]) / 2 if i + 1 < n else b + 1]
    values += edges

    key = getattr(column, "field", None)
    read = column.read if key is None else (lambda record: record.get(key))

    def locate(record: Mapping) -> int:
        value = read(record) if key is None else record.get(key)
        if value.__class__ is not int and value.__class__ is not float:
            value = _number(value)
            if value is None:
                return 0
        i = bisect_left(bounds, value)
        return 1 + 2 * i + (i < n and bounds[i] == value)
    return locate, values


def _number(value: Any) -> float | None:
    """A value of a number column as a float (decimals as text, as the API gives them)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def rows_of(mask: int) -> list[int]:
    """The rows a mask holds, in order."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out

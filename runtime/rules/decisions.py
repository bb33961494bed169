"""Decision tables: input columns with cell tests, output columns, and a DMN hit policy,
compiled once per version into closures (pure: no Flask, no SQL).

A table document (inside a ruleset's ``tables``)::

    {"key": "routing", "hit_policy": "first",
     "inputs": [{"key": "region", "field": "province"}, {"key": "size", "formula": "{employees}"}],
     "outputs": [{"key": "team", "values": ["key_accounts", "smb"]}],
     "rows": [{"when": ["\"华东\"", ">= 500"], "then": ["key_accounts"]}, ...]}

An output cell is a plain JSON value or ``{"formula": "..."}`` worked out on the record.
Hit policies (DMN 1.3): ``unique`` (at most one row matches), ``any`` (rows that match agree),
``first`` (the first in row order), ``priority`` (the match whose outputs come first in their
columns' ``values``), ``rule_order`` (every match, in row order), ``output_order`` (every match,
by priority), ``collect`` (every match; with ``aggregation`` sum, min, max or count: one number).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from metadata.messages import msg
from runtime.rules.cells import AnyOf, CellError, Compare, Not, OneOf, Test, parse_cell
from runtime.rules.matching import Matcher, build_matcher, rows_of

HIT_POLICIES = ("unique", "any", "first", "priority", "rule_order", "output_order", "collect")
AGGREGATIONS = ("sum", "min", "max", "count")
SINGLE = frozenset({"unique", "any", "first", "priority"})  # give one result (or None)
Getter = Callable[[Mapping], Any]
Compile = Callable[[str], Getter]  # a formula's source -> a closure over the record


class DecisionError(ValueError):
    """A table that breaks its hit policy on a record (e.g. two rows match under UNIQUE)."""


@dataclass(frozen=True)
class Column:
    """An input column: how its value is read, and what kind of value it is (``number``,
    ``choice`` with its ``choices`` (value, label) pairs, ``text`` or ``boolean``)."""

    key: str
    label: Any
    read: Getter
    kind: str = "text"
    choices: tuple[tuple[Any, Any], ...] = ()
    integer: bool = False  # a number column of whole numbers (no values between 1 and 2)
    field: str | None = None  # read straight from the record's field (a faster path)


def field_reader(key: str, kind: str) -> Getter:
    """How a column reads a field of the record: numbers written as text (decimals, as the
    records API gives them) are read as numbers."""
    if kind != "number":
        return lambda record: record.get(key)

    def number(record: Mapping) -> Any:
        value = record.get(key)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                return None
        return value
    return number


@dataclass(frozen=True)
class CompiledTable:
    key: str
    hit_policy: str
    aggregation: str | None
    columns: tuple[Column, ...]
    tests: tuple[tuple[Test, ...], ...]  # per row, per column
    outputs: tuple[str, ...]
    evaluate: Callable[[Mapping], Any]  # record -> the hit policy's result
    matches: Callable[[Mapping], list[int]]  # record -> the 0-based rows that match
    # a table of constant outputs: ``mapped(fn)`` is ``record -> fn(evaluate(record))`` as one
    # look-up (fn applied once per combination, here); None for the others
    mapped: Callable[[Callable[[Any], Any]], Callable[[Mapping], Any]] | None = None


def parse_rows(table: Mapping) -> tuple[list[list[Test]], list[tuple[int, int, CellError]]]:
    """Every row's cell tests, and the cells that do not parse: (row, column, error)."""
    rows, errors = [], []
    width = len(table.get("inputs") or [])
    for r, row in enumerate(table.get("rows") or []):
        cells = list(row.get("when") or [])
        cells += [None] * (width - len(cells))
        parsed = []
        for c, cell in enumerate(cells[:width]):
            try:
                parsed.append(parse_cell(cell))
            except CellError as exc:
                errors.append((r, c, exc))
                parsed.append(parse_cell(None))
        rows.append(parsed)
    return rows, errors


def compile_table(table: Mapping, columns: Sequence[Column], compile_formula: Compile
                  ) -> CompiledTable:
    """The table as closures; ``columns`` say how each input is read (see ``Column``)."""
    rows, errors = parse_rows(table)
    if errors:
        r, c, exc = errors[0]
        raise DecisionError(msg("row %(row)s, column %(column)s: %(error)s", row=r + 1,
                                column=c + 1, error=exc.message))
    rows = [[_bind(t, col) for t, col in zip(row, columns, strict=True)] for row in rows]
    outputs = tuple(o["key"] for o in table.get("outputs") or [])
    results = [_row_output(row.get("then") or [], outputs, compile_formula)
               for row in table.get("rows") or []]
    matcher = build_matcher(rows, columns)
    policy = table.get("hit_policy", "unique")
    evaluate = _policy(policy, table, matcher.mask, results)
    mapped = None
    if matcher.combination is not None and all(hasattr(r, "constant") for r in results):
        evaluate, mapped = _precomputed(matcher, policy, table, results)
    mask = matcher.mask
    return CompiledTable(table.get("key", ""), policy, table.get("aggregation"),
                         tuple(columns), tuple(map(tuple, rows)), outputs, evaluate,
                         lambda record: rows_of(mask(record)), mapped)


def _precomputed(matcher: Matcher, policy: str, table: Mapping, results: list
                 ) -> tuple[Callable[[Mapping], Any], Any]:
    """A table whose outputs are all constants: the result of every combination of input
    atoms worked out once, so evaluating is one look-up (the results are shared: read them,
    never change them); and, when no combination fails, ``mapped``."""
    answers = []
    for m in matcher.masks:
        try:
            answers.append(_policy(policy, table, lambda record, m=m: m, results)({}))
        except DecisionError as exc:
            answers.append(exc)
    combination = matcher.combination
    if not any(isinstance(a, DecisionError) for a in answers):
        def mapped(fn: Callable[[Any], Any]) -> Callable[[Mapping], Any]:
            return matcher.lookup(tuple(fn(a) for a in answers))
        return matcher.lookup(tuple(answers)), mapped

    def evaluate(record: Mapping) -> Any:
        answer = answers[combination(record)]
        if isinstance(answer, DecisionError):
            raise answer
        return answer
    return evaluate, None


def _bind(test: Test, column: Column) -> Test:
    """A test whose text values name choices by label as well: the value they stand for."""
    if column.kind != "choice" or not column.choices:
        return test
    return map_values(test, lambda v: choice_value(column.choices, v))


def map_values(test: Test, fn: Callable[[Any], Any]) -> Test:
    """``test`` with each literal it compares with replaced by ``fn(literal)``."""
    if isinstance(test, Compare):
        return Compare(test.op, fn(test.value))
    if isinstance(test, OneOf):
        return OneOf(tuple(fn(v) for v in test.options))
    if isinstance(test, Not):
        return Not(map_values(test.inner, fn))
    if isinstance(test, AnyOf):
        return AnyOf(tuple(map_values(t, fn) for t in test.tests))
    return test  # a range compares numbers only


def choice_value(choices: Sequence[tuple[Any, Any]], written: Any) -> Any:
    """The choice ``written`` names (by value, or by one of its labels); else itself."""
    for value, _label in choices:
        if written == value:
            return value
    for value, label in choices:
        texts = label.values() if isinstance(label, Mapping) else [label]
        if written in texts:
            return value
    return written


def _row_output(cells: Sequence[Any], outputs: Sequence[str], compile_formula: Compile
                ) -> Callable[[Mapping], dict]:
    """A closure giving a row's outputs: constants are built once, formulas per record."""
    constant, formulas = {}, []
    for key, cell in zip(outputs, list(cells) + [None] * (len(outputs) - len(cells)),
                         strict=False):
        if isinstance(cell, Mapping) and "formula" in cell:
            formulas.append((key, compile_formula(cell["formula"])))
        else:
            constant[key] = cell
    if not formulas:
        fixed = lambda record: dict(constant)  # noqa: E731
        fixed.constant = constant
        return fixed

    def output(record: Mapping) -> dict:
        out = dict(constant)
        for key, fn in formulas:
            out[key] = fn(record)
        return out
    return output


def _policy(policy: str, table: Mapping, mask: Callable[[Mapping], int],
            results: list[Callable]) -> Callable[[Mapping], Any]:
    if policy == "first":
        def first(record: Mapping) -> dict | None:
            m = mask(record)
            return results[(m & -m).bit_length() - 1](record) if m else None
        return first
    if policy in ("unique", "any"):
        return _unique(policy, mask, results)
    if policy in ("priority", "output_order"):
        rank = _ranker(table)
        if policy == "priority":
            return lambda record: next(iter(_ordered(record, mask, results, rank)), None)
        return lambda record: _ordered(record, mask, results, rank)
    if policy == "rule_order":
        return lambda record: [results[r](record) for r in rows_of(mask(record))]
    if policy == "collect":
        return _collect(table, mask, results)
    raise DecisionError(msg("unknown hit policy %(policy)s", policy=policy))


def _unique(policy: str, mask: Callable, results: list[Callable]) -> Callable:
    def unique(record: Mapping) -> dict | None:
        m = mask(record)
        if not m:
            return None
        low = m & -m
        first = results[low.bit_length() - 1](record)
        if m != low:
            found = rows_of(m)
            others = [results[r](record) for r in found[1:]]
            if policy == "unique" or any(o != first for o in others):
                raise DecisionError(msg("rows %(rows)s all match (hit policy %(policy)s)",
                                        rows=", ".join(str(r + 1) for r in found),
                                        policy=policy.upper()))
        return first
    return unique


def _ranker(table: Mapping) -> Callable[[dict], tuple]:
    """A sort key: each output's position in its column's ``values`` (unlisted: last)."""
    orders = [(o["key"], {repr(v): i for i, v in enumerate(o.get("values") or [])})
              for o in table.get("outputs") or []]
    return lambda out: tuple(order.get(repr(out.get(key)), len(order)) for key, order in orders)


def _ordered(record: Mapping, mask: Callable, results: list[Callable],
             rank: Callable[[dict], tuple]) -> list[dict]:
    return sorted((results[r](record) for r in rows_of(mask(record))), key=rank)


def _collect(table: Mapping, mask: Callable, results: list[Callable]) -> Callable:
    aggregation = table.get("aggregation")
    if not aggregation:
        return lambda record: [results[r](record) for r in rows_of(mask(record))]
    if aggregation == "count":
        return lambda record: mask(record).bit_count()
    key = (table.get("outputs") or [{}])[0].get("key")
    reduce = {"sum": sum, "min": min, "max": max}[aggregation]

    def collect(record: Mapping) -> Any:
        values = [v for r in rows_of(mask(record))
                  if isinstance(v := results[r](record).get(key), int | float)
                  and not isinstance(v, bool)]
        if not values:
            return 0 if aggregation == "sum" else None
        return reduce(values)
    return collect

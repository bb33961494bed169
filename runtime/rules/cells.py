"""The cell tests of a decision table's input columns, parsed once, with positioned errors.

A cell is what a business user types into the grid::

    -                    any value (an empty cell too)
    "华东"   华东   500     equal to the value (quotes optional for a word)
    = "华东"  <> 3        equal, not equal
    > 500  >= 1  < 0.5   compared (numbers)
    IN ["金融", "制造"]    one of; NOT IN [...] none of
    [500..1000)          a range: [ ] include the end, ( ) leave it out
    NOT(> 500)           the opposite of a test
    "金融", "制造"         one of the tests separated by commas

``parse_cell`` gives a ``Test``; ``Test.predicate()`` a fast closure ``value -> bool``. The tests
are plain data, so the analyser (``decisions_analysis``) reasons over them as well.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from metadata.messages import msg

Predicate = Callable[[Any], bool]
COMPARE = {"=": operator.eq, "<>": operator.ne, "!=": operator.ne, "<": operator.lt,
           "<=": operator.le, ">": operator.gt, ">=": operator.ge}
ORDERED = frozenset({"<", "<=", ">", ">="})
TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>"[^"]*"|“[^”]*”|'[^']*')
  | (?P<number>-?\d+(?:\.\d+)?(?![^\W\d]))
  | (?P<range>\.\.)
  | (?P<op><>|!=|<=|>=|=|<|>)
  | (?P<punct>[\[\]\(\),，])
  | (?P<word>[^\s"“'\[\]\(\),，=<>!]+)
""", re.VERBOSE)
KEYWORDS = {"NOT", "IN", "TRUE", "FALSE", "NULL"}


class CellError(ValueError):
    """A cell that does not parse: a message and the 0-based position in the cell's text."""

    def __init__(self, message: str, position: int):
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass(frozen=True)
class Test:
    """What one cell asks of its input's value."""

    def predicate(self) -> Predicate:
        raise NotImplementedError

    def values(self) -> tuple:
        """The literal values the test names (for the domains of text inputs)."""
        return ()


@dataclass(frozen=True)
class AnyValue(Test):
    def predicate(self) -> Predicate:
        return lambda value: True


@dataclass(frozen=True)
class Compare(Test):
    op: str
    value: Any

    def predicate(self) -> Predicate:
        fn, constant = COMPARE[self.op], self.value
        if self.op == "=":
            return lambda value: value == constant
        if self.op in ORDERED:
            return lambda value: value is not None and fn(value, constant)
        return lambda value: fn(value, constant)

    def values(self) -> tuple:
        return (self.value,)


@dataclass(frozen=True)
class OneOf(Test):
    options: tuple

    def predicate(self) -> Predicate:
        options = frozenset(self.options)

        def one_of(value: Any) -> bool:
            try:
                return value in options
            except TypeError:  # an unhashable value (a list) is none of them
                return False
        return one_of

    def values(self) -> tuple:
        return self.options


@dataclass(frozen=True)
class Range(Test):
    low: Any
    high: Any
    low_closed: bool = True
    high_closed: bool = False

    def predicate(self) -> Predicate:
        low, high = self.low, self.high
        above = operator.ge if self.low_closed else operator.gt
        below = operator.le if self.high_closed else operator.lt
        return lambda value: value is not None and above(value, low) and below(value, high)


@dataclass(frozen=True)
class Not(Test):
    inner: Test

    def predicate(self) -> Predicate:
        inner = self.inner.predicate()
        return lambda value: not inner(value)

    def values(self) -> tuple:
        return self.inner.values()


@dataclass(frozen=True)
class AnyOf(Test):
    tests: tuple[Test, ...]

    def predicate(self) -> Predicate:
        preds = tuple(t.predicate() for t in self.tests)
        return lambda value: any(p(value) for p in preds)

    def values(self) -> tuple:
        return tuple(v for t in self.tests for v in t.values())


def is_any(test: Test) -> bool:
    return isinstance(test, AnyValue)


def numbers(test: Test) -> list:
    """The numbers a test names: the points where what it accepts may change."""
    if isinstance(test, Compare):
        return [test.value] if _is_number(test.value) else []
    if isinstance(test, OneOf):
        return [v for v in test.options if _is_number(v)]
    if isinstance(test, Range):
        return [test.low, test.high]
    if isinstance(test, Not):
        return numbers(test.inner)
    if isinstance(test, AnyOf):
        return [n for t in test.tests for n in numbers(t)]
    return []


def accepts(test_predicate: Predicate, value: Any) -> bool:
    """Whether a test's predicate accepts ``value`` (a value it cannot compare: no)."""
    try:
        return bool(test_predicate(value))
    except TypeError:
        return False


def parse_cell(text: Any) -> Test:
    """The test a cell's text writes; a JSON number, TRUE/FALSE or null is an equality."""
    if text is None or (isinstance(text, str) and text.strip() in ("", "-")):
        return AnyValue()
    if isinstance(text, bool | int | float):
        return Compare("=", text)
    if not isinstance(text, str):
        raise CellError(msg("a cell must be a text, a number, TRUE/FALSE or empty"), 0)
    parser = _Parser(text)
    test = parser.tests()
    parser.end()
    return test


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = list(_tokens(text))
        self.at = 0

    def peek(self) -> tuple[str, str, int]:
        if self.at < len(self.tokens):
            return self.tokens[self.at]
        return ("end", "", len(self.text))

    def take(self, kind: str | None = None, value: str | None = None) -> tuple[str, str, int]:
        token = self.peek()
        if (kind and token[0] != kind) or (value and token[1].upper() != value):
            wanted = value or {"end": msg("the end"), "punct": msg("a bracket"),
                                     "range": ".."}.get(kind, kind)
            raise CellError(_expected(wanted, token), token[2])
        self.at += 1
        return token

    def end(self) -> None:
        kind, text, pos = self.peek()
        if kind != "end":
            raise CellError(msg("unexpected %(text)s: one test per cell, or tests separated "
                                "by commas", text=text), pos)

    def tests(self) -> Test:
        found = [self.test()]
        while self.peek()[1] in (",", "，"):
            self.take()
            found.append(self.test())
        return found[0] if len(found) == 1 else AnyOf(tuple(found))

    def test(self) -> Test:
        kind, text, pos = self.peek()
        if kind == "word" and text.upper() == "NOT":
            self.take()
            if self.peek()[0] == "word" and self.peek()[1].upper() == "IN":
                self.take()
                return Not(OneOf(self.listing()))
            self.take("punct", "(")
            inner = self.tests()
            self.take("punct", ")")
            return Not(inner)
        if kind == "word" and text.upper() == "IN":
            self.take()
            return OneOf(self.listing())
        if kind == "op":
            self.take()
            value, vpos = self.value()
            if text in ORDERED and not _is_number(value):
                raise CellError(msg("%(op)s compares numbers: write a number after it", op=text),
                                vpos)
            return Compare("!=" if text == "<>" else text, value)
        if kind == "punct" and text in "[(":
            return self.range()
        if kind == "word" and text == "-":
            raise CellError(msg("- (any value) stands alone in its cell"), pos)
        return Compare("=", self.value()[0])

    def listing(self) -> tuple:
        self.take("punct", "[")
        values = [self.value()[0]]
        while self.peek()[1] in (",", "，"):
            self.take()
            values.append(self.value()[0])
        self.take("punct", "]")
        return tuple(values)

    def range(self) -> Test:
        _kind, opening, pos = self.take()
        low, lpos = self.value()
        self.take("range")
        high, hpos = self.value()
        kind, closing, cpos = self.peek()
        if kind != "punct" or closing not in ")]":
            raise CellError(_expected(msg("] or ) to close the range"), self.peek()), cpos)
        self.take()
        for value, where in ((low, lpos), (high, hpos)):
            if not _is_number(value):
                raise CellError(msg("a range goes from one number to another, e.g. "
                                    "[500..1000)"), where)
        if low > high or (low == high and not (opening == "[" and closing == "]")):
            raise CellError(msg("the range is empty: its start must be below its end"), pos)
        return Range(low, high, opening == "[", closing == "]")

    def value(self) -> tuple[Any, int]:
        kind, text, pos = self.peek()
        if kind == "string":
            self.take()
            return text[1:-1], pos
        if kind == "number":
            self.take()
            return (float(text) if "." in text else int(text)), pos
        if kind == "word" and text.upper() not in ("NOT", "IN"):
            self.take()
            upper = text.upper()
            return {"TRUE": True, "FALSE": False, "NULL": None}.get(upper, text), pos
        raise CellError(_expected(msg("a value"), (kind, text, pos)), pos)


def _tokens(text: str):
    pos = 0
    while pos < len(text):
        found = TOKEN.match(text, pos)
        if found is None:
            raise CellError(msg("unexpected %(text)s", text=text[pos]), pos)
        if found.lastgroup != "space":
            yield (found.lastgroup, found.group(), pos)
        pos = found.end()


def _expected(wanted: Any, token: tuple[str, str, int]) -> str:
    if token[0] == "end":
        return msg("%(wanted)s is missing at the end", wanted=wanted)
    return msg("expected %(wanted)s, found %(found)s", wanted=wanted, found=token[1])


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)

"""The cell tests of decision tables: what each accepts, and errors with their positions."""

from __future__ import annotations

import pytest

from runtime.rules.cells import (
    AnyOf,
    AnyValue,
    CellError,
    Compare,
    Not,
    OneOf,
    Range,
    parse_cell,
)


@pytest.mark.parametrize("text, test", [
    ("-", AnyValue()), ("", AnyValue()), (None, AnyValue()), ("  -  ", AnyValue()),
    ('= "华东"', Compare("=", "华东")), ('"华东"', Compare("=", "华东")),
    ("华东", Compare("=", "华东")), ("“华东”", Compare("=", "华东")),
    ("> 500", Compare(">", 500)), (">= 1", Compare(">=", 1)), ("< 0.5", Compare("<", 0.5)),
    ("<> 3", Compare("!=", 3)), ("500", Compare("=", 500)), (500, Compare("=", 500)),
    ("-5", Compare("=", -5)), ("TRUE", Compare("=", True)), (False, Compare("=", False)),
    ('IN ["金融","制造"]', OneOf(("金融", "制造"))),
    ('in ["金融", 制造]', OneOf(("金融", "制造"))),
    ('NOT IN ["金融"]', Not(OneOf(("金融",)))),
    ("[500..1000)", Range(500, 1000, True, False)),
    ("(0..1]", Range(0, 1, False, True)),
    ("[1..1]", Range(1, 1, True, True)),
    ("NOT(> 500)", Not(Compare(">", 500))),
    ('NOT("华东", "华北")', Not(AnyOf((Compare("=", "华东"), Compare("=", "华北"))))),
    ('"金融", "制造"', AnyOf((Compare("=", "金融"), Compare("=", "制造")))),
    ("A产品", Compare("=", "A产品")),
])
def test_parses(text, test):
    assert parse_cell(text) == test


@pytest.mark.parametrize("text, value, expected", [
    ("-", None, True), ("> 500", 501, True), ("> 500", 500, False), ("> 500", None, False),
    ("[500..1000)", 500, True), ("[500..1000)", 1000, False), ("[500..1000)", 999.5, True),
    ('IN ["金融","制造"]', "制造", True), ('IN ["金融","制造"]', "零售", False),
    ("NOT(> 500)", 3, True), ('NOT IN ["a"]', "b", True), ("<> 3", None, True),
    ('"a", "b"', "b", True), ("= 1", 1.0, True),
])
def test_predicates(text, value, expected):
    assert parse_cell(text).predicate()(value) is expected


@pytest.mark.parametrize("text, position, words", [
    ("> 华东", 2, "compares numbers"),
    ("[500..abc)", 6, "from one number to another"),
    ("[1000..500)", 0, "empty"),
    ("[500..1000", 10, "is missing at the end"),
    ('IN ["a", "b"', 12, "is missing at the end"),
    ("NOT > 5", 4, "expected ("),
    ("> 5 6", 4, "unexpected 6"),
    ("=", 1, "a value is missing"),
    ("- 5", 0, "stands alone"),
    ('"unclosed', 0, "unexpected"),
])
def test_errors_say_where(text, position, words):
    with pytest.raises(CellError) as caught:
        parse_cell(text)
    assert caught.value.position == position
    assert words in caught.value.message


def test_a_cell_of_another_json_type_is_refused():
    with pytest.raises(CellError):
        parse_cell(["a"])

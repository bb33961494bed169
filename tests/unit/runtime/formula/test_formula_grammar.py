"""The grammar: what parses into which AST, and where and how bad input is reported."""

from __future__ import annotations

import json

import pytest

from runtime.formula.ast import (
    MAX_DEPTH,
    Binary,
    Call,
    FieldRef,
    ListLiteral,
    Literal,
    Unary,
    from_json,
)
from runtime.formula.errors import FormulaError
from runtime.formula.grammar import parse


def test_the_design_example_parses():
    node = parse('IF(AND({industry} IN ["金融","制造"], {employees} > 500), 25, 0)')
    assert isinstance(node, Call) and node.name == "IF"
    cond = node.args[0]
    assert isinstance(cond, Call) and cond.name == "AND"
    member = cond.args[0]
    assert member == Binary(18, "IN", FieldRef(7, "industry"),
                            ListLiteral(21, (Literal(22, "金融"), Literal(27, "制造"))))


@pytest.mark.parametrize("source, expected", [
    ("1 + 2 * 3", Binary(2, "+", Literal(0, 1), Binary(6, "*", Literal(4, 2), Literal(8, 3)))),
    ("(1 + 2) * 3", Binary(8, "*", Binary(3, "+", Literal(1, 1), Literal(5, 2)), Literal(10, 3))),
    ("2 × 3 ÷ 4", Binary(6, "/", Binary(2, "*", Literal(0, 2), Literal(4, 3)), Literal(8, 4))),
    ("-{a}", Unary(0, "-", FieldRef(1, "a"))),
    ("{a} != 1", Binary(4, "<>", FieldRef(0, "a"), Literal(7, 1))),
    ("{a} & 'x' = \"y\"", Binary(10, "=", Binary(4, "&", FieldRef(0, "a"), Literal(6, "x")),
                                 Literal(12, "y"))),
    ("{company.name}", FieldRef(0, "name", "company")),
    ("'it''s'", Literal(0, "it's")),
    ("“中文”", Literal(0, "中文")),
    ("true OR False and NOT null", Binary(5, "OR", Literal(0, True),
                                          Binary(14, "AND", Literal(8, False),
                                                 Unary(18, "NOT", Literal(22, None))))),
    ("{x} not in [1, 2.5]", Binary(4, "NOT IN", FieldRef(0, "x"),
                                   ListLiteral(11, (Literal(12, 1), Literal(15, 2.5))))),
    ("如果({x} > 1，'a'，'b')", Call(0, "如果", (Binary(7, ">", FieldRef(3, "x"), Literal(9, 1)),
                                            Literal(11, "a"), Literal(15, "b")))),
    ("and({a}, {b})", Call(0, "and", (FieldRef(4, "a"), FieldRef(9, "b")))),
    ("TODAY()", Call(0, "TODAY", ())),
    ("{android} or {notes}", Binary(10, "OR", FieldRef(0, "android"), FieldRef(13, "notes"))),
])
def test_valid_formulas(source, expected):
    assert parse(source) == expected


@pytest.mark.parametrize("source, message, column", [
    ("{a} + 1 +", "expected a value after '+' at column 9", 9),
    ("1 + * 2", "expected a value after '+', found '*' at column 3", 3),
    ('1 & "abc', "unclosed string: the text starting here has no closing quote at column 5", 5),
    ("1 $ 2", "unknown character '$' at column 3", 3),
    ("IF({a} > 1, 2", "missing ')' to close the '(' at column 3", 3),
    ("(1))", "')' has nothing to close at column 4", 4),
    ("1 2", "unexpected '2' — is an operator or a comma missing before it? at column 3", 3),
    ("f(1,)", "expected a value after ',', found ')' at column 4", 4),
    ("amount > 1", "'amount' is not a value: write a field as {amount}", 1),
    ("{a.b.c}", "{a.b.c} goes more than one step through related forms", 1),
    ("{a", "unclosed field reference", 1),
    ("99999999999999999999", "the number 99999999999999999999 is too large", 1),
])
def test_errors_say_what_and_where(source, message, column):
    with pytest.raises(FormulaError) as info:
        parse(source)
    assert info.value.message.startswith(message)
    assert info.value.column == column
    assert info.value.position == column - 1
    assert info.value.line == 1


def test_errors_on_a_later_line_give_line_and_column():
    with pytest.raises(FormulaError) as info:
        parse("1 +\n  (2")
    assert (info.value.line, info.value.column, info.value.position) == (2, 3, 6)
    assert "line 2, column 3" in info.value.message


def test_empty_and_oversized_formulas_are_refused():
    with pytest.raises(FormulaError, match="empty"):
        parse("  ")
    with pytest.raises(FormulaError, match="longer than"):
        parse("1+" * 6000 + "1")


def test_nesting_is_bounded_without_recursion_errors():
    parse("(" * (MAX_DEPTH - 1) + "1" + ")" * (MAX_DEPTH - 1))
    parse("(" * 3000 + "1" + ")" * 3000)  # grouping adds no node
    for source in ("-(" * 3000 + "1" + ")" * 3000, "-" * 5000 + "1", "1" + "+1" * 100):
        with pytest.raises(FormulaError, match="nested more than 64 levels"):
            parse(source)


def test_ast_round_trips_through_json():
    node = parse('IF(AND({industry} IN ["金融", NULL], -{n} >= 1.5), {c.name} & "x", TRUE)')
    assert from_json(json.loads(json.dumps(node.to_json()))) == node


@pytest.mark.parametrize("data", [
    {"kind": "nope", "pos": 0}, {"kind": "literal"}, {"kind": "literal", "pos": 0, "value": {}},
    {"kind": "binary", "pos": 0, "op": "**", "left": {}, "right": {}}, [], None,
])
def test_malformed_json_is_refused(data):
    with pytest.raises(FormulaError, match="malformed"):
        from_json(data)


def test_deep_json_is_refused():
    data: dict = {"kind": "literal", "pos": 0, "value": 1}
    for _ in range(200):
        data = {"kind": "unary", "pos": 0, "op": "-", "operand": data}
    with pytest.raises(FormulaError, match="nested"):
        from_json(data)

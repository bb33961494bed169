"""The type checker: types of good formulas, and messages with positions for bad ones."""

from __future__ import annotations

import pytest

from runtime.fields.registry import build_field_registry
from runtime.formula.checker import check
from runtime.formula.errors import FormulaError
from runtime.formula.functions import Function, FunctionRegistry
from runtime.formula.grammar import parse
from runtime.formula.registry import build_function_registry
from runtime.formula.types import FType, scope_of_form
from tests.unit.runtime.formula.formula_support import REGISTRY, SCOPE


@pytest.mark.parametrize("source, expected", [
    ('IF(AND({city} IN ["金融","制造"], {employees} > 500), 25, 0)', FType.INTEGER),
    ("{employees} / 2", FType.NUMBER),
    ("{employees} * 2 + {score}", FType.INTEGER),
    ("{amount} + 1", FType.NUMBER),
    ("{company.name} & {employees}", FType.TEXT),
    ("如果({vip}, 1, 2.5)", FType.NUMBER),
    ("COALESCE({signed}, TODAY())", FType.DATE),
    ('"金融" IN {tags} OR CONTAINS({tags}, "制造")', FType.BOOLEAN),
    ("DAYS_BETWEEN({signed}, {seen}) >= 3", FType.BOOLEAN),
    ("IF({vip}, NULL, 'x')", FType.TEXT),
])
def test_result_types(source, expected):
    assert check(source, SCOPE, REGISTRY).type == expected


@pytest.mark.parametrize("source, message, column", [
    ("{employes} > 1", "{employes} is not a field of 线索 — did you mean {employees}?", 1),
    ("1 + {company.nme}", "{company.nme} is not a field of 公司 — did you mean {company.name}?",
     5),
    ("{owner.name}", "{owner} is not a link to one record of another form in 线索", 1),
    ("IFF({vip}, 1, 2)", "IFF is not a known function — did you mean IF?", 1),
    ("IF({employees}, 1, 2)", "the condition of IF must be TRUE/FALSE, not a whole number", 4),
    ('{name} + 1', "use & to join text, + only adds numbers", 8),
    ("{signed} + 1", "'+' does not work on dates: use DATEADD", 1),
    ("LEN()", "LEN takes 1 argument, not 0: LEN(text)", 1),
    ("IF({vip}, 1, 'a')", "the values of IF must all be of one type", 14),
    ("{name} IN [1, 2]", "the list holds a whole number, which cannot be compared with text", 12),
    ("{name} IN []", "the list after IN is empty", 11),
    ("{name} IN [NULL]", "NULL cannot be in a list", 12),
    ("{name} IN {name}", "IN needs a list", 11),
    ("[1, 2]", "a list [...] can only follow IN or NOT IN", 1),
    ("{signed} < {seen}", "cannot compare a date with a date and time", 10),
    ("ROUND({amount}, {score})", "the places of ROUND must be a whole number from 0 to 10", 17),
    # the column of the offending part of the pattern (RE2's syntax: no backtracking)
    ('REGEX_MATCH({name}, "(")', "the pattern is not a valid regular expression", 22),
    ('REGEX_MATCH({name}, "(a)\\1")', "the pattern uses \\1: back-references are not", 25),
    ('REGEX_MATCH({name}, "^x(?!y)")', "the pattern uses (?!: look-ahead and look-behind", 24),
    ('REGEX_MATCH({name}, "(?<=a)b")', "the pattern uses (?<=: look-ahead", 22),
    ('DATE("2024-02-30")', "DATE: day is out of range for month", 1),
    ("{amount} & 'x'", "& needs text or a whole number or a date, not a number", 1),
])
def test_messages_and_positions(source, message, column):
    with pytest.raises(FormulaError) as info:
        check(source, SCOPE, REGISTRY)
    assert info.value.message.startswith(message)
    assert info.value.column == column
    assert info.value.position == column - 1


def test_an_expected_result_type_is_enforced():
    check("{vip} OR NULL", SCOPE, REGISTRY, expected=FType.BOOLEAN)
    with pytest.raises(FormulaError, match="must give TRUE/FALSE, but it gives a whole number"):
        check("{employees}", SCOPE, REGISTRY, expected=FType.BOOLEAN)


def test_a_stored_ast_is_checked_without_its_source():
    with pytest.raises(FormulaError) as info:
        check(parse("1 + {nope}"), SCOPE, REGISTRY)
    assert (info.value.position, info.value.column) == (4, None)


def test_the_scope_of_a_form_document_follows_single_relations():
    forms = {
        "company": {"key": "company", "label": {"zh": "公司"}, "fields": [
            {"key": "name", "type": "text"}, {"key": "parent", "type": "relation",
                                              "config": {"target_form": "company"}}]},
        "lead": {"key": "lead", "label": {"zh": "线索", "en": "Lead"}, "fields": [
            {"key": "amount", "type": "decimal"}, {"key": "tags", "type": "multiselect"},
            {"key": "company", "type": "relation", "config": {"target_form": "company"}},
            {"key": "contacts", "type": "relation",
             "config": {"target_form": "company", "multiple": True}}]},
    }
    scope = scope_of_form(forms["lead"], forms.get, build_field_registry())
    assert scope.label == "线索"
    assert dict(scope.fields) == {"amount": FType.NUMBER, "tags": FType.TEXT_LIST}
    assert check("{company.name}", scope, REGISTRY).type == FType.TEXT
    for source in ("{contacts.name}", "{company.parent.name}"):
        with pytest.raises(FormulaError):
            check(source, scope, REGISTRY)


def test_function_names_are_unique_and_documented():
    registry = build_function_registry()
    assert len(registry) >= 33
    for fn in registry:
        assert fn.signature and fn.description, fn.name

    class Again(Function):
        name, aliases, signature = "LEN2", ("长度",), "LEN2(text)"

    with pytest.raises(ValueError, match="duplicate name '长度'"):
        build_function_registry((Again,))
    assert isinstance(FunctionRegistry(()), FunctionRegistry)

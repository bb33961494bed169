"""SUM, AVG and COUNT over a sub-table's rows: the scope learns sub-tables, the checker allows
their fields only inside these totals, and both compilers total the same rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from runtime.fields.registry import build_field_registry
from runtime.formula.checker import check
from runtime.formula.errors import FormulaError
from runtime.formula.sql import compile_sql
from runtime.formula.types import FType, scope_of_form
from tests.unit.runtime.formula.formula_support import REGISTRY, SCOPE, assert_agree

ITEMS = [{"sku": "a", "qty": 2, "price": "1.50"}, {"sku": None, "qty": None, "price": "2.25"},
         {"sku": "", "qty": 3, "price": None}]


@pytest.mark.parametrize("source, expected", [
    ("SUM({items.qty})", 5),
    ("SUM({items.price})", 3.75),
    ("AVG({items.qty})", 2.5),
    ("AVG({items.price}) * 2", 3.75),
    ("COUNT({items}) * 10 + COUNT({items.sku})", 32),
    ("计数({items}) + 求和({items.qty}) + 平均值({items.qty})", 10.5),
    ("IF(SUM({items.qty}) > 4, {name}, 'small')", "Ada"),
])
def test_totals_over_rows(formula_db, source, expected):
    assert_agree(formula_db, source, {"name": "Ada", "items": ITEMS}, expected)


@pytest.mark.parametrize("items", [None, []])
@pytest.mark.parametrize("source, expected", [
    ("SUM({items.qty})", 0), ("SUM({items.price})", 0.0), ("AVG({items.price})", None),
    ("COUNT({items})", 0), ("COUNT({items.sku})", 0),
])
def test_totals_without_rows(formula_db, items, source, expected):
    assert_agree(formula_db, source, {"items": items}, expected)


def test_totals_leave_out_empty_values(formula_db):
    rows = [{"qty": None, "price": None}]
    assert_agree(formula_db, "AVG({items.qty})", {"items": rows}, None)
    assert_agree(formula_db, "SUM({items.qty})", {"items": rows}, 0)
    assert_agree(formula_db, "COUNT({items}) & '/' & COUNT({items.qty})", {"items": rows},
                 "1/0")


@pytest.mark.parametrize("source, expected", [
    ("SUM({items.qty})", FType.INTEGER), ("SUM({items.price})", FType.NUMBER),
    ("AVG({items.qty})", FType.NUMBER), ("COUNT({items})", FType.INTEGER),
    ("COUNT({items.sku})", FType.INTEGER),
])
def test_result_types(source, expected):
    assert check(source, SCOPE, REGISTRY).type == expected


@pytest.mark.parametrize("source, message, column", [
    ("{items.qty} + 1", "{items.qty} belongs to the rows of the sub-table 明细: use it inside "
     "SUM, AVG or COUNT, e.g. SUM({items.qty})", 1),
    ("{items} = 1", "{items} belongs to the rows of the sub-table 明细: use it inside SUM, AVG "
     "or COUNT, e.g. COUNT({items})", 1),
    ("SUM({amount})", "SUM works on the rows of a sub-table: SUM({sub_table.field})", 5),
    ("COUNT(1)", "COUNT works on the rows of a sub-table: COUNT({sub_table})", 7),
    ("SUM({items.qty} * 2)", "SUM works on the rows of a sub-table", 17),
    ("SUM({items.sku})", "the field added up by SUM must be a number", 5),
    ("SUM({items})", "the field added up by SUM must be a number or a whole number, not the "
     "rows of a sub-table", 5),
    ("AVG({items.qtty})", "{items.qtty} is not a field of 明细 — did you mean {items.qty}?", 5),
    ("SUM({items.qty}, {items.qty})", "SUM takes 1 argument, not 2", 1),
])
def test_messages(source, message, column):
    with pytest.raises(FormulaError) as info:
        check(source, SCOPE, REGISTRY)
    assert info.value.message.startswith(message), info.value.message
    assert info.value.column == column


def test_the_scope_of_a_form_document_has_its_sub_tables():
    form = {"key": "order", "label": {"zh": "订单"}, "fields": [
        {"key": "customer", "type": "text"},
        {"key": "lines", "type": "sub_table", "label": {"zh": "明细", "en": "Lines"},
         "config": {"fields": [{"key": "qty", "type": "number"},
                               {"key": "price", "type": "decimal"},
                               {"key": "note", "type": "text"}]}}]}
    scope = scope_of_form(form, lambda key: None, build_field_registry())
    assert dict(scope.fields) == {"customer": FType.TEXT}
    assert scope.rows["lines"].label == "明细"
    assert dict(scope.rows["lines"].fields) == {"qty": FType.INTEGER, "price": FType.NUMBER,
                                                "note": FType.TEXT}
    assert check("SUM({lines.price}) + COUNT({lines})", scope, REGISTRY).type == FType.NUMBER
    with pytest.raises(FormulaError, match="{lines.note} belongs to the rows"):
        check("{lines.note}", scope, REGISTRY)


def test_sql_needs_the_rows_of_the_sub_table(formula_db):
    checked = check("COUNT({items})", SCOPE, REGISTRY)
    with pytest.raises(FormulaError, match="{items} cannot be used here"):
        compile_sql(checked, {}, formula_db.dialect, now=lambda: datetime(2026, 1, 1, tzinfo=UTC))

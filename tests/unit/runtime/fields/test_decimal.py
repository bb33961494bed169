from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from runtime.fields.base import FieldValueError
from runtime.fields.decimal import DecimalField

FLD = {"key": "amount", "type": "decimal", "label": "Amount", "config": {"currency": "CNY"}}
DECIMAL = DecimalField()


@pytest.mark.parametrize(("value", "expected"), [
    ("1,234.5", "1234.50"), ("¥1,234.50", "1234.50"), ("￥1,234.5", "1234.50"),
    ("1234.5元", "1234.50"), ("CNY 1,234.5", "1234.50"), ("RMB1234.5", "1234.50"),
    ("$ 99", "99.00"), ("-¥12.3", "-12.30"), ("１２３．４５", "123.45"), ("1 234.5", "1234.50"),
    (1234.5, "1234.50"), (0.1, "0.10"), (7, "7.00"), ("0.005", "0.01"), ("-0.005", "-0.01"),
    ("2.675", "2.68"), (2.675, "2.68"), ("-0.001", "0.00"), (".5", "0.50"), ("1e3", "1000.00"),
])
def test_amounts_become_exact_strings(value, expected):
    assert DECIMAL.coerce(value, FLD) == expected


@pytest.mark.parametrize("value", ["1,5", "1.234,5", "12,34.5", "1,2345"])
def test_commas_only_between_thousands(value):
    with pytest.raises(FieldValueError, match="decimal point"):
        DECIMAL.coerce(value, FLD)


def test_precision():
    assert DECIMAL.coerce("1.23456", {**FLD, "config": {"precision": 4}}) == "1.2346"
    assert DECIMAL.coerce("1.5", {**FLD, "config": {"precision": 0}}) == "2"
    assert DECIMAL.coerce("2.5", {**FLD, "config": {"precision": 0}}) == "3"  # half up, not even


@pytest.mark.parametrize("value", ["abc", "12abc", "1.2.3", "--1", True, [], {}, "NaN",
                                   "Infinity", float("nan"), float("inf"), "€"])
def test_not_numbers(value):
    with pytest.raises(FieldValueError):
        DECIMAL.coerce(value, FLD)


def test_blank_is_empty():
    assert DECIMAL.coerce(" ", FLD) is None


def test_at_most_18_digits():
    assert DECIMAL.coerce("9999999999999999.99", FLD) == "9999999999999999.99"
    with pytest.raises(FieldValueError, match="too large"):
        DECIMAL.coerce("10000000000000000", FLD)
    with pytest.raises(FieldValueError, match="too large"):
        DECIMAL.coerce(1e300, FLD)
    with pytest.raises(FieldValueError, match="too large"):
        DECIMAL.coerce("1e999", FLD)


def test_min_and_max():
    fld = {**FLD, "config": {"min": 0, "max": "100.5"}}
    assert DECIMAL.coerce("100.50", fld) == "100.50"
    with pytest.raises(FieldValueError, match="at least 0"):
        DECIMAL.coerce("-0.01", fld)
    with pytest.raises(FieldValueError, match="at most 100.5"):
        DECIMAL.coerce("100.51", fld)


def test_check_limits():
    fld = {**FLD, "config": {"min": "10", "max": 1}}
    assert [p.path for p in DECIMAL.check(fld, "/f", None)] == ["/f/config/min"]


def test_column_and_row():
    column_type = DECIMAL.column_type(FLD)
    assert isinstance(column_type, sa.Numeric)
    assert (column_type.precision, column_type.scale) == (18, 2)
    assert DECIMAL.to_row("1234.50", FLD) == {"amount": Decimal("1234.50")}
    assert DECIMAL.from_row({"amount": Decimal("1234.5")}, FLD) == "1234.50"
    assert DECIMAL.from_row({"amount": 1234.5}, FLD) == "1234.50"
    assert DECIMAL.from_row({"amount": 0.1 + 0.2}, FLD) == "0.30"
    assert DECIMAL.from_row({"amount": None}, FLD) is None


def test_sqlite_round_trip_and_comparisons():
    engine = sa.create_engine("sqlite://")
    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     *DECIMAL.columns(FLD))
    table.metadata.create_all(engine)
    values = ["0.10", "0.20", "1234.50", "-5.00"]
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"id": i, **DECIMAL.to_row(v, FLD)}
                                      for i, v in enumerate(values)])
        rows = conn.execute(sa.select(table).order_by(table.c.id)).mappings()
        assert [DECIMAL.from_row(r, FLD) for r in rows] == values
        total = conn.execute(sa.select(sa.func.sum(table.c.amount))).scalar()
        assert DECIMAL.coerce(str(total), FLD) == "1229.80"
        where = DECIMAL.filter_expression(table, FLD, "gt", "0.15")
        assert conn.execute(sa.select(table.c.id).where(where)).scalars().all() == [1, 2]


def test_display_with_currency_and_unit():
    assert DECIMAL.display("1234567.5", FLD, "zh") == "¥1,234,567.50"
    assert DECIMAL.display("-3.00", FLD, "en") == "-¥3.00"
    assert DECIMAL.display("3.00", {**FLD, "config": {"currency": "CHF"}}, "en") == "CHF 3.00"
    fld = {**FLD, "config": {"precision": 1, "unit": "kg"}}
    assert DECIMAL.display("2.5", fld, "en") == "2.5 kg"


def test_value_schema():
    schema = DECIMAL.value_schema(FLD)
    assert schema["type"] == ["string", "number"] and schema["pattern"]

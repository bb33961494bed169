from __future__ import annotations

import pytest

from runtime.fields.base import FieldValueError
from runtime.fields.number import NumberField

FLD = {"key": "employees", "type": "number", "label": "Employees"}
NUMBER = NumberField()


@pytest.mark.parametrize(("value", "expected"), [
    (12, 12), (-3, -3), (12.0, 12), ("12", 12), (" 1,234 ", 1234), ("1，234", 1234),
    ("-7", -7), (0, 0),
])
def test_whole_numbers(value, expected):
    assert NUMBER.coerce(value, FLD) == expected


@pytest.mark.parametrize("value", [12.5, "12.5", "abc", True, False, [], {}, "1e3"])
def test_not_whole_numbers(value):
    with pytest.raises(FieldValueError, match="whole number"):
        NUMBER.coerce(value, FLD)


def test_blank_is_empty():
    assert NUMBER.coerce("  ", FLD) is None


def test_64_bit_range():
    assert NUMBER.coerce(2**63 - 1, FLD) == 2**63 - 1
    with pytest.raises(FieldValueError, match="too large"):
        NUMBER.coerce(2**63, FLD)


def test_min_and_max():
    fld = {**FLD, "config": {"min": 1, "max": 10}}
    with pytest.raises(FieldValueError, match="at least 1"):
        NUMBER.coerce(0, fld)
    with pytest.raises(FieldValueError, match="at most 10"):
        NUMBER.coerce("11", fld)


def test_check_min_over_max():
    fld = {**FLD, "config": {"min": 5, "max": 1}}
    assert [p.path for p in NUMBER.check(fld, "/f", None)] == ["/f/config/min"]


def test_default_must_fit():
    fld = {**FLD, "config": {"max": 3}, "default": 5}
    assert [p.path for p in NUMBER.check(fld, "/f", None)] == ["/f/default"]


def test_display_groups_digits_and_shows_the_unit():
    assert NUMBER.display(1234567, {**FLD, "config": {"unit": "人"}}, "zh") == "1,234,567 人"
    assert NUMBER.display(None, FLD, "en") == ""

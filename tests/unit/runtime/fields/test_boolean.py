from __future__ import annotations

import pytest
import sqlalchemy as sa

from runtime.fields.base import FieldValueError
from runtime.fields.boolean import BooleanField

FLD = {"key": "vip", "type": "boolean", "label": "VIP"}
BOOLEAN = BooleanField()


@pytest.mark.parametrize(("value", "expected"), [
    (True, True), (False, False), ("true", True), ("FALSE", False), ("Yes", True), ("no", False),
    ("1", True), ("0", False), ("是", True), ("否", False), ("on", True), ("off", False),
    (" y ", True), (1, True), (0, False),
])
def test_yes_and_no(value, expected):
    assert BOOLEAN.coerce(value, FLD) is expected


@pytest.mark.parametrize("value", ["maybe", "2", 2, -1, 0.5, [], {}, [True]])
def test_anything_else_is_refused(value):
    with pytest.raises(FieldValueError, match="yes or no"):
        BOOLEAN.coerce(value, FLD)


def test_blank_is_empty():
    assert BOOLEAN.coerce("", FLD) is None


@pytest.mark.parametrize(("raw", "expected"), [
    ([], False), (["on"], True), (["true"], True), (["false"], False), (["false", "on"], True),
    ([""], False),
])
def test_parse_form_reads_a_check_box(raw, expected):
    assert BOOLEAN.parse_form(raw, FLD) is expected


def test_display_in_both_languages():
    assert (BOOLEAN.display(True, FLD, "zh"), BOOLEAN.display(False, FLD, "zh-CN")) == ("是", "否")
    assert (BOOLEAN.display(True, FLD, "en"), BOOLEAN.display(False, FLD, "en")) == ("Yes", "No")
    assert BOOLEAN.display(None, FLD, "en") == ""


def test_false_is_a_value_not_empty():
    assert not BOOLEAN.is_empty(False)


def test_capabilities():
    assert BOOLEAN.widget == "checkbox"
    assert BOOLEAN.can_group_by
    assert set(BOOLEAN.filter_ops) == {"eq", "ne", "isnull", "notnull"}
    assert isinstance(BOOLEAN.column_type(FLD), sa.Boolean)

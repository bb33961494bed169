from __future__ import annotations

import pytest

from runtime.fields.base import FieldValueError
from runtime.fields.textarea import TextAreaField

FLD = {"key": "notes", "type": "textarea", "label": "Notes"}
AREA = TextAreaField()


def test_newlines_are_kept_and_crlf_becomes_lf():
    assert AREA.coerce("one\r\ntwo\rthree\n\nfour", FLD) == "one\ntwo\nthree\n\nfour"


def test_only_the_ends_are_stripped():
    assert AREA.coerce("\n\n  first\n    indented  \n last  \n\n", FLD) == (
        "first\n    indented  \n last")


@pytest.mark.parametrize("value", [
    "😀 emoji 👨‍👩‍👧\nsecond line", "مرحبا\nبالعالم", "עברית \u202bRTL\u202c\nשורה",
    "中文，全角：标点！", "tabs\tand\u3000ideographic space",
])
def test_any_script_is_kept_exactly(value):
    assert AREA.coerce(value, FLD) == value


def test_blank_is_empty():
    assert AREA.coerce(" \r\n\t ", FLD) is None


def test_default_limit_is_20000_characters():
    assert len(AREA.coerce("字" * 20_000, FLD)) == 20_000
    with pytest.raises(FieldValueError, match="at most 20000"):
        AREA.coerce("字" * 20_001, FLD)


def test_configured_limits():
    fld = {**FLD, "config": {"min_length": 5, "max_length": 10}}
    with pytest.raises(FieldValueError, match="at least 5"):
        AREA.coerce("abc", fld)
    with pytest.raises(FieldValueError, match="at most 10"):
        AREA.coerce("a" * 11, fld)


@pytest.mark.parametrize("value", [True, [], {"a": 1}])
def test_other_json_is_refused(value):
    with pytest.raises(FieldValueError):
        AREA.coerce(value, FLD)


def test_parse_form_keeps_the_text_for_coerce():
    assert AREA.parse_form(["line 1\r\nline 2"], FLD) == "line 1\r\nline 2"
    assert AREA.parse_form(["  \r\n "], FLD) is None
    assert AREA.parse_form([], FLD) is None


def test_check_min_over_max():
    fld = {**FLD, "config": {"min_length": 50, "max_length": 10}}
    assert [p.path for p in AREA.check(fld, "/f", None)] == ["/f/config/min_length"]


def test_searchable_text_column():
    assert AREA.searchable
    assert AREA.column_type(FLD).__class__.__name__ == "Text"

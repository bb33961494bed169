from __future__ import annotations

import time

import pytest

from runtime.fields.base import FieldValueError
from runtime.fields.text import TextField

FLD = {"key": "name", "type": "text", "label": "Name"}
TEXT = TextField()


@pytest.mark.parametrize("value", [
    "Ada Lovelace", "张三", "😀👍🏽 family 👨‍👩‍👧", "مرحبا بالعالم", "שלום \u202bעולם\u202c",
    "tab\tinside", "a  b",
])
def test_text_is_kept_exactly_apart_from_the_ends(value):
    assert TEXT.coerce(f"  {value}\n", FLD) == value


def test_decomposed_accents_become_composed():
    assert TEXT.coerce("Cafe\u0301", FLD) == "Caf\u00e9"


def test_blank_is_empty():
    assert TEXT.coerce("", FLD) is None
    assert TEXT.coerce("   ", FLD) is None


def test_numbers_become_text():
    assert TEXT.coerce(42, FLD) == "42"


@pytest.mark.parametrize("value", [True, None, [], {}, ["a"]])
def test_other_json_is_refused(value):
    with pytest.raises(FieldValueError, match="must be a text"):
        TEXT.coerce(value, FLD)


def test_length_limits():
    fld = {**FLD, "config": {"min_length": 2, "max_length": 5}}
    assert TEXT.coerce("abcde", fld) == "abcde"
    with pytest.raises(FieldValueError, match="at most 5"):
        TEXT.coerce("abcdef", fld)
    with pytest.raises(FieldValueError, match="at least 2"):
        TEXT.coerce("a", fld)
    assert TEXT.coerce(" ", fld) is None  # blank is empty, not too short


def test_length_counts_characters_not_bytes():
    assert TEXT.coerce("汉" * 255, FLD) == "汉" * 255
    with pytest.raises(FieldValueError):
        TEXT.coerce("汉" * 256, FLD)


def test_pattern():
    fld = {**FLD, "config": {"pattern": "[A-Z]{3}-\\d+", "pattern_message": "must look like ABC-1"}}
    assert TEXT.coerce("ABC-12", fld) == "ABC-12"
    with pytest.raises(FieldValueError, match="must look like ABC-1"):
        TEXT.coerce("abc-12", fld)


def test_check_reports_a_bad_pattern_and_limits():
    fld = {**FLD, "config": {"pattern": "([a-z", "min_length": 9, "max_length": 3}}
    paths = {p.path for p in TEXT.check(fld, "/fields/0", None)}
    assert paths == {"/fields/0/config/pattern", "/fields/0/config/min_length"}


def test_a_pattern_runs_in_linear_time():
    """Python's re takes exponential time for (a+)+$ on "aaa…a!" (2 s at 24 characters);
    patterns run on RE2, which never backtracks."""
    fld = {**FLD, "config": {"pattern": "(a+)+$", "max_length": 10_000}}
    started = time.perf_counter()
    with pytest.raises(FieldValueError, match="must match"):
        TEXT.coerce("a" * 9_999 + "!", fld)
    assert TEXT.coerce("a" * 10_000, fld) == "a" * 10_000
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("pattern, words", [
    ("(a)\\1", "back-references"), ("\\d+(?=x)", "look-ahead"), ("(?<!x)y", "look-behind"),
])
def test_patterns_re2_cannot_run_are_refused_when_saved(pattern, words):
    (problem,) = TEXT.check({**FLD, "config": {"pattern": pattern}}, "/fields/0", None)
    assert problem.path == "/fields/0/config/pattern" and words in problem.message


def test_unicode_classes_in_patterns():
    fld = {**FLD, "config": {"pattern": "\\p{Han}+(有限)?公司"}}
    assert TEXT.coerce("北京某某有限公司", fld) == "北京某某有限公司"
    with pytest.raises(FieldValueError):
        TEXT.coerce("ACME Ltd", fld)


def test_column_is_sized_by_max_length():
    assert TEXT.column_type(FLD).length == 255
    assert TEXT.column_type({**FLD, "config": {"max_length": 2000}}).__class__.__name__ == "Text"

from __future__ import annotations

import pytest

from runtime.fields.base import FieldValueError
from runtime.fields.phone import PhoneField

FLD = {"key": "mobile", "type": "phone", "label": "Mobile"}
PHONE = PhoneField()


@pytest.mark.parametrize(("value", "expected"), [
    ("138 0013 8000", "+8613800138000"),
    ("13800138000", "+8613800138000"),
    ("138-0013-8000", "+8613800138000"),
    ("+86 138 0013 8000", "+8613800138000"),
    ("0086 13800138000", "+8613800138000"),
    ("010-6552 9988", "+861065529988"),
    ("+1 650-253-0000", "+16502530000"),
    ("+44 20 7031 3000", "+442070313000"),
])
def test_numbers_are_stored_as_e164(value, expected):
    assert PHONE.coerce(value, FLD) == expected


def test_default_region_reads_national_numbers():
    fld = {**FLD, "config": {"default_region": "US"}}
    assert PHONE.coerce("(650) 253-0000", fld) == "+16502530000"


@pytest.mark.parametrize("value", ["12345", "138 0013", "not a phone", "+86 000 0000 0000",
                                   "1380013800012345"])
def test_invalid_numbers(value):
    with pytest.raises(FieldValueError, match="phone number"):
        PHONE.coerce(value, FLD)


@pytest.mark.parametrize("value", [13800138000, True, [], {"number": "138"}])
def test_numbers_must_be_written_as_text(value):
    with pytest.raises(FieldValueError, match="as text"):
        PHONE.coerce(value, FLD)


def test_blank_is_empty():
    assert PHONE.coerce("  ", FLD) is None


def test_mobile_only():
    fld = {**FLD, "config": {"mobile_only": True}}
    assert PHONE.coerce("13800138000", fld) == "+8613800138000"
    with pytest.raises(FieldValueError, match="not a mobile"):
        PHONE.coerce("010-6552 9988", fld)


def test_display_is_national_at_home_and_international_abroad():
    assert PHONE.display("+8613800138000", FLD, "zh") == "138 0013 8000"
    assert PHONE.display("+16502530000", FLD, "zh") == "+1 650-253-0000"
    assert PHONE.display(None, FLD, "zh") == ""


@pytest.mark.parametrize(("stored", "texts"), [
    ("+8613800138000", ["8613800138000", "013800138000"]),
    ("+861065529988", ["861065529988", "01065529988"]),  # 010-6552 9988, as Beijing writes it
    ("+16502530000", ["16502530000"]),  # another country: its own trunk prefix (1 here)
])
def test_numbers_are_found_by_their_digits_in_full_and_nationally(stored, texts):
    assert PHONE.search_text(stored, FLD) == texts


@pytest.mark.parametrize(("typed", "terms"), [
    ("138 0013 8000", ["13800138000"]),
    ("+86 (138) 0013-8000", ["8613800138000"]),
    ("0086 138 0013 8000", ["008613800138000", "8613800138000"]),
    ("8000", ["8000"]),
    ("wang", []),
    ("138 abc", []),
])
def test_a_search_looks_for_the_digits_typed(typed, terms):
    assert PHONE.search_terms(typed, FLD) == terms

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


EXT = {**FLD, "config": {"keep_extension": True}}
KEEP = {**FLD, "config": {"invalid": "keep"}}


@pytest.mark.parametrize(("value", "expected"), [
    ("＋８６　１３８　００１３　８０００", "+8613800138000"),  # full-width, from a Chinese keyboard
    ("(+86) 138-0013-8000", "+8613800138000"),
    ("86 138 0013 8000", "+8613800138000"),
    ("0086-10-6552-9988", "+861065529988"),
    ("+86 (0)10 6552 9988", "+861065529988"),
    ("tel:+86-10-6552-9988", "+861065529988"),
    ("（010）65529988", "+861065529988"),
    ("0755.8888.8888", "+8675588888888"),
    ("13800138000#", "+8613800138000"),
])
def test_messy_numbers(value, expected):
    assert PHONE.coerce(value, FLD) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("010-6552 9988 转 123", "+861065529988;ext=123"),
    ("010-65529988转8001", "+861065529988;ext=8001"),
    ("010-65529988 分机 8001", "+861065529988;ext=8001"),
    ("(010) 6552-9988 ext. 12", "+861065529988;ext=12"),
    ("0755-8888 8888-123", "+8675588888888;ext=123"),
    ("010 6552 9988 #66", "+861065529988;ext=66"),
    ("+1 650-253-0000 x42", "+16502530000;ext=42"),
    ("138 0013 8000", "+8613800138000"),
])
def test_extensions_kept_when_the_field_says_so(value, expected):
    assert PHONE.coerce(value, EXT) == expected
    assert PHONE.coerce(value, FLD) == expected.partition(";")[0]  # else dropped
    assert PHONE.coerce(expected, EXT) == expected  # cleaning again changes nothing


def test_extension_display_and_search():
    assert PHONE.display("+861065529988;ext=123", EXT, "zh") == "010 6552 9988 转 123"
    assert PHONE.display("+861065529988;ext=123", EXT, "en") == "010 6552 9988 ext. 123"
    assert PHONE.search_text("+861065529988;ext=123", EXT) == ["861065529988", "01065529988"]
    assert PHONE.column_type(EXT).length == 64 and PHONE.column_type(FLD).length == 20


@pytest.mark.parametrize("value", ["12345", "not a phone", "138 0013", "13800138000/13900139000"])
def test_invalid_numbers_kept_and_flagged_when_the_field_says_so(value):
    kept = PHONE.coerce(value, KEEP)
    assert kept == " ".join(value.split())
    assert PHONE.flag_of(kept, KEEP) == "invalid"
    assert PHONE.coerce(kept, KEEP) == kept
    assert PHONE.display(kept, KEEP, "zh") == kept
    assert PHONE.flag_of(PHONE.coerce("138 0013 8000", KEEP), KEEP) is None
    assert [c.name for c in PHONE.columns(KEEP)] == ["mobile", "mobile__flag"]
    assert PHONE.to_row(kept, KEEP) == {"mobile": kept, "mobile__flag": "invalid"}
    assert "flagged" in PHONE.operators(KEEP) and "flagged" not in PHONE.operators(FLD)


def test_kept_numbers_are_found_by_their_digits():
    assert PHONE.search_text("call 400-800", KEEP) == ["400800"]
    assert PHONE.search_text("n/a", KEEP) == []


def test_mobile_only_keeps_a_landline_flagged_when_kept():
    fld = {**FLD, "config": {"mobile_only": True, "invalid": "keep"}}
    assert PHONE.flag_of(PHONE.coerce("010-6552 9988", fld), fld) == "invalid"


def test_a_flagging_field_s_key_leaves_room_for_its_flag_column():
    fld = {**KEEP, "key": "p" * 58}
    assert [p.path for p in PHONE.check(fld, "/f", None)] == ["/f/key"]
    assert PHONE.check({**KEEP, "key": "p" * 57}, "/f", None) == []
    assert PHONE.check({**FLD, "key": "p" * 63}, "/f", None) == []  # no flags: no such column

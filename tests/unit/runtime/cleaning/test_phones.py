from __future__ import annotations

import pytest

from runtime.cleaning.phones import (
    clean_phone,
    is_e164,
    is_mobile,
    phone_kind,
    phone_place,
    without_extension,
)


@pytest.mark.parametrize(("text", "region", "expected"), [
    ("13800138000", "CN", "+8613800138000"),
    ("1 3 8 0 0 1 3 8 0 0 0", "CN", "+8613800138000"),
    ("+44 20 7946 0958", "CN", "+442079460958"),
    ("020 7946 0958", "GB", "+442079460958"),
    ("(650) 253-0000", "US", "+16502530000"),
    ("+81 3-1234-5678", "CN", "+81312345678"),
    ("0912 345 678", "TW", "+886912345678"),
    ("+852 5123 4567", "CN", "+85251234567"),
])
def test_international_numbers(text, region, expected):
    assert clean_phone(text, region).value == expected


@pytest.mark.parametrize(("value", "kind"), [
    ("+8613800138000", "mobile"), ("+861065529988", "landline"),
    ("+864008108888", "shared"), ("+868008101234", "toll_free"),
    ("+16502530000", "landline_or_mobile"), ("+447911123456", "mobile"),
    ("+861065529988;ext=12", "landline"), ("12345", None), (None, None),
])
def test_kinds(value, kind):
    assert phone_kind(value) == kind


def test_mobile_helper():
    assert is_mobile("+8613800138000") and is_mobile("+16502530000")
    assert not is_mobile("+861065529988") and not is_mobile("kept text")


@pytest.mark.parametrize(("value", "place"), [
    ("+861065529988", "北京市"),
    ("+8675588888888", "广东省深圳市"),
    ("+8657188888888", "浙江省杭州市"),
    ("+862887654321", "四川省成都市"),  # 028 serves 成都、资阳、眉山: the first
    ("+8613912345678", "江苏省常州市"),  # a mobile prefix
    ("+8619912345678", None),  # known only as China
    ("+16502530000", None),  # not Chinese
    ("kept text", None),
])
def test_places_from_area_codes_and_mobile_prefixes(value, place):
    assert phone_place(value) == place


def test_stored_forms():
    assert is_e164("+8613800138000") and is_e164("+861065529988;ext=1")
    assert not is_e164("13800138000") and not is_e164("+86 138") and not is_e164("+８６")
    assert without_extension("+861065529988;ext=1") == "+861065529988"


def test_problems_say_what_was_written():
    assert clean_phone("12345").problem == "'12345' is not a valid phone number"
    assert clean_phone("abc").problem == "'abc' is not a phone number"
    assert clean_phone("010-6552 9988", mobile_only=True).problem.startswith("'010-6552 9988'")
    assert clean_phone("   ").value is None and clean_phone("   ").problem is None

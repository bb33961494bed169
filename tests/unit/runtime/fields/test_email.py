from __future__ import annotations

import pytest

from runtime.fields.base import FieldValueError
from runtime.fields.email import EmailField

FLD = {"key": "email", "type": "email", "label": "Email"}
EMAIL = EmailField()


@pytest.mark.parametrize(("value", "expected"), [
    (" Zhang.San@Example.COM ", "Zhang.San@example.com"),
    ("a@b.cn", "a@b.cn"),
    ("first.last+tag@sub.Example.co.uk", "first.last+tag@sub.example.co.uk"),
    ("mailto:Bob@Example.org", "Bob@example.org"),
    ("zhang＠ＥＸＡＭＰＬＥ．ＣＯＭ", "zhang@example.com"),  # full-width, from a Chinese keyboard
    ("用户@例子.公司", "用户@例子.公司"),
    ("user@Bücher.DE", "user@bücher.de"),
    ("o'brien@example.ie", "o'brien@example.ie"),
])
def test_addresses(value, expected):
    assert EMAIL.coerce(value, FLD) == expected


@pytest.mark.parametrize("value", [
    "plainaddress", "a@@b.com", "a@b@c.com", "zhang san@example.com", "a@example",
    "a@-example.com", "a@example-.com", "a@exa mple.com", ".a@example.com", "a.@example.com",
    "a..b@example.com", "a@example.c", "a@example.123", "@example.com", "a@", "a@.com",
    "a" * 65 + "@example.com", "a@" + "b" * 64 + ".com",
])
def test_not_addresses(value):
    with pytest.raises(FieldValueError):
        EMAIL.coerce(value, FLD)


def test_at_most_254_characters():
    local = "a" * 64
    domain = ".".join(["b" * 60] * 3) + ".com"
    address = f"{local}@{domain}"
    assert len(address) < 254
    assert EMAIL.coerce(address, FLD) == address
    with pytest.raises(FieldValueError, match="254"):
        EMAIL.coerce(f"{local}@{'c' * 60}.{domain}", FLD)


@pytest.mark.parametrize("value", [1, True, ["a@b.cn"], {"email": "a@b.cn"}])
def test_must_be_text(value):
    with pytest.raises(FieldValueError):
        EMAIL.coerce(value, FLD)


def test_blank_is_empty():
    assert EMAIL.coerce("   ", FLD) is None


def test_searchable_string_column():
    assert EMAIL.searchable
    assert EMAIL.column_type(FLD).length == 254
    assert "contains" in EMAIL.filter_ops

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
    ("用户@例子.公司", "用户@xn--fsqu00a.xn--55qx5d"),  # the domain IDNA-encoded
    ("user@Bücher.DE", "user@xn--bcher-kva.de"),
    ("user@xn--bcher-kva.de", "user@xn--bcher-kva.de"),
    ("<Li.Lei@QQ.com>", "Li.Lei@qq.com"),
    ("  wang@163.COM\t", "wang@163.com"),
    ("MAILTO: zhao@Sina.cn", "zhao@sina.cn"),
    ("ａｂｃ＠ｅｘａｍｐｌｅ．ｃｏｍ", "ａｂｃ@example.com"),  # the local part is kept as written
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


def test_international_domains_are_shown_in_their_own_letters():
    stored = EMAIL.coerce("用户@例子.公司", FLD)
    assert EMAIL.display(stored, FLD, "zh") == "用户@例子.公司"
    assert EMAIL.search_text(stored, FLD) == [stored, "用户@例子.公司"]
    assert EMAIL.display("a@example.com", FLD, "en") == "a@example.com"


FREE = {**FLD, "config": {"flag_free_mail": True}}
KEEP = {**FLD, "config": {"invalid": "keep"}}


@pytest.mark.parametrize(("value", "flag"), [
    ("zhang@qq.com", "free_mail"), ("zhang@VIP.163.com", "free_mail"),
    ("li@126.com", "free_mail"), ("x@gmail.com", "free_mail"), ("y@foxmail.com", "free_mail"),
    ("zhang@acme.com.cn", None), ("ceo@trellis.io", None),
])
def test_free_mail_flag(value, flag):
    stored = EMAIL.coerce(value, FREE)
    assert EMAIL.flag_of(stored, FREE) == flag
    assert EMAIL.flag_of(stored, FLD) is None  # only where the designer asks
    assert EMAIL.flag_codes(FREE) == ("free_mail",) and EMAIL.flag_codes(FLD) == ()


def test_invalid_addresses_kept_and_flagged_when_the_field_says_so():
    with pytest.raises(FieldValueError):
        EMAIL.coerce("zhang san at example", FLD)
    kept = EMAIL.coerce("  zhang san  at example ", KEEP)
    assert kept == "zhang san at example"
    assert EMAIL.flag_of(kept, KEEP) == "invalid"
    assert EMAIL.coerce(kept, KEEP) == kept
    assert EMAIL.flag_of(EMAIL.coerce("a@b.cn", KEEP), KEEP) is None


def test_flag_column_only_when_flags_are_asked_for():
    assert [c.name for c in EMAIL.columns(FLD)] == ["email"]
    assert [c.name for c in EMAIL.columns(FREE)] == ["email", "email__flag"]
    assert EMAIL.to_row("x@qq.com", FREE) == {"email": "x@qq.com", "email__flag": "free_mail"}
    assert EMAIL.from_row({"email": "x@qq.com", "email__flag": "free_mail"}, FREE) == "x@qq.com"
    assert EMAIL.single_column(FREE)  # the value alone counts: it may still be unique

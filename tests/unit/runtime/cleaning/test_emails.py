from __future__ import annotations

import json

import pytest

from runtime.cleaning.emails import (
    FreeMailDomains,
    clean_email,
    is_free_mail,
    match_key,
    shown_address,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("Zhang.San@Example.COM", "Zhang.San@example.com"),
    ("李雷@例子.中国", "李雷@xn--fsqu00a.xn--fiqs8s"),
    ("info@münchen.DE", "info@xn--mnchen-3ya.de"),
    ("a@ＥＸＡＭＰＬＥ。ＣＯＭ", "a@example.com"),
    ("a@example.com.", "a@example.com"),
])
def test_addresses(text, expected):
    assert clean_email(text).value == expected


@pytest.mark.parametrize("text", ["a@b_c.com", "a@-b.com", "a@b", "a@1.2.3.4", "a@@b.com",
                                  "a b@c.com", "a@b.c0m"])
def test_not_addresses(text):
    result = clean_email(text)
    assert result.value is None and result.problem


def test_shown_and_matched():
    assert shown_address("x@xn--fsqu00a.xn--fiqs8s") == "x@例子.中国"
    assert match_key("Zhang.San@Example.com") == "zhang.san@example.com"


def test_free_mail_lists(tmp_path):
    bundled = tmp_path / "bundled.txt"
    bundled.write_text("# comment\nqq.com\n\n163.COM  # trailing\n", encoding="utf-8")
    vendored = tmp_path / "domains.json"
    domains = FreeMailDomains(bundled, vendored)
    assert "qq.com" in domains and "163.com" in domains and "mailinator.com" not in domains
    vendored.write_text(json.dumps(["mailinator.com"]), encoding="utf-8")
    assert "mailinator.com" in FreeMailDomains(bundled, vendored)


def test_bundled_list_knows_china_s_providers():
    for address in ("a@qq.com", "a@163.com", "a@126.com", "a@sina.com", "a@gmail.com"):
        assert is_free_mail(address)
    assert not is_free_mail("a@huawei.com") and not is_free_mail(None)

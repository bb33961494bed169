from __future__ import annotations

import pytest

from runtime.cleaning.texts import change_case, clean_options, collapse_spaces, half_width


@pytest.mark.parametrize(("text", "expected"), [
    ("ＡＢＣ１２３", "ABC123"),
    ("ａｂｃ＠ｑｑ．ｃｏｍ", "abc@qq.com"),
    ("上海　浦东", "上海 浦东"),
    ("（北京）科技有限公司，总部", "（北京）科技有限公司，总部"),  # Chinese punctuation stays
    ("Ｃ＋＋／Ｃ＃", "C++/C#"),
])
def test_half_width(text, expected):
    assert half_width(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("a  b", "a b"), ("a\tb\nc", "a b c"), ("  a \u3000 b  ", "a b"), ("张三", "张三"),
])
def test_collapse_spaces(text, expected):
    assert collapse_spaces(text) == expected


@pytest.mark.parametrize(("text", "case", "expected"), [
    ("john SMITH", "title", "John Smith"), ("mary-jane o'neil", "title", "Mary-Jane O'neil"),
    ("acme ltd", "upper", "ACME LTD"), ("Sales@ACME.com", "lower", "sales@acme.com"),
    ("张三 zhang", "title", "张三 Zhang"), ("as is", None, "as is"),
])
def test_case(text, case, expected):
    assert change_case(text, case) == expected


def test_options_apply_in_order():
    options = {"half_width": True, "collapse_spaces": True, "case": "upper"}
    assert clean_options("ａｃｍｅ　　ｌｔｄ  china", options) == "ACME LTD CHINA"
    assert clean_options("ａ  ｂ", {}) == "ａ  ｂ"

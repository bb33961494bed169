"""The pure identity core: keys from messy inputs, fuzzy Chinese names, groups, policies."""

from __future__ import annotations

from decimal import Decimal

import pytest

from runtime.cleaning.phones import clean_phone
from runtime.fields.email import EmailField
from runtime.fields.phone import PhoneField
from runtime.fields.roles.value import default_match_key
from runtime.identity.groups import groups, waves
from runtime.identity.rules import compile_rules
from runtime.identity.similarity import block_form, similarity
from runtime.identity.survivorship import ABSENT, POLICIES, survive

PHONE, EMAIL = PhoneField(), EmailField()
KEYERS = {"phone": lambda v: PHONE.match_key(v, {}), "email": lambda v: EMAIL.match_key(v, {}),
          "name": default_match_key, "company": default_match_key, "city": default_match_key}
RULES = compile_rules({"match": [
    {"key": "phone", "fields": ["phone"]}, {"key": "email", "fields": ["email"]},
    {"key": "off", "fields": ["city"], "enabled": False},
    {"key": "name_company", "fuzzy": {"name": 0.9, "company": 0.85}, "then": "review"}],
    "merge": {"fields": {"score": "sum"}}}, KEYERS)


@pytest.mark.parametrize(("raw", "key"), [
    ("138 0013 8000", "+8613800138000"), ("+86 138-0013-8000", "+8613800138000"),
    ("(0086)13800138000", "+8613800138000"), ("１３８００１３８０００", "+8613800138000"),
])
def test_phones_written_every_way_have_one_key(raw, key):
    stored = clean_phone(raw).value
    assert RULES.keys({"phone": stored}) == [(RULES.rules[0], key)]


@pytest.mark.parametrize("raw", ["Wang.Wei@Example.COM", " wang.wei@example.com ",
                                 "WANG.WEI@EXAMPLE.COM"])
def test_emails_match_in_any_case(raw):
    [(rule, key)] = RULES.keys({"email": EMAIL.coerce(raw, {})})
    assert (rule.key, key) == ("email", "wang.wei@example.com")


def test_blank_values_have_no_key_and_disabled_rules_none():
    assert RULES.keys({"phone": None, "email": "", "city": "北京"}) == []
    assert [r.key for r in RULES.rules] == ["phone", "email", "name_company"]
    assert RULES.policy("score") == "sum" and RULES.policy("name") == "fill_blanks"


def test_default_match_key_folds_width_case_and_spaces():
    assert default_match_key("  ＡＢＣ   Corp ") == "abc corp"
    assert default_match_key(["b", "A"]) == "a|b" and default_match_key([]) is None
    assert default_match_key(12) == "12" and default_match_key(True) == "true"


@pytest.mark.parametrize(("a", "b", "least"), [
    ("张三", "张 三", 1.0), ("张三", "Zhang San", 1.0), ("张三", "zhang  san", 1.0),
    ("张三", "San Zhang", 1.0), ("ＺＨＡＮＧ ＳＡＮ", "zhang san", 1.0),
    ("北京字节跳动科技有限公司", "北京字节跳动科技", 1.0), ("Acme Co., Ltd.", "ACME", 1.0),
    ("欧阳娜娜", "欧阳娜", 0.8),
])
def test_chinese_names_compare_with_and_without_spaces_and_in_pinyin(a, b, least):
    assert similarity(a, b) >= least


def test_different_names_are_far_apart():
    assert similarity("李娜", "王伟") < 0.5 and similarity("", "王伟") == 0.0


def test_fuzzy_rule_scores_only_when_every_field_reaches_its_threshold():
    [rule] = RULES.fuzzy
    a = {"name": "张三", "company": "字节跳动有限公司"}
    assert RULES.score(rule, a, {"name": "Zhang San", "company": "字节跳动"}) == 1.0
    assert RULES.score(rule, a, {"name": "张三", "company": "腾讯"}) is None
    assert RULES.score(rule, a, {"name": "张三", "company": None}) is None
    assert RULES.block_keys(a) == [(rule, "sanzhang")] == RULES.block_keys(
        {"name": "San  ZHANG", "company": "x"})
    assert block_form("   ") is None


def test_groups_are_transitive():
    assert groups([(1, 2), (3, 4), (2, 3), (7, 8)]) == [{1, 2, 3, 4}, {7, 8}]
    assert groups([(5, 5)]) == [{5}] and groups([]) == []


def test_waves_keep_the_order_of_what_shares_a_key_and_never_put_two_in_one_wave():
    items = [(0, ["p1"]), (1, ["p2"]), (2, ["p1", "e9"]), (3, []), (4, ["e9"]),
             (5, ["p2", "r7"]), (6, ["r7"]), (7, ["x"])]
    # 0, 2, 4 share p1/e9 (through 2); 1, 5, 6 share p2/r7 (through 5)
    assert waves(items) == [[0, 1, 3, 7], [2, 5], [4, 6]]
    assert waves([]) == [] and waves([(0, []), (1, [])]) == [[0, 1]]
    # a late item joining two sets waits for both
    assert waves([(0, ["a"]), (1, ["b"]), (2, ["a", "b"])]) == [[0], [1], [2]]


@pytest.mark.parametrize(("policy", "values", "result"), [
    ("fill_blanks", ["a", "b"], "a"), ("fill_blanks", [None, "", "b", "c"], "b"),
    ("keep_existing", [None, "b"], None), ("keep_existing", ["a", "b"], "a"),
    ("newest", ["a", "b", ABSENT], "b"), ("newest", ["a", None], None),
    ("non_blank", ["a", "b", None], "b"), ("non_blank", ["a", ABSENT], "a"),
    ("concatenate", ["Beijing", "beijing ", "上海", None], "Beijing; 上海"),
    ("max", [1, None, 5, 3], 5), ("min", [4, 2, ABSENT], 2),
    ("sum", [Decimal("1.5"), 2, None], Decimal("3.5")), ("sum", [None, ABSENT], None),
])
def test_each_policy(policy, values, result):
    assert POLICIES[policy](values) == result


def test_survive_returns_only_what_changes():
    records = [{"name": "张三", "phone": None, "score": 1, "stage": "new"},
               {"name": "Zhang San", "phone": "+8613800138000", "score": 2, "stage": "won"}]
    policy = {"score": "sum", "stage": "newest"}.get
    assert survive(["name", "phone", "score", "stage"], records,
                   lambda k: policy(k) or "fill_blanks") == {
        "phone": "+8613800138000", "score": 3, "stage": "won"}


def test_loading_identity_loads_neither_rapidfuzz_nor_pypinyin():
    """Web processes import them only when a fuzzy rule compares something."""
    import subprocess
    import sys

    code = ("import sys, runtime.api, runtime.identity.resolver, runtime.identity.history; "
            "print(sorted(m for m in ('rapidfuzz', 'pypinyin') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"

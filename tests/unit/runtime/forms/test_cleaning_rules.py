"""A form's cleaning rules, in the pure core: checked with their paths, applied in order after
the fields' own cleaning, through each field's cleaning again, before the required checks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from runtime.fields.registry import build_field_registry
from runtime.forms.behaviour import Behaviour
from runtime.forms.formulas import analyze_form
from runtime.formula.registry import build_function_registry

TYPES = build_field_registry()
FUNCTIONS = build_function_registry()
FIELDS = [{"key": "name", "type": "text", "label": "Name"},
          {"key": "phone", "type": "phone", "label": "Phone"},
          {"key": "region", "type": "region", "label": "Region", "required": True},
          {"key": "kind", "type": "text", "label": "Kind"},
          {"key": "score", "type": "formula", "label": "Score", "config": {"formula": "1"}}]


def form(*rules: dict) -> dict:
    return {"kind": "form", "key": "lead", "label": "Lead", "fields": FIELDS,
            "cleaning": list(rules)}


def behaviour(doc: dict) -> Behaviour:
    analysis = analyze_form(doc, lambda key: None, TYPES, FUNCTIONS)
    assert not analysis.problems, analysis.problems
    return Behaviour(doc["fields"], TYPES, analysis, FUNCTIONS,
                     lambda: datetime(2026, 1, 1, tzinfo=UTC), cleaning=doc["cleaning"])


def no_related(record, paths):
    return {}


def test_rules_apply_in_order_and_through_the_field_s_cleaning(region_sample):
    rules = behaviour(form(
        {"field": "name", "formula": 'PROPER({name}) & "  "'},
        {"field": "region", "formula": 'IF(ISBLANK({name}), "", "深圳")', "if_blank": True},
        {"field": "kind", "formula": 'PHONE_TYPE({phone}) & "/" & {name}'}))
    values = {"name": "ada LOVELACE", "phone": "+8613800138000", "region": None}
    assert rules.apply(values, None, set(values), no_related) == []
    assert values["name"] == "Ada Lovelace"  # the text field trims what the rule gave
    assert values["region"] == {"country": "CN", "province": "广东省", "city": "深圳市",
                                "code": "440300"}
    assert values["kind"] == "mobile/Ada Lovelace"  # rules see what the ones before did


def test_if_blank_never_overwrites_and_a_required_field_waits_for_the_rules(region_sample):
    rules = behaviour(form({"field": "region", "formula": "PHONE_REGION({phone})",
                            "if_blank": True}))
    assert "region" in rules.deferred_required
    kept = {"country": "CN", "province": "北京市", "city": "北京市"}
    values = {"phone": "+8675588888888", "region": kept}
    assert rules.apply(values, None, set(values), no_related) == []
    assert values["region"] == kept
    values = {"phone": "+16502530000", "region": None}  # no Chinese place to derive
    problems = rules.apply(values, None, set(values), no_related)
    assert [p.path for p in problems] == ["/region"]


def test_a_result_the_field_cannot_take_leaves_the_value(region_sample):
    rules = behaviour(form({"field": "phone", "formula": '"not a phone"'}))
    values = {"phone": "+8613800138000", "region": "北京"}
    rules.apply(values, None, set(values), no_related)
    assert values["phone"] == "+8613800138000"


def test_an_update_changes_only_what_the_rules_change(region_sample):
    rules = behaviour(form({"field": "kind", "formula": "PHONE_TYPE({phone})"}))
    before = {"id": 1, "name": "x", "phone": "+8613800138000", "kind": "mobile", "score": "1",
              "region": {"country": "CN", "province": "北京市", "city": "北京市"}}
    values = {"name": "y"}
    rules.apply(values, before, {"name"}, no_related)
    assert values == {"name": "y"}
    values = {"phone": "+861065529988"}
    rules.apply(values, before, {"phone"}, no_related)
    assert values == {"phone": "+861065529988", "kind": "landline"}


@pytest.mark.parametrize(("rule", "path", "message"), [
    ({"field": "score", "formula": "2"}, "/cleaning/0/formula", "cannot be set"),
    ({"field": "name", "formula": "{nam}"}, "/cleaning/0/formula", "did you mean"),
    ({"field": "name", "formula": "1 +"}, "/cleaning/0/formula", ""),
    ({"field": "kind", "formula": "1 > 0"}, "/cleaning/0/formula", ""),
])
def test_rules_are_checked_with_their_paths(rule, path, message):
    problems = analyze_form(form(rule), lambda key: None, TYPES, FUNCTIONS).problems
    assert [p.path for p in problems] == [path]
    assert message in problems[0].message

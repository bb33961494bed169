"""In Chromium: a designer opens a form's Duplicates page from the form designer, adds an exact
rule (same phone) and a fuzzy rule (a similar name at a similar company, thresholds set with
the slider and typed, sent to review), sets merge policies, sees a threshold out of range
refused beside its control, reorders and switches rules, publishes, and reads the change in
words in the version history. Screenshots in zh and en."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_builder_views import unexpected_errors, wait_saved
from tests.e2e.test_record_flow import log_in, shot, use_language
from tests.integration.helpers import field, form_doc
from tests.support import Factory

pytestmark = pytest.mark.e2e
PAGE = "/build/crm/forms/person/identity"


@pytest.fixture(scope="module")
def person(live_server):
    factory = Factory(live_server["app"])
    api = factory.api(live_server["admin"])
    factory.form(api, form_doc("person", [
        field("name", label={"zh": "姓名", "en": "Name"}),
        field("company", label={"zh": "公司", "en": "Company"}),
        field("phone", "phone", label={"zh": "电话", "en": "Phone"}),
        field("email", "email", label={"zh": "邮箱", "en": "E-mail"}),
        field("stage", "select", label={"zh": "阶段", "en": "Stage"},
              config={"choices": [{"value": "new", "label": {"zh": "新", "en": "New"}},
                                  {"value": "won", "label": {"zh": "赢单", "en": "Won"}}]}),
        field("amount", "number", label={"zh": "金额", "en": "Amount"}),
        field("notes", "textarea", label={"zh": "备注", "en": "Notes"}),
    ], label={"zh": "联系人", "en": "Person"}))
    return api


def draft_identity(api) -> dict:
    return api.ok("GET", "/apps/crm/forms/person").get("identity")


def rule(page: Page, n: int):
    return page.locator("#identity-rules [data-rule]").nth(n)


def add_exact_rule(page: Page) -> None:
    page.click('[data-action="add-exact"]')
    card = rule(page, 0)
    card.locator('[data-part="exact"] label.id-chip', has_text="电话").click()
    wait_saved(page)


def add_fuzzy_rule(page: Page) -> None:
    page.click('[data-action="add-fuzzy"]')
    card = rule(page, 1)
    card.locator('[data-threshold="name"] label.id-chip').click()
    card.locator('[data-threshold="company"] label.id-chip').click()
    slider = card.locator('[data-threshold="name"] input[type=range]')
    slider.focus()
    for _ in range(2):
        page.keyboard.press("ArrowRight")  # 0.9 -> 0.92
    expect(card.locator('[data-threshold="name"] input[type=number]')).to_have_value("0.92")
    card.locator('[data-threshold="company"] input[type=number]').fill("0.85")
    card.locator('select[data-rule-prop="then"]').select_option("review")
    expect(card.locator("[data-rule-summary]")).to_contain_text("姓名 ≥ 0.92")
    wait_saved(page)


def refuse_and_fix_a_threshold(page: Page, artifacts) -> None:
    box = rule(page, 1).locator('[data-threshold="company"] input[type=number]')
    box.fill("0.3")
    expect(page.locator("#save-status")).to_have_attribute("data-state", "error")
    error = rule(page, 1).locator('[data-threshold="company"] .bx-error')
    expect(error).to_contain_text("0.3 小于最小值 0.5")
    shot(page, artifacts, "builder-identity-error-zh")
    box.fill("0.85")
    wait_saved(page)
    expect(error).to_be_empty()


def refuse_a_rule_without_fields(page: Page) -> None:
    """The semantic checks at save: a rule naming no field is refused, told on its card."""
    page.click('[data-action="add-exact"]')
    card = rule(page, 2)
    expect(page.locator("#save-status")).to_have_attribute("data-state", "error")
    expect(card.locator(":scope > .bx-error")).to_contain_text("规则需要")
    card.locator('[data-action="remove"]').click()
    wait_saved(page)


def set_policies(page: Page) -> None:
    page.select_option("[data-merge-default]", "non_blank")
    page.select_option('[data-merge-field="amount"]', "sum")
    page.select_option('[data-merge-field="stage"]', "newest")
    page.select_option('[data-merge-field="notes"]', "concatenate")
    wait_saved(page)


def test_designer_adds_exact_and_fuzzy_rules(page: Page, live_server, person, artifacts):
    base = live_server["url"]
    log_in(page, base)
    use_language(page, "zh")
    page.goto(base + "/build/crm/forms/person")
    page.click(".designer-actions a:has-text('查重合并')")
    page.wait_for_url(base + PAGE)
    expect(page.locator("h1")).to_contain_text("查重合并")
    add_exact_rule(page)
    assert draft_identity(person) == {"match": [{"key": "phone", "fields": ["phone"]}]}
    add_fuzzy_rule(page)
    refuse_and_fix_a_threshold(page, artifacts)
    set_policies(page)
    refuse_a_rule_without_fields(page)
    assert draft_identity(person) == {
        "match": [{"key": "phone", "fields": ["phone"]},
                  {"key": "similar_name_company", "fuzzy": {"name": 0.92, "company": 0.85},
                   "then": "review"}],
        "merge": {"default": "non_blank",
                  "fields": {"stage": "newest", "amount": "sum", "notes": "concatenate"}}}
    # a choice field is not compared for similarity, nor summed; a number is not concatenated
    assert rule(page, 1).locator('[data-threshold="stage"]').count() == 0
    assert page.locator('[data-merge-field="stage"] option[value="sum"]').count() == 0
    assert page.locator('[data-merge-field="amount"] option[value="concatenate"]').count() == 0

    rule(page, 1).locator('[data-action="up"]').click()
    rule(page, 1).locator('label.switch').click()  # the exact rule, now second, switched off
    rule(page, 0).locator('[data-rule-prop="label"]').fill("姓名加公司")
    wait_saved(page)
    match = draft_identity(person)["match"]
    assert [r["key"] for r in match] == ["similar_name_company", "phone"]
    assert match[0]["label"] == {"zh": "姓名加公司"} and match[1]["enabled"] is False
    shot(page, artifacts, "builder-identity-zh")
    page.click("#publish-identity")
    expect(page.locator("#designer-alert")).to_contain_text("版本 2")
    assert person.ok("GET", "/apps/crm/forms/person?version=2")["identity"]["match"]
    page.reload()
    page.click("#rebuild-keys")  # records stored before are found by the new rules
    expect(page.locator("#designer-alert")).to_contain_text("已按发布的规则")

    use_language(page, "en")
    page.goto(base + PAGE)
    expect(rule(page, 0).locator("[data-rule-summary]")).to_contain_text(
        "Alike Name ≥ 0.92, Company ≥ 0.85 · sent to review")
    expect(rule(page, 1)).to_have_class(re.compile(r"\bid-off\b"))
    expect(page.locator('[data-merge-field="amount"]')).to_have_value("sum")
    shot(page, artifacts, "builder-identity-en")
    page.goto(base + "/build/crm/forms/person/history?from=1&to=2")
    expect(page.locator(".bx-changes")).to_contain_text("Match rule “phone” added")
    expect(page.locator(".bx-changes")).to_contain_text("Merge policy of Amount")
    assert not unexpected_errors(page), page.console_errors

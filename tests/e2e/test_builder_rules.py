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
    assign.locator("[data-user-picker]").press_sequentially("王芳", delay=50)
    wait_saved(page)


def score_row(page: Page) -> None:
    page.click('[data-tab="scoring"]')
    page.click("#add-model")
    model = page.locator("[data-model]").first
    model.locator("[data-attributes] + button").click()
    row = model.locator("[data-attributes] tbody tr").first
    row.locator("[data-attr-label]").fill("规模大")
    row.locator("[data-attr-when]").fill("{employees} > 500")
    row.locator("[data-attr-points]").fill("15")
    wait_saved(page)


def grid_cell(page: Page, r: int, c: int):
    return page.locator(f'.dt-grid .dt-cell[data-r="{r}"][data-c="{c}"]')


def paste(page: Page, cell, text: str) -> None:
    """Paste ``text`` into ``cell`` as the browser does text copied from Excel."""
    cell.click()
    cell.evaluate("""(el, text) => {
        const data = new DataTransfer();
        data.setData('text/plain', text);
        el.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true,
                                                      cancelable: true}));
    }""", text)


def drag_row(page: Page, r: int, before: int) -> None:
    """Press a row's grip and move it onto the upper half of row ``before`` (SortableJS
    starts on a later task and reads the pointer on a timer: wait for its floating copy and
    its placeholder)."""
    grip = page.locator(f'.dt-grid tr[data-row="{r}"] .dt-grip').bounding_box()
    target = page.locator(f'.dt-grid tr[data-row="{before}"]').bounding_box()
    x, y = grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 4, y - 6, steps=4)
    expect(page.locator(".dt-dragging")).to_be_attached()
    page.mouse.move(x, target["y"] + 4, steps=12)
    page.mouse.move(x, target["y"] + 3, steps=3)
    expect(page.locator(f'.dt-grid tbody tr.dt-ghost + tr[data-row="{before}"]')).to_be_attached()
    page.mouse.up()


def decision_table(page: Page) -> None:
    page.click('[data-tab="tables"]')
    page.click("#add-table")
    page.locator("th.dt-in [data-col-source]").first.select_option("region")
    page.click("[data-add-input]")
    page.locator("th.dt-in [data-col-source]").nth(1).select_option("product")
    page.locator("th.dt-out .dt-col-label").first.fill("团队")
    grid_cell(page, 0, 0).fill("华东")
    grid_cell(page, 0, 1).fill("A产品")
    grid_cell(page, 0, 2).fill("east_a")
    grid_cell(page, 0, 2).press("Control+Enter")  # a new row under it
    expect(page.locator(".dt-grid tbody tr")).to_have_count(2)
    paste(page, grid_cell(page, 1, 0), "-\t-\tpool\n华北\t-\tnorth\r\n")
    expect(page.locator(".dt-grid tbody tr")).to_have_count(3)
    expect(grid_cell(page, 2, 2)).to_have_value("north")
    wait_saved(page)
    analysis = page.locator("[data-analysis]")
    expect(analysis).to_contain_text("行 3")  # 华北 is never reached under "- -" (first)
    expect(page.locator('.dt-grid tr[data-row="2"]')).to_have_class("dt-flag")
    drag_row(page, 2, 1)
    wait_saved(page)
    expect(grid_cell(page, 1, 2)).to_have_value("north")
    expect(analysis).not_to_contain_text("行 3")


def try_a_record(page: Page, crm) -> dict:
    lead = crm.create("crm", "lead", {"name": "王芳", "region": "east", "employees": 800,
                                      "product": "a"})
    page.click('[data-tab="test"]')
    page.fill("[data-record-search]", "王芳")
    page.click(f'[data-pick-record="{lead["id"]}"]')
    page.click("[data-run-test]")
    results = page.locator("[data-test-results]")
    expect(results.locator('[data-test-rule="rule_1"]')).to_have_attribute("data-status",
                                                                             "matched")
    expect(results.locator("[data-test-ledger]")).to_contain_text("+20")
    expect(results.locator("[data-test-routing]")).to_contain_text("east_team")
    return lead


def test_designer_builds_rules_scoring_and_a_decision_table(page: Page, live_server, crm,
                                                            artifacts):
    base = live_server["url"]
    log_in(page, base)
    use_language(page, "zh")
    page.goto(base + "/build/crm/forms/lead")
    page.click(".designer-actions a:has-text('规则')")
    page.click("[data-new-ruleset]")
    page.wait_for_url(base + "/build/crm/rulesets/lead_rules")
    score_row(page)
    model = draft(crm)["scoring"][0]
    assert model["attributes"][0]["when"] == "{employees} > 500"
    assert model["attributes"][0]["points"] == 15
    page.click('[data-tab="rules"]')
    wang = Factory(live_server["app"]).user("wang.fang@example.com", ["member"], name="王芳")
    build_a_rule(page)
    doc = draft(crm)
    assert doc["rules"][0]["condition"] == '{region} = "east" AND {employees} > 500'
    assert doc["rules"][0]["actions"][0] == {"type": "add_points", "points": 20,
                                             "reason": "华东大客户"}
    assert doc["rules"][0]["actions"][1]["fallback"] == {"user": str(wang)}  # picked by name
    shot(page, artifacts, "builder-rules-zh")
    decision_table(page)
    table = draft(crm)["tables"][0]
    assert [r["when"] + r["then"] for r in table["rows"]] == [
        ["华东", "A产品", "east_a"], ["华北", "-", "north"], ["-", "-", "pool"]]
    shot(page, artifacts, "builder-rules-table-zh")
    assert not unexpected_errors(page), page.console_errors
    try_a_record(page, crm)
    shot(page, artifacts, "builder-rules-test-zh")

    use_language(page, "en")
    page.goto(base + "/build/crm/rulesets/lead_rules")
    expect(rule(page, 0).locator("[data-rule-summary]")).to_contain_text(
        "Region is East and Employees is more than 500")
    shot(page, artifacts, "builder-rules-en")
    page.click('[data-tab="tables"]')
    expect(page.locator("[data-analysis]")).to_contain_text("No gaps, overlaps or shadowed rows")
    shot(page, artifacts, "builder-rules-table-en")
    try_a_record(page, crm)
    shot(page, artifacts, "builder-rules-test-en")
    assert not unexpected_errors(page), page.console_errors

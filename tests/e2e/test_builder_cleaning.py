"""In Chromium: a designer writes a form's cleaning rule in the form settings ("if the region is
blank, derive it from the phone"), the draft saves it with keys, and once published a record
typed with a messy landline and no region gets the city of its area code; a number kept as
written shows its flag in the list. Screenshots of the rules editor in zh and en."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_builder_flow import wait_saved
from tests.e2e.test_builder_views import unexpected_errors
from tests.e2e.test_record_flow import log_in, shot, use_language
from tests.integration.helpers import field, form_doc
from tests.support import Factory

pytestmark = pytest.mark.e2e
DESIGNER = "/build/crm/forms/lead"


@pytest.fixture(scope="module")
def lead(live_server):
    factory = Factory(live_server["app"])
    api = factory.api(live_server["admin"])
    doc = form_doc("lead", [
        field("name", label={"zh": "姓名", "en": "Name"}),
        field("phone", "phone", label={"zh": "电话", "en": "Phone"}),
        field("backup", "phone", label={"zh": "备用电话", "en": "Backup phone"},
              config={"invalid": "keep"}),
        field("region", "region", label={"zh": "地区", "en": "Region"}),
    ], label={"zh": "线索", "en": "Lead"})
    factory.form(api, doc)
    return api


def add_rule(page: Page) -> None:
    editor = page.locator("#cleaning-rules [data-cleaning-editor]")
    expect(editor).to_be_visible()
    editor.locator('[data-action="add-rule"]').click()
    rule = editor.locator(".cleaning-rule").first
    rule.locator('select[data-rule-prop="field"]').select_option("region")
    area = rule.locator('textarea[data-rule-prop="formula"]')
    area.click()
    area.fill("PHONE_REGION({phone})")
    rule.locator('input[data-rule-prop="if_blank"]').check()
    wait_saved(page)


def test_cleaning_rule_written_in_form_settings_cleans_new_records(page, live_server, lead,
                                                                   artifacts):
    base = live_server["url"]
    log_in(page, base)
    page.goto(base + DESIGNER)
    add_rule(page)
    assert page.evaluate("TrellisBuilder.doc.cleaning") == [
        {"field": "region", "formula": "PHONE_REGION({phone})", "if_blank": True}]
    shot(page, artifacts, "builder-cleaning-rules-zh")
    lead.ok("POST", "/apps/crm/forms/lead/publish")

    page.goto(base + "/a/crm/lead/new")
    page.fill("#f-name", "王小明")
    page.fill("#f-phone", "（0755）8888－8888 转 12")
    page.fill("#f-backup", "not a number")
    page.click("button[type=submit].primary")
    expect(page.locator(".values")).to_contain_text("广东省 深圳市")
    expect(page.locator(".values .clean-flag")).to_have_count(1)
    page.goto(base + "/a/crm/lead")
    expect(page.locator("table.records .clean-flag")).to_have_count(1)
    shot(page, artifacts, "list-cleaning-flag-zh")

    use_language(page, "en")
    page.goto(base + DESIGNER)
    rule = page.locator("#cleaning-rules .cleaning-rule").first
    expect(rule.locator('select[data-rule-prop="field"]')).to_have_value("region")
    expect(rule.locator('input[data-rule-prop="if_blank"]')).to_be_checked()
    expect(page.locator("#cleaning-rules")).to_contain_text("Cleaning rules")
    shot(page, artifacts, "builder-cleaning-rules-en")
    rule.locator('[data-action="remove-rule"]').click()
    wait_saved(page)
    assert page.evaluate("TrellisBuilder.doc.cleaning === undefined")
    use_language(page, "zh")
    assert not unexpected_errors(page)

"""In Chromium: a reviewer follows the list's Duplicates link to a pair a fuzzy rule flagged,
compares the records side by side, keeps the other record's name and merges them; in the
merge history they undo the merge and read what the undo reported (a field changed since, kept
as it is now). In English: a second pair kept apart, an automatic merge undone. Screenshots
in zh and en."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_builder_views import unexpected_errors
from tests.e2e.test_record_flow import log_in, shot, use_language
from tests.integration.helpers import field, form_doc
from tests.support import Factory

pytestmark = pytest.mark.e2e
LIST = "/a/crm/contact"
RECORDS = "/apps/crm/forms/contact/records"
IDENTITY = {"match": [{"key": "phone", "label": {"zh": "手机号", "en": "Phone"},
                       "fields": ["phone"]},
                      {"key": "name_company", "label": {"zh": "姓名加公司",
                                                        "en": "Name at company"},
                       "fuzzy": {"name": 0.9, "company": 0.85}, "then": "review"}],
            "merge": {"fields": {"visits": "sum", "stage": "newest"}}}


@pytest.fixture(scope="module")
def contact(live_server):
    factory = Factory(live_server["app"])
    api = factory.api(live_server["admin"])
    factory.form(api, form_doc("contact", [
        field("name", label={"zh": "姓名", "en": "Name"}),
        field("company", label={"zh": "公司", "en": "Company"}),
        field("phone", "phone", label={"zh": "电话", "en": "Phone"}),
        field("stage", label={"zh": "阶段", "en": "Stage"}),
        field("visits", "number", label={"zh": "到访次数", "en": "Visits"}),
    ], label={"zh": "联系人", "en": "Contact"}, title_field="name", identity=IDENTITY))
    return api


def create(api, body: dict, status: int = 201) -> dict:
    return api.ok("POST", RECORDS, status, json=body)


def resolve_pair_in_chinese(page: Page, base: str, api, artifacts) -> dict:
    a = create(api, {"name": "张三", "company": "字节跳动有限公司", "stage": "线索",
                     "visits": 2})
    create(api, {"name": "Zhang San", "company": "字节跳动", "stage": "商机", "visits": 3,
                 "phone": "13800138000"})
    page.goto(base + LIST)
    link = page.locator("[data-review-link]")
    expect(link).to_contain_text("查重合并")
    expect(link.locator(".count-badge")).to_have_text("1")
    link.click()
    pair = page.locator("[data-pair]")
    expect(pair).to_have_count(1)
    expect(pair).to_contain_text("标记规则：姓名加公司")
    expect(pair.locator("tr.id-differs")).to_have_count(5)
    expect(pair.locator('[name="choice_visits"][value="policy"]')).to_be_checked()
    shot(page, artifacts, "identity-review-zh")
    pair.locator("tr[data-field=name] label.id-pick", has_text="Zhang San").click()
    pair.locator("button[value=merge]").click()
    expect(page.locator(".flashes")).to_contain_text("已合并")
    expect(page.locator("[data-empty]")).to_be_visible()
    kept = api.ok("GET", f"{RECORDS}/{a['id']}")
    assert (kept["name"], kept["company"], kept["visits"]) == ("Zhang San", "字节跳动有限公司", 5)
    return a


def undo_in_chinese(page: Page, api, survivor: dict, artifacts) -> None:
    api.ok("PATCH", f"{RECORDS}/{survivor['id']}", json={"stage": "赢单"})
    page.click("a:has-text('合并历史')")
    row = page.locator("tr[data-merge]").first
    expect(row).to_contain_text("姓名加公司")
    shot(page, artifacts, "identity-merges-zh")
    row.locator("button:has-text('撤销')").click()
    report = page.locator("[data-undo-report]")
    expect(report).to_contain_text("合并之后改过的字段")
    expect(report.locator("table")).to_contain_text("赢单")
    expect(page.locator("tr[data-merge]").first).to_contain_text("已于")
    shot(page, artifacts, "identity-undo-zh")
    assert api.ok("GET", f"{RECORDS}/{survivor['id']}")["stage"] == "赢单"


def keep_apart_and_undo_in_english(page: Page, base: str, api, artifacts) -> None:
    create(api, {"name": "王五", "company": "字节跳动有限公司"})
    create(api, {"name": "Wang Wu", "company": "字节跳动"})
    first = create(api, {"name": "李四", "phone": "13900139000", "visits": 1})
    create(api, {"name": "李四", "phone": "139 0013 9000", "visits": 4}, 200)
    use_language(page, "en")
    page.goto(base + LIST)
    page.locator("[data-review-link]").click()
    pair = page.locator("[data-pair]")
    expect(pair).to_contain_text("Flagged by Name at company")
    shot(page, artifacts, "identity-review-en")
    pair.locator("button[value=distinct]").click()
    expect(page.locator(".flashes")).to_contain_text("will not be proposed again")
    page.click("a:has-text('Merge history')")
    row = page.locator("tr[data-merge]").first
    expect(row).to_contain_text("rule Phone")
    row.locator("button:has-text('Undo')").click()
    report = page.locator("[data-undo-report]")
    expect(report).to_contain_text("Nothing had changed since the merge.")
    expect(report).to_contain_text("The values an arrival brought were taken back from: 李四")
    shot(page, artifacts, "identity-undo-en")
    assert api.ok("GET", f"{RECORDS}/{first['id']}")["visits"] == 1


def test_resolve_a_duplicate_pair_and_undo_a_merge(page: Page, live_server, contact,
                                                   artifacts):
    base = live_server["url"]
    log_in(page, base)
    use_language(page, "zh")
    survivor = resolve_pair_in_chinese(page, base, contact, artifacts)
    undo_in_chinese(page, contact, survivor, artifacts)
    keep_apart_and_undo_in_english(page, base, contact, artifacts)
    assert not unexpected_errors(page), page.console_errors

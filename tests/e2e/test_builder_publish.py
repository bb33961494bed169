"""In Chromium: change a published field's type with the property panel's type switcher and
publish it (the dialog counts the records that convert and links those that do not); turn on
No duplicates over records that share a value (fix them first or publish anyway; the form then
names the record holding a value); the publish dialog in fields, not tables. Screenshots of the
dialog and the switcher in zh and en."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_builder_flow import cards, wait_saved
from tests.e2e.test_record_flow import log_in, shot, use_language

LEAD = {
    "kind": "form", "key": "lead", "label": {"zh": "销售线索", "en": "Lead"},
    "fields": [
        {"key": "hang_ye", "type": "text", "label": {"zh": "行业", "en": "Industry"}},
        {"key": "yuan_gong", "type": "text", "label": {"zh": "员工人数", "en": "Employees"}},
        {"key": "shou_ji", "type": "phone", "label": {"zh": "手机", "en": "Phone"},
         "config": {"default_region": "CN"}},
    ],
}
RECORDS = [("金融", "600", "13800138000"), ("制造", "120", "+86 138 0013 8000"),
           ("金融", "很多", "13900139000")]


def admin_api(live_server):
    from tests.support import Factory

    return Factory(live_server["app"]).api(live_server["admin"])


def select_field(page: Page, key: str) -> None:
    page.locator(f'#canvas .field-card[data-key="{key}"]').click()
    expect(page.locator("#props [data-panel-index]")).to_be_visible()


def switch_type(page: Page, key: str, to: str, label: str) -> None:
    """Pick another type in the selected field's panel, as a person does."""
    select_field(page, key)
    page.locator("#props [data-switch-type]").select_option(to)
    expect(page.locator("#props .pane-title")).to_have_text(label)
    expect(page.locator(f'#canvas .field-card[data-key="{key}"] .card-type')).to_have_text(label)
    wait_saved(page)


def open_publish(page: Page):
    page.locator('[data-action="publish"]').click()
    summary = page.locator("#publish-dialog [data-summary] .publish-summary")
    expect(summary).to_be_visible()
    return summary


def test_switch_a_fields_type_and_publish_it(page: Page, live_server, artifacts):
    api = admin_api(live_server)
    api.ok("PUT", "/apps/crm/forms/lead", json=LEAD)
    api.ok("POST", "/apps/crm/forms/lead/publish")
    ids = [api.create("crm", "lead", {"hang_ye": h, "yuan_gong": y, "shou_ji": s})["id"]
           for h, y, s in RECORDS]
    base = live_server["url"]
    log_in(page, base)
    use_language(page, "zh")
    page.goto(base + "/build/crm/forms/lead")

    switch_type(page, "hang_ye", "select", "下拉单选")
    choices = page.locator('#props [data-array="config.choices"] [data-item-prop="value"]')
    expect(choices).to_have_count(2)  # the two different values the records hold
    assert sorted(choices.evaluate_all("els => els.map(e => e.value)")) == ["制造", "金融"]
    options = page.locator("#props [data-switch-type] option")
    offered = options.evaluate_all("els => els.map(e => e.value)")
    assert offered[0] == "select" and "text" in offered and "user" not in offered
    page.locator("#props .type-switch").screenshot(path=str(artifacts / "zh-type-switcher.png"))
    shot(page, artifacts, "zh-builder-type-switcher")

    switch_type(page, "yuan_gong", "number", "整数")
    summary = open_publish(page)
    expect(summary).to_have_attribute("data-state", "refused")
    expect(summary).to_contain_text("将 “行业” 从 单行文本 转换为 下拉单选：3 条记录的值都可以转换")
    expect(summary).to_contain_text(
        "将 “员工人数” 从 单行文本 转换为 整数：1 条记录的值无法转换（2 条可以转换）")
    link = summary.locator(f'a[href="/a/crm/lead/{ids[2]}"]')
    expect(link).to_have_text(f"#{ids[2]}")
    expect(summary).to_contain_text("“很多”")
    expect(page.locator('[data-action="publish-confirm"]')).to_be_disabled()
    page.locator("#publish-dialog .modal-box").screenshot(
        path=str(artifacts / "zh-builder-publish-conversion.png"))
    page.locator('[data-action="publish-cancel"]').click()

    switch_type(page, "yuan_gong", "text", "单行文本")  # back: its values stay text
    summary = open_publish(page)
    expect(summary).to_have_attribute("data-state", "ok")
    confirm = page.locator('[data-action="publish-confirm"]')
    expect(confirm).to_be_enabled()
    confirm.click()
    expect(page.locator("#publish-dialog")).to_be_hidden()
    expect(page.locator("[data-publish-state]")).to_contain_text("2")
    record = api.ok("GET", f"/apps/crm/forms/lead/records/{ids[0]}")
    assert record["hang_ye"] == "金融" and record["yuan_gong"] == "600"
    form = api.ok("GET", "/apps/crm/forms/lead?version=2")
    assert form["fields"][0]["type"] == "select"
    page.goto(base + f"/a/crm/lead/{ids[1]}/edit")
    expect(page.locator('select[name="hang_ye"]')).to_have_value("制造")  # a choice now
    assert not page.console_errors, page.console_errors


def test_turn_on_no_duplicates_over_shared_values(page: Page, live_server, artifacts):
    api = admin_api(live_server)
    base = live_server["url"]
    shared = sorted((r for r in api.records("crm", "lead")["records"]
                     if r["shou_ji"] == "+8613800138000"), key=lambda r: r["id"])
    log_in(page, base)
    use_language(page, "en")
    page.goto(base + "/build/crm/forms/lead")
    select_field(page, "shou_ji")
    page.locator('#props label[for="p-unique"]').click()
    wait_saved(page)
    summary = open_publish(page)
    expect(summary).to_have_attribute("data-state", "duplicates")
    expect(summary).to_contain_text("“Phone” is to take no duplicates, but 2 records share "
                                    "1 value:")
    for record in shared:
        expect(summary.locator(f'a[href="/a/crm/lead/{record["id"]}"]')).to_be_visible()
    confirm = page.locator('[data-action="publish-confirm"]')
    expect(confirm).to_have_text("Publish anyway")
    expect(page.locator('[data-action="publish-cancel"]')).to_have_text("Fix them first")
    page.locator("#publish-dialog .modal-box").screenshot(
        path=str(artifacts / "en-builder-publish-duplicates.png"))
    page.locator('[data-action="publish-cancel"]').click()  # fix them first: nothing published
    expect(page.locator("#publish-dialog")).to_be_hidden()
    select_field(page, "hang_ye")
    page.locator("#props .type-switch").screenshot(path=str(artifacts / "en-type-switcher.png"))

    use_language(page, "zh")
    page.goto(base + "/build/crm/forms/lead")
    summary = open_publish(page)
    expect(summary).to_contain_text("“手机” 将不允许重复，但已有 2 条记录共用 1 个值：")
    expect(confirm).to_have_text("仍然发布")
    page.locator("#publish-dialog .modal-box").screenshot(
        path=str(artifacts / "zh-builder-publish-duplicates.png"))
    confirm.click()
    expect(page.locator("#publish-dialog")).to_be_hidden()
    assert api.ok("GET", "/apps/crm/forms/lead/versions")["published_version"] == 3
    use_language(page, "en")

    # the records keep their value and stay editable; a new one holding it is refused
    page.goto(base + f"/a/crm/lead/{shared[1]['id']}/edit")
    page.locator(".record-form button[type=submit]").click()
    expect(page.locator(".flashes")).to_contain_text("Changes saved")
    page.goto(base + "/a/crm/lead/new")
    page.fill("#f-shou_ji", "138 0013 8000")
    page.locator(".record-form button[type=submit]").click()
    error = page.locator("#err-shou_ji")
    expect(error).to_contain_text(f"record #{shared[0]['id']} already has +8613800138000")
    expect(error.locator("a.error-record")).to_have_attribute(
        "href", f"/a/crm/lead/{shared[0]['id']}")
    shot(page, artifacts, "en-record-unique-refused")
    errors = [e for e in page.console_errors if "422" not in e]  # the refused form's answer
    assert not errors, errors


def test_the_publish_dialog_speaks_of_fields(page: Page, live_server, artifacts):
    api = admin_api(live_server)
    fields = [{"key": f"f{i}", "type": "text", "label": {"zh": f"字段{i}", "en": f"Field {i}"}}
              for i in range(10)]
    api.ok("PUT", "/apps/crm/forms/visit", json={"kind": "form", "key": "visit",
                                                 "label": {"zh": "拜访", "en": "Visit"},
                                                 "fields": fields})
    base = live_server["url"]
    log_in(page, base)
    for lang, words in (("zh", "新增 10 个字段（将保存到数据库）"),
                        ("en", "adds 10 fields (saved to the database)")):
        use_language(page, lang)
        page.goto(base + "/build/crm/forms/visit")
        expect(cards(page)).to_have_count(10)
        summary = open_publish(page)
        expect(summary).to_contain_text(words)
        details = summary.locator("details.publish-details")
        expect(details.locator("li").first).to_be_hidden()  # folded away
        details.locator("summary").click()
        expect(details).to_contain_text("crm__visit")
        page.locator("#publish-dialog .modal-box").screenshot(
            path=str(artifacts / f"{lang}-builder-publish-new-form.png"))
        page.locator('[data-action="publish-cancel"]').click()
    assert not re.search(r"Traceback", page.content())
    assert not page.console_errors, page.console_errors

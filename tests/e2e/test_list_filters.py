"""The list's filter bar asks for a value as the field holds it (issue 9): a choice from the
field's choices, yes or no, a date from a date input, a person or a related record from those
the reader may pick; and what is picked filters the list."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_record_flow import LIST, log_in, shot, use_language


def choose_field(page: Page, label: str) -> None:
    page.wait_for_load_state("load")  # the filter bar's script listens (after a submit too)
    page.locator("[data-filter-field]").select_option(label=label)


def test_filter_values_are_picked_not_typed(page: Page, live_server, artifacts):
    from tests.support import Factory

    api = Factory(live_server["app"]).api(live_server["admin"])
    companies = api.records("crm", "company", per_page=10)["records"]
    huawei = next(c["id"] for c in companies if c["name"] == "华为")
    api.create("crm", "deal", {"title": "Won with Huawei", "stage": "won", "vip": True,
                               "company": huawei, "due": "2031-05-01",
                               "manager": live_server["member"]})
    base = live_server["url"]
    log_in(page, base)
    use_language(page, "zh")
    page.goto(base + "/a/crm/deal")
    page.wait_for_url(LIST)

    value = page.locator("[data-filter-value]")
    choose_field(page, "阶段")
    expect(value).to_have_js_property("tagName", "SELECT")
    expect(value.locator("option")).to_contain_text(["选择…", "新建", "成交"])
    value.select_option(label="成交")
    shot(page, artifacts, "zh-list-filter-choice")
    page.locator(".filter-bar button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"f=stage&o=eq&v=won"))
    expect(page.locator("#record-list .row-link")).to_have_count(1)
    expect(page.locator("#record-list")).to_contain_text("Won with Huawei")

    choose_field(page, "重要客户")
    expect(value.locator("option")).to_contain_text(["选择…", "是", "否"])
    choose_field(page, "截止日期")
    expect(value).to_have_attribute("type", "date")
    choose_field(page, "数量")
    expect(value).to_have_attribute("type", "number")

    use_language(page, "en")
    page.goto(base + "/a/crm/deal")
    choose_field(page, "Company")  # related records the reader may read, by their titles
    expect(value.locator("option", has_text="华为")).to_have_count(1)
    value.select_option(label="华为")
    choose_field(page, "Company")  # choosing again keeps one value box
    expect(page.locator("[data-filter-value]")).to_have_count(1)
    value.select_option(label="华为")
    page.locator(".filter-bar button[type=submit]").click()
    expect(page.locator("#record-list .row-link")).to_have_count(1)
    choose_field(page, "Manager")  # people, by name
    expect(value.locator("option", has_text="Mia Chen")).to_have_count(1)
    shot(page, artifacts, "en-list-filter-user")
    assert page.console_errors == []


def test_my_columns_by_dragging_and_my_views(page: Page, live_server, artifacts):
    base = live_server["url"]
    log_in(page, base)
    use_language(page, "zh")
    page.goto(base + "/a/crm/deal")
    page.wait_for_url(LIST)
    heads = page.locator("table.records thead th:not(.pick)")
    expect(heads.nth(0)).to_have_text(re.compile("标题"))

    page.locator(".columns-menu summary").click()
    choices = page.locator("[data-column-choices] li")
    quantity = page.locator('[data-column-choices] li[data-column="qty"] .drag-handle')
    top = page.locator('[data-column-choices] li[data-column="title"]')
    box, target = quantity.bounding_box(), top.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    for step in range(1, 11):  # SortableJS follows the moves after it picked the row up
        page.mouse.move(box["x"] + box["width"] / 2,
                        box["y"] + (target["y"] - box["y"]) * step / 10 + 2)
        page.wait_for_timeout(30)
    page.mouse.up()
    expect(choices.first).to_have_attribute("data-column", "qty")
    page.locator('[data-column-choices] li[data-column="amount"] input').uncheck()
    shot(page, artifacts, "zh-list-columns")
    page.locator(".columns-menu button[type=submit]").click()
    expect(heads.nth(0)).to_have_text(re.compile("数量"))
    expect(page.locator("table.records thead")).not_to_contain_text("金额")

    choose_field_value = page.locator("[data-filter-value]")
    choose_field(page, "阶段")
    choose_field_value.select_option(label="成交")
    page.locator(".filter-bar button[type=submit]").click()
    expect(page.locator("#record-list .row-link")).to_have_count(1)
    page.locator(".views-menu summary").click()
    page.locator(".save-view input[name=name]").fill("我的成交")
    page.locator(".save-view button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"mine="))
    page.goto(base + "/a/crm/deal")  # the list as it opens: my columns, all records
    expect(heads.nth(0)).to_have_text(re.compile("数量"))
    expect(page.locator("#record-list .row-link")).to_have_count(4)
    page.locator(".views-menu summary").click()
    page.locator("[data-my-view]", has_text="我的成交").click()
    expect(page.locator("#record-list .row-link")).to_have_count(1)
    shot(page, artifacts, "zh-list-my-view")
    assert page.console_errors == []

"""In Chromium: a generated form with formulas — a field appears when its condition holds,
the calculation updates while typing, a validation formula's message shows on save, and the
stored record carries the calculated value."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.test_record_flow import log_in, shot, use_language

QUOTE = {
    "kind": "form", "key": "quote", "label": {"zh": "报价", "en": "Quote"},
    "fields": [
        {"key": "title", "type": "text", "label": {"zh": "标题", "en": "Title"},
         "required": True},
        {"key": "quantity", "type": "number", "label": {"zh": "数量", "en": "Quantity"}},
        {"key": "price", "type": "decimal", "label": {"zh": "单价", "en": "Unit price"},
         "config": {"precision": 2}},
        {"key": "total", "type": "formula", "label": {"zh": "总价", "en": "Total"},
         "config": {"formula": "{quantity} * {price}", "decimals": 2}},
        {"key": "rush", "type": "boolean", "label": {"zh": "加急", "en": "Rush order"}},
        {"key": "rush_reason", "type": "textarea", "label": {"zh": "加急原因",
                                                             "en": "Why the rush"},
         "visible_if": "{rush}", "required": True},
        {"key": "discount", "type": "number", "label": {"zh": "折扣 %", "en": "Discount %"},
         "validate": [{"formula": "{discount} <= 30",
                       "message": {"zh": "折扣超过 30% 需要审批",
                                   "en": "Discounts above 30% need approval"}}]},
    ],
}


def publish_quote(live_server) -> None:
    from tests.support import Factory

    factory = Factory(live_server["app"])
    factory.form(factory.api(live_server["admin"]), QUOTE)


def test_conditional_field_and_live_calculation(page: Page, live_server, artifacts):
    publish_quote(live_server)
    base = live_server["url"]
    log_in(page, base)
    use_language(page, "zh")
    page.goto(base + "/a/crm/quote/new")
    reason = page.locator('[data-field="rush_reason"]')
    expect(reason).to_be_hidden()
    page.fill("#f-quantity", "3")
    page.fill("#f-price", "19.90")
    expect(page.locator("#f-total")).to_have_value("59.70")
    page.fill("#f-quantity", "10")
    expect(page.locator("#f-total")).to_have_value("199.00")
    page.click("label.switch:has(#f-rush)")
    expect(reason).to_be_visible()
    expect(reason.locator(".req")).to_be_visible()
    page.click("label.switch:has(#f-rush)")
    expect(reason).to_be_hidden()
    page.click("label.switch:has(#f-rush)")
    page.fill("#f-title", "E2E 报价")
    page.fill("#f-discount", "45")
    expect(reason).to_be_visible()
    shot(page, artifacts, "formula-form-zh")
    page.click("button[type=submit].primary")
    expect(page.locator('[data-field="discount"] .field-error, #err-discount')).to_contain_text(
        "折扣超过 30% 需要审批")
    expect(page.locator("#err-rush_reason")).not_to_be_empty()
    page.fill("#f-discount", "10")
    page.fill("#f-rush_reason", "客户月底上线")
    page.click("button[type=submit].primary")
    expect(page.locator("main")).to_contain_text("199.00")


def test_the_form_in_english(page: Page, live_server, artifacts):
    publish_quote(live_server)  # publishing it again changes nothing
    base = live_server["url"]
    log_in(page, base)
    use_language(page, "en")
    page.goto(base + "/a/crm/quote/new")
    page.fill("#f-quantity", "4")
    page.fill("#f-price", "2.5")
    expect(page.locator("#f-total")).to_have_value("10.00")
    page.click("label.switch:has(#f-rush)")
    expect(page.locator('[data-field="rush_reason"]')).to_be_visible()
    shot(page, artifacts, "formula-form-en")
    use_language(page, "zh")


def test_a_late_answer_never_overwrites_a_newer_one(page: Page, live_server):
    """The live state of a form answers each change; an answer that arrives after a later
    one's (a slow network, a busy server) is stale and left out."""
    publish_quote(live_server)
    base = live_server["url"]
    log_in(page, base)
    use_language(page, "zh")
    page.goto(base + "/a/crm/quote/new")
    page.fill("#f-price", "10")
    page.fill("#f-quantity", "1")
    expect(page.locator("#f-total")).to_have_value("10.00")
    held = []

    def hold_the_first(route):
        if held:
            route.continue_()
        else:  # the request for quantity 2 is answered last
            held.append(route)

    page.route("**/state", hold_the_first)
    page.fill("#f-quantity", "2")
    page.wait_for_timeout(700)  # its request has left and is held
    assert len(held) == 1
    page.fill("#f-quantity", "7")
    expect(page.locator("#f-total")).to_have_value("70.00")
    held[0].fulfill(response=held[0].fetch())  # 20.00, for quantity 2
    page.wait_for_timeout(500)
    expect(page.locator("#f-total")).to_have_value("70.00")

"""In Chromium: build a form with formulas in the form builder — seven field types dragged from
the palette, one reordered, a visible-if condition written in the formula editor with its
autocomplete, a calculated field whose misspelt formula is shown wrong inline first — preview
it, publish it, and fill the generated form: the conditional field appears when its condition
holds and the calculation follows the typing. Screenshots of the editor in zh and en."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.e2e.test_builder_flow import (
    card_keys,
    cards,
    drag,
    drop_from_palette,
    placeholder,
    set_label,
    wait_saved,
)
from tests.e2e.test_builder_views import unexpected_errors
from tests.e2e.test_record_flow import log_in, shot, use_language

FORM = "bao_jia_dan"  # 报价单 in pinyin
DESIGNER = f"/build/crm/forms/{FORM}"
# palette type, zh label, the key the label gives, the key it is given then (None: keep it)
FIELDS = [("text", "标题", "biao_ti", None),
          ("number", "数量", "shu_liang", "quantity"),
          ("decimal", "单价", "dan_jia", "price"),
          ("boolean", "加急", "jia_ji", "rush"),
          ("textarea", "加急原因", "jia_ji_yuan_yin", "rush_reason"),
          ("select", "阶段", "jie_duan", None)]
HAS_ERROR = re.compile(r"\bhas-error\b")


def formula_area(page: Page, prop: str) -> Locator:
    return page.locator(f'#props textarea[data-prop="{prop}"]')


def editor(area: Locator) -> Locator:
    """The formula editor around a textarea: toolbar, input, message and panels."""
    return area.locator("xpath=ancestor::div[contains(concat(' ', @class, ' '), ' fe ')][1]")


def drop_and_name_fields(page: Page) -> None:
    for n, (ftype, *_names) in enumerate(FIELDS):
        drop_from_palette(page, ftype, first=n == 0)
        expect(cards(page)).to_have_count(n + 1)
    types = [page.evaluate("k => TrellisBuilder.field(k).type", k) for k in card_keys(page)]
    assert types == [f[0] for f in FIELDS]
    for index, (_type, label, pinyin, key) in enumerate(FIELDS):
        set_label(page, index, label, pinyin)
        if key:
            page.locator('#props [data-prop="key"]').fill(key)
            expect(cards(page).nth(index)).to_have_attribute("data-key", key)
    wait_saved(page)


def reorder(page: Page) -> None:
    """The stage card goes to the top by dragging."""
    before = card_keys(page)
    drag(page, cards(page).nth(5), cards(page).first, "top",
         landing=page.locator(placeholder(":first-child", "jie_duan")))
    expect(cards(page).first).to_have_attribute("data-key", "jie_duan")
    assert card_keys(page) == ["jie_duan", *before[:5]]
    assert page.evaluate("TrellisBuilder.doc.fields[0].key") == "jie_duan"  # the drop was read
    wait_saved(page)


def card(page: Page, key: str) -> Locator:
    return page.locator(f'#canvas .field-card[data-key="{key}"]')


def visible_if_with_autocomplete(page: Page) -> None:
    card(page, "rush_reason").click()
    area = formula_area(page, "visible_if")
    expect(area).to_be_visible()
    area.click()
    area.press_sequentially("{")
    options = editor(area).locator(".fe-complete .fe-option")
    expect(options.first).to_be_visible()
    expect(options.filter(has_text="{quantity}")).to_be_visible()  # every field is offered
    area.press_sequentially("加")  # labels count as much as keys
    option = options.filter(has_text="{rush}")
    expect(option).to_be_visible()
    option.click()
    expect(area).to_have_value("{加急}")  # shown by its label, kept by its key
    expect(editor(area).locator(".fe-type")).to_contain_text("✓")
    wait_saved(page)
    assert page.evaluate("TrellisBuilder.field('rush_reason').visible_if") == "{rush}"


def calculated_field(page: Page, artifacts) -> None:
    """A formula field: a misspelt reference is marked inline first, then fixed."""
    drop_from_palette(page, "formula")
    expect(cards(page)).to_have_count(len(FIELDS) + 1)
    set_label(page, len(FIELDS), "总价", "zong_jia")
    area = formula_area(page, "config.formula")
    area.click()
    area.press_sequentially("{quantty} * {price}")
    box = editor(area)
    message = box.locator(".fe-message.error")
    expect(message).to_contain_text("是不是 {quantity}")  # in the designer's language
    expect(box.locator(".fe-err")).to_have_text("{quantty}")
    expect(card(page, "zong_jia")).to_have_class(HAS_ERROR)  # the draft refused it
    expect(page.locator('#props [data-error-for="/config/formula"]')).to_contain_text(
        "quantity")
    page.locator("#props").screenshot(path=str(artifacts / "zh-builder-formula-error.png"))
    area.fill("")
    area.press_sequentially("{quantity} * {pri")
    box.locator(".fe-complete .fe-option", has_text="{price}").click()
    expect(area).to_have_value("{quantity} * {单价}")
    expect(box.locator(".fe-type")).to_contain_text("✓")
    expect(message).to_have_count(0)
    wait_saved(page)
    expect(card(page, "zong_jia")).not_to_have_class(HAS_ERROR)
    assert page.evaluate("TrellisBuilder.field('zong_jia').config.formula") == \
        "{quantity} * {price}"


def preview_runs_the_formulas(page: Page, artifacts) -> None:
    page.locator('[data-mode="preview"]').click()
    preview = page.locator("#preview")
    expect(preview.locator('[data-field="zong_jia"] .calc-badge')).to_have_text("公式计算")
    expect(preview.locator('[data-field="rush_reason"]')).to_be_hidden()
    preview.locator("#f-quantity").fill("2")
    preview.locator("#f-price").fill("8.5")
    expect(preview.locator("#f-zong_jia")).to_have_value("17.00")
    preview.locator("label.switch:has(#f-rush)").click()
    expect(preview.locator('[data-field="rush_reason"]')).to_be_visible()
    shot(page, artifacts, "zh-builder-formula-preview")
    page.locator('[data-mode="design"]').click()


def publish(page: Page, artifacts) -> None:
    page.locator('[data-action="publish"]').click()
    summary = page.locator("#publish-dialog [data-summary]")
    expect(summary).to_contain_text("新增 7 个字段（将保存到数据库）")
    expect(summary).to_contain_text("“总价”")
    page.locator("#publish-dialog").screenshot(
        path=str(artifacts / "zh-builder-formula-publish.png"))
    page.locator('[data-action="publish-confirm"]').click()
    expect(page.locator("#publish-dialog")).to_be_hidden()
    expect(page.locator("[data-publish-state]")).to_contain_text("1")


def fill_generated_form(page: Page, base: str, artifacts) -> None:
    page.goto(f"{base}/a/crm/{FORM}/new")
    order = page.locator(".record-form [data-field]").evaluate_all(
        "els => els.map(e => e.dataset.field)")
    assert order == ["jie_duan", "biao_ti", "quantity", "price", "rush", "rush_reason",
                     "zong_jia"], order
    reason = page.locator('[data-field="rush_reason"]')
    expect(reason).to_be_hidden()
    expect(page.locator('[data-field="zong_jia"] .calc-badge')).to_have_text("公式计算")
    page.fill("#f-quantity", "3")
    page.fill("#f-price", "19.90")
    expect(page.locator("#f-zong_jia")).to_have_value("59.70")
    page.fill("#f-quantity", "10")
    expect(page.locator("#f-zong_jia")).to_have_value("199.00")
    page.click("label.switch:has(#f-rush)")
    expect(reason).to_be_visible()
    page.fill("#f-biao_ti", "E2E 报价")
    page.fill("#f-rush_reason", "月底上线")
    shot(page, artifacts, "zh-builder-formula-generated")
    page.click("label.switch:has(#f-rush)")
    expect(reason).to_be_hidden()
    page.locator(".record-form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("199.00")


def english_editor(page: Page, base: str, artifacts) -> None:
    use_language(page, "en")
    page.goto(base + DESIGNER)
    card(page, "rush_reason").click()
    expect(editor(formula_area(page, "visible_if"))).to_contain_text("Functions")
    card(page, "zong_jia").click()
    area = formula_area(page, "config.formula")
    expect(area).to_have_value("{数量} * {单价}")  # labels written in Chinese only
    box = editor(area)
    box.locator(".fe-tool", has_text="Functions").click()
    box.locator(".fe-search:visible").fill("round")
    expect(box.locator(".fe-func").first).to_contain_text("ROUND")
    shot(page, artifacts, "en-builder-formula-editor")
    # Enter in the picker's search box takes the only match (issue 9, defect 8)
    box.locator(".fe-tool", has_text="Fields").click()
    box.locator(".fe-search:visible").fill("quantity")
    expect(box.locator(".fe-item:visible")).to_have_count(1)
    area.evaluate("a => a.setSelectionRange(a.value.length, a.value.length)")
    before = area.input_value()
    box.locator(".fe-search:visible").press("Enter")
    expect(area).to_have_value(re.compile(re.escape(before) + r"\{[^}]+\}$"))
    use_language(page, "zh")


def test_build_a_form_with_formulas_and_fill_it(page: Page, live_server, artifacts):
    base = live_server["url"]
    page.set_viewport_size({"width": 1280, "height": 1000})
    log_in(page, base)
    use_language(page, "zh")
    page.goto(base + "/build/")
    page.locator("#app-crm .create-menu summary").click()
    page.fill("#new-form-label-crm", "报价单")
    page.locator("#app-crm .create-menu button[type=submit]").click()
    page.wait_for_url(base + DESIGNER)  # and its scripts ran (the load event)

    drop_and_name_fields(page)
    reorder(page)
    # the formula editor reads the form's fields once per page: a fresh page knows the keys
    page.reload()
    visible_if_with_autocomplete(page)
    calculated_field(page, artifacts)
    box = editor(formula_area(page, "config.formula"))
    box.locator(".fe-tool", has_text="字段").click()
    expect(box.locator(".fe-item", has_text="{rush}")).to_be_visible()
    shot(page, artifacts, "zh-builder-formula-editor")
    preview_runs_the_formulas(page, artifacts)
    publish(page, artifacts)
    assert unexpected_errors(page) == []  # 422: the refused drafts, shown in the panel

    fill_generated_form(page, base, artifacts)
    english_editor(page, base, artifacts)
    assert unexpected_errors(page) == []

"""In Chromium, in zh-CN and in en: a lead form built by dragging — a select whose three default
choices are renamed and a fourth added, a number, and a score whose formula is written with
the fields' labels and the choices' labels — scores 25 for 金融/Finance and 600 employees in
"try it" (a dropdown of the choices), in the preview and in a saved record. The choices'
values follow their labels until published, the formula is stored with keys and shown with
labels, and an English reader of the Chinese form sees the designer's words, never "选项1".
Screenshots of the formula editor in both languages."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.test_builder_flow import cards, drop_from_palette, wait_saved
from tests.e2e.test_builder_formulas import editor, formula_area
from tests.e2e.test_builder_views import unexpected_errors
from tests.e2e.test_record_flow import log_in, pick, shot, use_language


@dataclass(frozen=True)
class Words:
    """What the designer types, in one language."""

    lang: str
    form: str
    form_key: str
    industry: str  # the select's label, and the key it gives
    industry_key: str
    employees: str
    employees_key: str
    score: str
    score_key: str
    choices: tuple[str, str, str, str]  # three renamed, one added

    def formula(self) -> str:
        finance, making = self.choices[:2]
        return (f'IF({{{self.industry}}} IN ["{finance}","{making}"],10,0)'
                f"+IF({{{self.employees}}}>500,15,0)")

    def stored(self) -> str:
        finance, making = self.choices[:2]
        return (f'IF({{{self.industry_key}}} IN ["{finance}","{making}"],10,0)'
                f"+IF({{{self.employees_key}}}>500,15,0)")


ZH = Words("zh", "销售线索", "xiao_shou_xian_suo", "行业", "hang_ye", "员工数", "yuan_gong_shu",
           "评分", "ping_fen", ("金融", "制造", "教育", "零售"))
EN = Words("en", "Sales lead", "sales_lead", "Industry", "industry", "Employees", "employees",
           "Score", "score", ("Finance", "Manufacturing", "Education", "Retail"))


def name_field(page: Page, index: int, label: str, key: str) -> None:
    """Type the field's label in the designer's language: a new field's key follows it."""
    cards(page).nth(index).click()
    box = page.locator('#props [data-prop="label"][data-lang]').first
    lang_box = page.locator(f'#props [data-prop="label"][data-lang="{page_lang(page)}"]')
    expect(box).to_be_visible()
    lang_box.fill(label)
    expect(page.locator('#props [data-prop="key"]')).to_have_value(key)
    expect(cards(page).nth(index)).to_have_attribute("data-key", key)


def page_lang(page: Page) -> str:
    return "en" if page.locator("html").get_attribute("lang") == "en" else "zh"


def choice_rows(page: Page) -> Locator:
    return page.locator('#props [data-array="config.choices"] [data-rows] > .array-row')


def rename_choices(page: Page, words: Words) -> None:
    """Rename the three default choices, add a fourth: each value follows its label."""
    rows = choice_rows(page)
    expect(rows).to_have_count(3)
    for n, text in enumerate(words.choices[:3]):
        rows.nth(n).locator('[data-item-prop="label"]').fill(text)
        expect(rows.nth(n).locator('[data-item-prop="value"]')).to_have_value(text)
    page.locator('#props [data-array="config.choices"] [data-action="add-row"]').click()
    expect(rows).to_have_count(4)
    rows.nth(3).locator('[data-item-prop="label"]').fill(words.choices[3])
    expect(rows.nth(3).locator('[data-item-prop="value"]')).to_have_value(words.choices[3])
    wait_saved(page)
    choices = page.evaluate(f"TrellisBuilder.field('{words.industry_key}').config.choices")
    assert [c["value"] for c in choices] == list(words.choices), choices
    # each label in the designer's language only: the other language falls back to it
    assert [c["label"] for c in choices] == [{words.lang: c} for c in words.choices], choices


def write_the_score(page: Page, words: Words) -> Locator:
    cards(page).nth(2).click()
    area = formula_area(page, "config.formula")
    expect(area).to_be_visible()
    area.click()
    area.press_sequentially(words.formula())
    expect(editor(area).locator(".fe-type")).to_contain_text("✓")
    wait_saved(page)
    # the draft (and the server) keep keys; the editor keeps showing labels
    assert page.evaluate(f"TrellisBuilder.field('{words.score_key}').config.formula") == \
        words.stored()
    expect(area).to_have_value(words.formula())
    return area


def try_it(page: Page, area: Locator, words: Words) -> None:
    box = editor(area)
    box.locator(".fe-tool").nth(2).click()  # ▶ 试算 / Try it
    industry = box.locator(f'.fe-try select[data-ref="{words.industry_key}"]')
    expect(industry).to_be_visible()  # a dropdown of the choices, not free text
    options = industry.locator("option").evaluate_all("os => os.map(o => o.textContent)")
    assert options[1:] == list(words.choices), options
    industry.select_option(label=words.choices[0])
    box.locator(f'.fe-try input[data-ref="{words.employees_key}"]').fill("600")
    box.locator(".fe-try .btn.primary").click()
    expect(box.locator(".fe-try-result")).to_contain_text("25")


def reopen_shows_labels(page: Page, words: Words, artifacts) -> None:
    """A fresh page: the formula stored with keys is shown with labels."""
    page.reload()
    cards(page).nth(2).click()
    area = formula_area(page, "config.formula")
    expect(area).to_have_value(words.formula())
    box = editor(area)
    box.locator(".fe-tool").first.click()  # the field list
    expect(box.locator(".fe-item", has_text=words.industry).first).to_be_visible()
    box.scroll_into_view_if_needed()
    box.screenshot(path=str(artifacts / f"{words.lang}-choices-editor.png"))
    box.locator(".fe-tool").first.click()
    try_it(page, area, words)
    box.scroll_into_view_if_needed()
    box.screenshot(path=str(artifacts / f"{words.lang}-choices-try.png"))


def preview_scores(page: Page, words: Words) -> None:
    page.locator('[data-mode="preview"]').click()
    preview = page.locator("#preview")
    expect(preview.locator(f"#f-{words.score_key}")).to_be_visible()
    pick(page, f"f-{words.industry_key}", words.choices[0][:1], words.choices[0])
    preview.locator(f"#f-{words.employees_key}").fill("600")
    expect(preview.locator(f"#f-{words.score_key}")).to_have_value("25")
    page.locator('[data-mode="design"]').click()


def publish(page: Page) -> None:
    page.locator('[data-action="publish"]').click()
    page.locator('[data-action="publish-confirm"]').click()
    expect(page.locator("#publish-dialog")).to_be_hidden()
    expect(page.locator("[data-publish-state]")).to_contain_text("1")


def saved_record_scores(page: Page, base: str, words: Words) -> str:
    page.goto(f"{base}/a/crm/{words.form_key}/new")
    pick(page, f"f-{words.industry_key}", words.choices[0][:1], words.choices[0])
    page.fill(f"#f-{words.employees_key}", "600")
    expect(page.locator(f"#f-{words.score_key}")).to_have_value("25")
    page.locator(".record-form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/a/crm/{words.form_key}/\d+$"))
    score = page.locator("dl.values .value-row", has=page.locator("dt", has_text=words.score))
    expect(score.locator("dd")).to_have_text("25")
    expect(page.locator("main")).to_contain_text(words.choices[0])
    return page.url


def build(page: Page, base: str, words: Words, artifacts) -> str:
    page.goto(base + "/build/")
    page.locator("#app-crm .create-menu summary").click()
    page.fill("#new-form-label-crm", words.form)
    page.locator("#app-crm .create-menu button[type=submit]").click()
    page.wait_for_url(f"{base}/build/crm/forms/{words.form_key}")
    for n, ftype in enumerate(("select", "number", "formula")):
        drop_from_palette(page, ftype, first=n == 0)
        expect(cards(page)).to_have_count(n + 1)
    name_field(page, 0, words.industry, words.industry_key)
    rename_choices(page, words)
    name_field(page, 1, words.employees, words.employees_key)
    name_field(page, 2, words.score, words.score_key)
    area = write_the_score(page, words)
    try_it(page, area, words)
    reopen_shows_labels(page, words, artifacts)
    preview_scores(page, words)
    publish(page)
    # published: the values stay when a label changes
    cards(page).nth(0).click()
    row = choice_rows(page).nth(0)
    row.locator('[data-item-prop="label"]').fill(words.choices[0] + "+")
    expect(row.locator('[data-item-prop="value"]')).to_have_value(words.choices[0])
    row.locator('[data-item-prop="label"]').fill(words.choices[0])
    wait_saved(page)
    return saved_record_scores(page, base, words)


@pytest.mark.parametrize("words", [ZH, EN], ids=["zh", "en"])
def test_renamed_choices_and_a_formula_in_labels_score_right(page: Page, live_server, artifacts,
                                                             words: Words):
    base = live_server["url"]
    page.set_viewport_size({"width": 1280, "height": 1000})
    log_in(page, base)
    use_language(page, words.lang)
    record = build(page, base, words, artifacts)
    shot(page, artifacts, f"{words.lang}-choices-record")
    if words.lang == "zh":  # an English reader sees the designer's words
        use_language(page, "en")
        page.goto(record)
        expect(page.locator("main")).to_contain_text("金融")
        expect(page.locator("main")).not_to_contain_text("选项")
        page.goto(record + "/edit")
        expect(page.locator(f"#f-{words.industry_key} option:checked")).to_have_text("金融")
        shot(page, artifacts, "en-choices-record-of-zh-form")
        use_language(page, "zh")
    assert unexpected_errors(page) == []

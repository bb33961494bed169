"""In Chromium: design a list view (drag columns, sort, a formula filter written with the
editor's autocomplete), publish it, see the list filtered; then the view's history, a diff
and a rollback. Screenshots of the zh and en builder go to test-artifacts/."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_record_flow import log_in, shot, use_language
from tests.support import Factory

DESIGNER = "/build/crm/views/big_qty"


def column(page: Page, where: str, key: str):
    return page.locator(f"#columns-{where} .bx-col[data-key={key}]")


def drag_column(page: Page, key: str, before: str | None = None) -> None:
    """Drag a field from the available list into the shown columns: onto the upper edge of
    ``before``, or the lower edge of the last shown column. SortableJS starts the drag on a
    later task and follows only the moves after that: move on once its floating copy shows.
    It reads the pointer on a 50 ms timer: release once its placeholder (the ghost class)
    stands where the column goes."""
    source = page.locator(f".bx-col[data-key={key}]")
    target = column(page, "shown", before) if before else page.locator(
        "#columns-shown .bx-col").last
    box = target.bounding_box()
    start = source.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 8, start["y"] + start["height"] / 2 + 4,
                    steps=4)
    expect(page.locator(".bx-col.bx-dragging")).to_be_attached()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2, steps=12)
    page.mouse.move(box["x"] + 22, box["y"] + (3 if before else box["height"] - 3), steps=6)
    ghost = f"#columns-shown > .bx-ghost[data-key={key}]"
    expect(page.locator(f"{ghost} + .bx-col[data-key={before}]" if before else
                        f"{ghost}:last-child")).to_be_attached()
    page.mouse.up()


def shown_keys(page: Page) -> list[str]:
    return page.locator("#columns-shown .bx-col").evaluate_all(
        "items => items.map(i => i.dataset.key)")


def expect_shown(page: Page, keys: list[str]) -> None:
    """The shown columns are ``keys``, in order (waiting for them, as expect does)."""
    items = page.locator("#columns-shown .bx-col")
    expect(items).to_have_count(len(keys))
    for n, key in enumerate(keys):
        expect(items.nth(n)).to_have_attribute("data-key", key)


def wait_saved(page: Page) -> None:
    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved", timeout=10_000)


def unexpected_errors(page: Page) -> list[str]:
    """Console errors, less the browser's notes on answers the page expects (422 marks a
    mistake the designer shows next to its control)."""
    return [e for e in page.console_errors if "status of 422" not in e]


def create_view(page: Page, base: str) -> None:
    page.goto(base + "/build/crm/forms/deal/new-view")
    page.fill("#label_zh", "大数量商机")
    page.fill("#label_en", "Big quantity deals")
    page.fill("#key", "big_qty")
    page.click("button[type=submit].primary")
    page.wait_for_url(base + DESIGNER)  # and its scripts ran (the load event)


def design_columns(page: Page) -> None:
    for key in ("tags", "notes", "website", "phone", "email", "amount", "updated_at", "due"):
        if column(page, "shown", key).count():
            column(page, "shown", key).locator("[data-move-column]").click()
    drag_column(page, "qty", before="title")
    expect(column(page, "shown", "qty")).to_be_visible()
    drag_column(page, "code")
    expect(column(page, "shown", "code")).to_be_visible()
    wait_saved(page)
    keys = shown_keys(page)
    assert keys.index("qty") < keys.index("title"), keys


def design_sort_and_formula(page: Page) -> None:
    page.click("#add-sort")
    row = page.locator("#sort-rows .bx-row").last
    row.locator("[name=sort_field]").select_option("qty")
    row.locator("[name=sort_direction]").select_option("desc")
    area = page.locator("#view-formula")
    area.click()
    area.press_sequentially("{qt")
    option = page.locator(".fe-complete .fe-option", has_text="{qty}")
    expect(option).to_be_visible()
    box = page.locator(".bx-formula-block").bounding_box()
    page.screenshot(path=str(ARTIFACTS / "zh-formula-autocomplete.png"),
                    clip={**box, "height": box["height"] + 120}, full_page=True)
    area.press("Enter")
    area.press_sequentially(" > 1 AN")
    expect(page.locator(".fe-complete .fe-option").first).to_contain_text("AND")
    area.press("Enter")
    area.press_sequentially("NOT ISBL")
    expect(page.locator(".fe-complete .fe-option").first).to_contain_text("ISBLANK")
    area.press("Enter")
    area.press_sequentially("{title})")
    # the field picked is written by its label, the one typed as typed: both are kept by key
    expect(area).to_have_value("{数量} > 1 AND NOT ISBLANK({title})")
    expect(page.locator(".fe-type")).to_contain_text("✓")
    wait_saved(page)
    stored = page.evaluate("fetch('/api/v1/apps/crm/views/big_qty', {headers: {Accept: "
                           "'application/json'}}).then(r => r.json())")
    assert stored["filter"] == "{qty} > 1 AND NOT ISBLANK({title})"


def try_formula(page: Page, artifacts) -> None:
    """"Try it": the editor asks for the fields the formula uses and shows the result."""
    page.locator(".fe-tool", has_text="试算").click()
    panel = page.locator(".fe-try")
    panel.locator("input[data-ref=qty]").fill("5")
    panel.locator("input[data-ref=title]").fill("样品")
    panel.locator("button", has_text="运行").click()
    expect(panel.locator(".fe-try-result")).to_have_text("结果: true")
    panel.locator("input[data-ref=qty]").fill("1")
    panel.locator("button", has_text="运行").click()
    expect(panel.locator(".fe-try-result")).to_have_text("结果: false")
    page.locator(".bx-formula-block").screenshot(path=str(artifacts / "zh-formula-try.png"))
    page.locator(".fe-tool", has_text="试算").click()


def check_formula_errors(page: Page, artifacts) -> None:
    area = page.locator("#view-formula")
    area.fill("{qty} > ")
    expect(page.locator(".fe-message.error")).to_be_visible()
    expect(page.locator(".fe-err")).to_be_attached()
    page.locator(".bx-formula-block").screenshot(path=str(artifacts / "zh-formula-error.png"))
    area.fill("{qty} > 1 AND NOT ISBLANK({title})")
    expect(page.locator(".fe-message.error")).to_have_count(0)
    wait_saved(page)


def test_design_publish_and_use_a_view(page: Page, live_server, artifacts):
    base = live_server["url"]
    log_in(page, base)
    create_view(page, base)
    design_columns(page)
    design_sort_and_formula(page)
    page.locator(".fe-tool", has_text="函数").click()
    expect(page.locator(".fe-func").first).to_be_visible()
    shot(page, artifacts, "zh-view-designer")
    page.locator(".fe-tool", has_text="函数").click()
    try_formula(page, artifacts)
    check_formula_errors(page, artifacts)
    page.click("#publish-view")
    expect(page.locator("#designer-alert")).to_contain_text("版本 1")
    page.goto(base + "/a/crm/deal?view=big_qty")
    rows = page.locator("table.records tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Existing deal 3")  # sorted by quantity, descending
    headers = page.locator("table.records thead th:not(.pick)").all_inner_texts()
    assert headers[0].strip() == "数量" and "编号" in [h.strip() for h in headers], headers
    shot(page, artifacts, "zh-view-list")
    assert unexpected_errors(page) == []


def test_view_history_diff_and_rollback(page: Page, live_server, artifacts):
    base = live_server["url"]
    log_in(page, base)
    page.goto(base + DESIGNER)
    page.fill("#per-page", "2")
    wait_saved(page)
    page.click("#publish-view")
    expect(page.locator("#designer-alert")).to_contain_text("版本 2")
    page.goto(base + DESIGNER + "/../big_qty/history".replace("/../big_qty", ""))
    expect(page.locator(".bx-change", has_text="每页行数")).to_be_visible()
    shot(page, artifacts, "zh-view-history")
    page.locator("tr[data-version='1'] a", has_text="回滚").click()
    expect(page.locator("h1")).to_contain_text("版本 1")
    page.click("button[type=submit].primary")
    expect(page.locator(".alert-success")).to_contain_text("版本 3")
    expect(page.locator("tr[data-version='3'] .tag-ok")).to_be_visible()
    use_language(page, "en")
    page.goto(base + DESIGNER + "/history?from=2&to=3")
    expect(page.locator(".bx-diff-head")).to_contain_text("Version 2 to Version 3")
    shot(page, artifacts, "en-view-history")
    page.goto(base + DESIGNER)
    expect(page.locator("#per-page")).to_have_value("")
    shot(page, artifacts, "en-view-designer")
    form_rollback_preview(page, live_server, artifacts)
    use_language(page, "zh")
    assert unexpected_errors(page) == []


def form_rollback_preview(page: Page, live_server, artifacts) -> None:
    """A form's rollback says what it does to the table before anything happens."""
    from tests.e2e.forms import DEAL

    api = Factory(live_server["app"]).api(live_server["admin"])
    city = {"key": "city", "type": "text", "label": {"zh": "城市", "en": "City"}}
    api.ok("PUT", "/apps/crm/forms/deal", json={**DEAL, "fields": [*DEAL["fields"], city]})
    api.ok("POST", "/apps/crm/forms/deal/publish")
    base = live_server["url"]
    page.goto(base + "/build/crm/forms/deal/history")
    expect(page.locator(".bx-change", has_text="City")).to_be_visible()
    shot(page, artifacts, "en-form-history")
    page.locator("tr[data-version='1'] a", has_text="Roll back").click()
    expect(page.locator(".bx-effect")).to_contain_text(
        "removes 1 field from the form; its data is kept and comes back if you add it again: "
        "“City”")
    shot(page, artifacts, "en-form-rollback")
    page.locator(".bx-confirm a", has_text="Cancel").click()
    expect(page.locator("tr[data-version='2'] .tag-ok")).to_be_visible()

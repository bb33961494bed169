"""In Chromium: a designer opens the app's to-do settings from the builder home, sets the lead
form's priority formula, adds the seeds' two hints (formulas typed in the formula editor, the
second counting pricing-page visits on 3 days), reorders them by dragging, picks the
follow-up form, sees the autosave, previews a stored record, publishes; then the daily to-do
list shows the hint. Screenshots in zh and en."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import compile_translations, make_app
from tests.e2e.test_builder_views import unexpected_errors, wait_saved
from tests.e2e.test_record_flow import shot, use_language
from tests.e2e.test_rules_pages import ACTIVITY, LEAD
from tests.e2e.test_todo import FLOW, b_on_the_pricing_page
from tests.integration.workflows_support import DAY, T0, publish, tick
from tests.support import Factory

pytestmark = pytest.mark.e2e
PRICING = '{kind} = "page_view" AND {page} = "pricing"'
HIGH = ("客户{name}已达到高意向分数，请立即电话联系",
        "{name} reached a high intent score: call now")
PAGES = ("客户{name}已连续{related}天访问定价页，建议发送产品对比资料",
         "{name} visited the pricing page {related} days running: send the comparison")


@pytest.fixture(scope="module")
def server(tmp_path_factory, sqlite_template) -> Iterator[dict]:
    from werkzeug.serving import make_server

    from app.bootstrap import init_db

    compile_translations()
    tmp = tmp_path_factory.mktemp("e2e-todo-settings")
    shutil.copy(sqlite_template, tmp / "trellis.db")
    app = make_app(tmp, f"sqlite:///{tmp / 'trellis.db'}", REDIS_URL=None)
    init_db(app)
    runtime = app.extensions["trellis"]
    runtime.clock.set(T0 - 2 * DAY)
    factory = Factory(app)
    admin = factory.api(factory.user("admin@example.com", ["admin"], name="Ada Admin"))
    factory.user("dee@example.com", ["designer", "manager"], name="丁设计", locale="zh")
    factory.app_doc(admin)
    factory.form(admin, LEAD)
    factory.form(admin, ACTIVITY)
    publish(admin, FLOW)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="trellis-e2e-todoset",
                              daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_port}", "admin": admin,
               "runtime": runtime}
    finally:
        server.shutdown()
        thread.join(10)
        runtime.engine.dispose()


def log_in(page: Page, base: str) -> None:
    page.goto(base + "/login")
    page.fill("#email", "dee@example.com")
    page.fill("#password", "password-123")
    page.click("button[type=submit].primary")
    page.wait_for_url(base + "/")


def type_formula(area, text: str) -> None:
    """Type into a formula editor as a person does (its suggestions open and close)."""
    area.click()
    area.press_sequentially(text, delay=10)
    area.press("Escape")


def hint(page: Page, n: int):
    return page.locator("#todo-hints [data-hint]").nth(n)


def add_hints(page: Page) -> None:
    page.click("#add-hint")
    first = hint(page, 0)
    expect(first.locator("[data-hint-form]")).to_have_value("lead")
    type_formula(first.locator("textarea[data-hint-when]"), "{score} >= 80")
    first.locator('[data-text="zh"]').fill(HIGH[0])
    first.locator('[data-text="en"]').fill(HIGH[1])
    page.click("#add-hint")
    second = hint(page, 1)
    second.locator("label.switch", has=page.locator("[data-count-related]")).click()
    expect(second.locator("[data-count-related]")).to_be_checked()
    second.locator('select[data-related="form"]').select_option("activity")
    second.locator('select[data-related="link"]').select_option("lead")
    second.locator('input[data-related="days"]').fill("3")
    second.locator('select[data-related="per"]').select_option("day")
    second.locator('input[data-related="min"]').fill("3")
    type_formula(second.locator('textarea[data-related="when"]'), PRICING)
    expect(second.locator(".td-place", has_text="{related}")).to_be_visible()
    second.locator('[data-text="zh"]').click()
    second.locator('[data-text="zh"]').press_sequentially("客户")
    second.locator(".td-place", has_text="{name}").click()  # a placeholder put in
    second.locator('[data-text="zh"]').press_sequentially("已连续")
    second.locator(".td-place", has_text="{related}").click()
    second.locator('[data-text="zh"]').press_sequentially("天访问定价页，建议发送产品对比资料")
    expect(second.locator('[data-text="zh"]')).to_have_value(PAGES[0])
    second.locator('[data-text="en"]').fill(PAGES[1])


def drag_hint(page: Page, n: int, before: int) -> None:
    """Press a hint's grip and move it onto the upper part of hint ``before`` (both in
    view: a tall window, the first card at the top)."""
    page.set_viewport_size({"width": 1280, "height": 1600})
    hint(page, before).evaluate("el => el.scrollIntoView()")
    grip = hint(page, n).locator(".row-grip").bounding_box()
    target = hint(page, before).bounding_box()
    x, y = grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 4, y - 6, steps=4)
    expect(page.locator(".rl-dragging")).to_be_attached()
    page.mouse.move(x, target["y"] + 10, steps=15)
    page.mouse.move(x, target["y"] + 8, steps=3)
    page.mouse.up()


def test_a_designer_sets_the_to_do_list_and_the_list_shows_the_hint(server, page: Page,
                                                                     artifacts: Path):
    base, admin, runtime = server["url"], server["admin"], server["runtime"]
    b_on_the_pricing_page(admin, runtime)
    admin.create("crm", "lead", {"name": "A", "score": 85})
    tick(runtime, T0 + DAY / 24 / 60)  # each lead's approval opens for the managers
    log_in(page, base)
    page.goto(base + "/build/")
    page.locator("#app-crm [data-todo-link]").click()
    page.wait_for_url(base + "/build/crm/todo")
    expect(page.locator("h1")).to_have_text("待办设置：客户")
    type_formula(page.locator('textarea[data-priority="lead"]'), "{score}")
    add_hints(page)
    follow = page.locator("#todo-follow")
    follow.locator('[data-follow="form"]').select_option("activity")
    follow.locator('[data-follow="link"]').select_option("lead")
    follow.locator('[data-follow="note"]').select_option("page")
    wait_saved(page)
    todo = admin.ok("GET", "/apps/crm")["todo"]
    assert todo["priority"] == {"lead": "{score}"}
    assert [h["text"]["zh"] for h in todo["hints"]] == [HIGH[0], PAGES[0]]
    assert todo["hints"][1]["related"] == {"form": "activity", "link": "lead", "days": 3,
                                           "per": "day", "min": 3, "when": PRICING}
    assert todo["follow_up"] == {"form": "activity", "link": "lead", "note": "page"}

    drag_hint(page, 1, 0)
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(hint(page, 0).locator('[data-text="zh"]')).to_have_value(PAGES[0])
    wait_saved(page)
    assert [h["text"]["zh"] for h in admin.ok("GET", "/apps/crm")["todo"]["hints"]] == [
        PAGES[0], HIGH[0]]

    preview = page.locator("#todo-preview")
    preview.locator("[data-preview-form]").select_option("lead")
    preview.locator("[data-preview-search]").fill("B")
    preview.locator("[data-pick-record]", has_text="B").first.click()
    expect(preview.locator("[data-preview-priority]")).to_have_text("40")
    expect(preview.locator("[data-preview-hint]")).to_contain_text(
        "客户B已连续3天访问定价页，建议发送产品对比资料")
    page.click("#publish-todo")
    expect(page.locator("#designer-alert")).to_contain_text("已发布为版本")
    shot(page, artifacts, "builder-todo-zh")
    use_language(page, "en")
    expect(page.locator("h1")).to_have_text("To-do list settings: CRM")
    expect(hint(page, 0).locator('[data-text="en"]')).to_have_value(PAGES[1])
    preview.locator("[data-preview-form]").select_option("lead")
    preview.locator("[data-preview-search]").fill("A")
    preview.locator("[data-pick-record]", has_text="A").first.click()
    expect(preview.locator("[data-preview-hint]")).to_contain_text(
        "A reached a high intent score: call now")
    shot(page, artifacts, "builder-todo-en")

    page.goto(base + "/todo")
    items = page.locator(".todo-item")
    expect(items).to_have_count(2)
    expect(items.nth(0).locator(".todo-hint")).to_have_text("A reached a high intent score: "
                                                            "call now")
    expect(items.nth(1).locator(".todo-hint")).to_have_text(
        "B visited the pricing page 3 days running: send the comparison")
    assert not unexpected_errors(page), page.console_errors

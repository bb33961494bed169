"""In Chromium: a lead saved from its form starts a workflow with an approval; the approver
opens the daily to-do list (每日待办), sees the task ranked by the app's priority formula with
the seeds' hints, approves it in place, and the instance moves on. Screenshots in zh-CN and
en at phone width (390×844) and on the desktop."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import compile_translations, make_app
from tests.e2e.test_record_flow import log_in, use_language
from tests.e2e.test_rules_pages import ACTIVITY, LEAD, label
from tests.integration.helpers import rows
from tests.integration.workflows_support import DAY, T0, edge, node, publish, tick, workflow
from tests.support import Factory

PRICING = '{kind} = "page_view" AND {page} = "pricing"'
TODO = {
    "priority": {"lead": "{score}"},
    "hints": [
        {"form": "lead", "when": "{score} >= 80",
         "text": label("客户{name}已达到高意向分数，请立即电话联系",
                       "{name} reached a high intent score: call now")},
        {"form": "lead", "related": {"form": "activity", "link": "lead", "when": PRICING,
                                     "days": 3, "per": "day", "min": 3},
         "text": label("客户{name}已连续{related}天访问定价页，建议发送产品对比资料",
                       "{name} visited the pricing page {related} days running: send the "
                       "product comparison")}],
}
FLOW = workflow(
    "call", [node("start", "trigger", on="created"),
             node("ok", "approval", assignees=[{"role": "manager"}], due={"hours": 4},
                  title=label("跟进 {name}", "Follow up {name}")),
             node("won", "update_record", values={"stage": '"sql"'}),
             node("end", "end"), node("no", "end", status="rejected")],
    [edge("start", "ok"), edge("ok", "won", on="approved"), edge("won", "end"),
     edge("ok", "no", on="rejected")])


@pytest.fixture(scope="module")
def todo_server(tmp_path_factory, sqlite_template) -> Iterator[dict]:
    from werkzeug.serving import make_server

    from app.bootstrap import init_db

    compile_translations()
    tmp = tmp_path_factory.mktemp("e2e-todo")
    shutil.copy(sqlite_template, tmp / "trellis.db")
    app = make_app(tmp, f"sqlite:///{tmp / 'trellis.db'}", REDIS_URL=None)
    init_db(app)
    runtime = app.extensions["trellis"]
    runtime.clock.set(T0 - 2 * DAY)
    factory = Factory(app)
    admin = factory.api(factory.user("admin@example.com", ["admin"], name="Ada Admin"))
    boss = factory.user("boss@example.com", ["manager", "admin"], name="李经理", locale="zh")
    factory.app_doc(admin)
    factory.form(admin, LEAD)
    factory.form(admin, ACTIVITY)
    admin.ok("PUT", "/apps/crm", json={"kind": "app", "key": "crm",
                                      "label": label("客户", "CRM"), "todo": TODO})
    admin.ok("POST", "/apps/crm/publish")
    publish(admin, FLOW)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="trellis-e2e-todo",
                              daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, "admin": admin,
               "boss": boss, "runtime": runtime}
    finally:
        server.shutdown()
        thread.join(10)
        runtime.engine.dispose()


def b_on_the_pricing_page(admin, runtime) -> int:
    """Lead B (score 40) visited the pricing page on each of the last three days."""
    lead = admin.create("crm", "lead", {"name": "B", "score": 40})["id"]
    for day in range(3):
        runtime.clock.set(T0 - (2 - day) * DAY)
        admin.create("crm", "activity", {"lead": lead, "kind": "page_view", "page": "pricing"})
    return lead


def shoot(page: Page, artifacts: Path, name: str, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.screenshot(path=str(artifacts / name), full_page=True)


def test_approve_from_the_daily_to_do_list(todo_server, page: Page, artifacts: Path):
    base, admin, runtime = todo_server["url"], todo_server["admin"], todo_server["runtime"]
    b_on_the_pricing_page(admin, runtime)
    log_in(page, base)
    page.goto(base + "/a/crm/lead/new")  # lead A, saved from its form, starts the workflow
    page.fill("#f-name", "A")
    page.fill("#f-score", "85")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/a/crm/lead/*")
    a_id = int(page.url.rstrip("/").split("/")[-1])
    tick(runtime, T0 + DAY / 24 / 60)  # the workflows' consumer and steps run
    page.context.clear_cookies()

    page.goto(base + "/login")  # the approver
    page.fill("#email", "boss@example.com")
    page.fill("#password", "password-123")
    page.click("button[type=submit].primary")
    page.wait_for_url(base + "/")
    expect(page.locator(".todo-link .todo-count")).to_have_attribute("data-open", "2")
    page.locator(".todo-link").click()
    items = page.locator(".todo-item")
    expect(items).to_have_count(2)
    expect(items.nth(0).locator(".todo-title")).to_have_text("跟进 A")
    expect(items.nth(0).locator(".todo-hint")).to_have_text(
        "客户A已达到高意向分数，请立即电话联系")
    expect(items.nth(1).locator(".todo-hint")).to_have_text(
        "客户B已连续3天访问定价页，建议发送产品对比资料")
    expect(items.nth(0).locator(".todo-due")).to_have_text("今天 13:01")
    expect(page.locator('[data-filter="today"] .todo-filter-count')).to_have_text("2")
    page.select_option("select[name=kind]", "task")  # the filters by kind: no tasks here
    expect(page.locator(".todo-empty")).to_be_visible()
    page.wait_for_load_state()  # (the page's script, which submits a changed filter, is in)
    page.select_option("select[name=kind]", "")
    expect(items).to_have_count(2)
    shoot(page, artifacts, "todo-desktop-zh.png", 1280, 900)
    shoot(page, artifacts, "todo-phone-zh.png", 390, 844)
    use_language(page, "en")
    expect(items.nth(0).locator(".todo-due")).to_have_text("Today 13:01")
    expect(items.nth(0).locator(".todo-hint")).to_have_text("A reached a high intent score: "
                                                            "call now")
    items.nth(1).locator(".todo-more summary").click()
    shoot(page, artifacts, "todo-phone-en.png", 390, 844)
    shoot(page, artifacts, "todo-desktop-en.png", 1280, 900)

    # a rejection without a reason is refused in place; then A is approved in place
    items.nth(1).locator('form[data-action="reject"] input[name="comment"]').evaluate(
        "el => el.removeAttribute('required')")
    items.nth(1).get_by_role("button", name="Reject").click()
    expect(items.nth(1).locator(".todo-error")).to_have_text("say why")
    url = page.url
    items.nth(0).get_by_role("button", name="Approve").click()
    expect(items).to_have_count(1)
    expect(items.nth(0).locator(".todo-title")).to_have_text("Follow up B")
    expect(page.locator(".todo-link .todo-count")).to_have_attribute("data-open", "1")
    assert page.url == url  # in place
    tick(runtime, T0 + DAY / 24 / 30)
    found = rows(runtime, "SELECT status FROM workflow_instances WHERE record_id = :r", r=a_id)
    assert [r["status"] for r in found] == ["completed"]
    assert admin.ok("GET", f"/apps/crm/forms/lead/records/{a_id}")["stage"] == "sql"
    assert [e for e in page.console_errors if "422" not in e] == []  # the refused reject

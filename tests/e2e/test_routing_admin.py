"""In Chromium: an admin makes a team on /admin/teams, sets a member's routing attributes on
/admin/routing (working hours, a day off, weight), sees a mistake marked at its field, and
reads a record's assignment log on its page — in English and Chinese, with screenshots."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from runtime.permissions import SYSTEM
from tests.e2e.conftest import compile_translations, make_app
from tests.e2e.test_record_flow import log_in, use_language
from tests.integration.helpers import field, form_doc
from tests.support import Factory

LEAD = form_doc("lead", [field("name", required=True), field("province")],
                label={"zh": "线索", "en": "Lead"})


@pytest.fixture(scope="module")
def routing_server(tmp_path_factory, sqlite_template) -> Iterator[dict]:
    """A server with a team of three reps and a lead routed to one of them."""
    from werkzeug.serving import make_server

    from app.bootstrap import init_db

    compile_translations()
    tmp = tmp_path_factory.mktemp("e2e-routing")
    shutil.copy(sqlite_template, tmp / "trellis.db")
    app = make_app(tmp, f"sqlite:///{tmp / 'trellis.db'}", REDIS_URL=None)
    init_db(app)
    factory = Factory(app)
    admin = factory.api(factory.user("admin@example.com", ["admin"], name="Admin"))
    factory.app_doc(admin)
    factory.form(admin, LEAD)
    reps = [factory.user(f"rep{i}@example.com", ["member"], name=name, teams=["大客户销售组"])
            for i, name in enumerate(("王芳", "李雷", "赵强"))]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="trellis-e2e-routing",
                              daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, "admin": admin,
               "reps": reps}
    finally:
        server.shutdown()
        thread.join(10)
        app.extensions["trellis"].engine.dispose()


def route(app, record_id: int) -> None:
    runtime = app.extensions["trellis"]
    with runtime.session() as session, session.begin():
        records = runtime.records(session, runtime.plan(session, "crm", "lead"), SYSTEM, "rule")
        runtime.routing.assign(records, record_id, {"strategy": "round_robin",
                                                    "team": "大客户销售组"}, rule="route_sql")


def test_admin_sets_routing_attributes_and_reads_an_assignment_log(routing_server, page: Page,
                                                                   artifacts: Path):
    base, reps = routing_server["url"], routing_server["reps"]
    log_in(page, base)
    # the Teams page: a new team with a member
    page.goto(base + "/admin/teams")
    use_language(page, "en")
    page.fill("#new-team", "华南组")
    page.get_by_role("button", name="Create team").click()
    expect(page.locator(".alert-success")).to_contain_text("Team 华南组 created.")
    south = page.locator("section.admin-team[data-team=华南组]")
    south.locator("select").select_option(label="赵强")
    south.get_by_role("button", name="Add member").click()
    expect(south.locator("tr[data-user]")).to_have_count(1)
    page.screenshot(path=str(artifacts / "routing-teams-en.png"), full_page=True)
    use_language(page, "zh")
    expect(page.locator("h1")).to_have_text("团队")
    page.screenshot(path=str(artifacts / "routing-teams-zh.png"), full_page=True)
    use_language(page, "en")

    page.goto(base + "/admin/routing")
    team = page.locator("section.routing-team[data-team=大客户销售组]")
    expect(team.locator("tr[data-user]")).to_have_count(3)

    team.locator(f"tr[data-user='{reps[0]}']").get_by_role("link", name="Edit").click()
    expect(page.locator("h1")).to_have_text("Routing of 王芳")
    page.fill("#f-weight", "-1")
    page.uncheck("#f-any_time")
    page.fill("#f-hours_wed", "nine to five")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#err-weight")).to_have_text("must be a whole number from 0 to 100")
    expect(page.locator("#err-hours_wed")).to_contain_text("09:00-12:00")
    page.fill("#f-weight", "2")
    page.fill("#f-regions", "华东, 华南")
    expect(page.locator("#f-any_time")).not_to_be_checked()  # kept as posted
    for day in ("mon", "tue", "wed", "thu", "fri"):
        page.fill(f"#f-hours_{day}", "09:00-12:00, 13:00-18:00")
    page.fill("#f-hours_wed", "09:00-18:00")
    page.fill("#f-days_off", "2026-12-24\n2027-02-10/2027-02-17")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".alert-success")).to_contain_text("Routing of 王芳 in 大客户销售组 saved.")
    row = team.locator(f"tr[data-user='{reps[0]}']")
    expect(row).to_contain_text("Mon 09:00-12:00, 13:00-18:00")
    expect(row).to_contain_text("2027-02-10/2027-02-17")
    expect(row).to_contain_text("华南")
    # pause 李雷: the next assignment skips him and says why
    team.locator(f"tr[data-user='{reps[1]}']").get_by_role("link", name="Edit").click()
    page.uncheck("#f-routing")
    page.get_by_role("button", name="Save").click()
    expect(team.locator(f"tr[data-user='{reps[1]}']")).to_contain_text("paused")
    page.screenshot(path=str(artifacts / "routing-admin-en.png"), full_page=True)
    use_language(page, "zh")
    expect(page.locator("h1")).to_have_text("路由")
    expect(team.locator(f"tr[data-user='{reps[0]}']")).to_contain_text("周一 09:00-12:00")
    expect(team.locator(f"tr[data-user='{reps[1]}']")).to_contain_text("已暂停")
    page.screenshot(path=str(artifacts / "routing-admin-zh.png"), full_page=True)
    team.locator(f"tr[data-user='{reps[2]}']").get_by_role("link", name="编辑").click()
    page.fill("#f-days_off", "2026-02-30")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#err-days_off")).to_contain_text("必须是日期")
    page.screenshot(path=str(artifacts / "routing-member-error-zh.png"), full_page=True)

    lead = routing_server["admin"].create("crm", "lead", {"name": "华为", "province": "广东"})
    routing_server["app"].extensions["trellis"].clock.reset()
    route(routing_server["app"], lead["id"])
    page.goto(f"{base}/a/crm/lead/{lead['id']}")
    log = page.locator("section.assignments")
    expect(log.locator("[data-assignment]")).to_have_count(1)
    expect(log).to_contain_text("按「轮流分配」")
    log.locator("summary").click()
    expect(log).to_contain_text("已暂停：不接收新记录")
    page.screenshot(path=str(artifacts / "routing-record-log-zh.png"), full_page=True)
    use_language(page, "en")
    expect(log).to_contain_text("Round-robin")
    expect(log).to_contain_text("by the rule route_sql")
    page.screenshot(path=str(artifacts / "routing-record-log-en.png"), full_page=True)
    # the refused forms' answers (422) are the only errors the browser logged
    assert [e for e in page.console_errors if "status of 422" not in e] == []

"""In Chromium, on a form with a published ruleset (a scoring model with attribute and
behaviour rules, thresholds with stages, a manual rule, round-robin assignment to a team):
a lead created in the browser shows its score, "why this score" line by line and its
assignment log; the manual rule's button lifts it over the SQL threshold; the notification
its threshold rule sends rings the bell; the webhook it calls (a refused private address)
is an incident an admin retries on /admin/incidents; the list runs the rule on chosen records.
Screenshots in zh-CN and en."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import compile_translations, make_app
from tests.e2e.test_record_flow import log_in, use_language
from tests.integration.helpers import field
from tests.support import Factory

TEAM = "大客户销售组"
STAGES = {"choices": [{"value": "new", "label": {"zh": "新线索", "en": "New"}},
                      {"value": "nurture", "label": {"zh": "培育中", "en": "Nurturing"}},
                      {"value": "sql", "label": {"zh": "销售合格", "en": "Sales-qualified"}}]}
KINDS = {"choices": [{"value": "page_view", "label": {"zh": "浏览页面", "en": "Page view"}},
                     {"value": "demo", "label": {"zh": "申请演示", "en": "Demo request"}}]}


def label(zh: str, en: str) -> dict:
    return {"zh": zh, "en": en}


LEAD = {"kind": "form", "key": "lead", "label": label("线索", "Lead"), "title_field": "name",
        "fields": [
            field("name", required=True, label=label("姓名", "Name")),
            field("industry", label=label("行业", "Industry")),
            field("employees", "number", label=label("员工数", "Employees")),
            field("decision_maker", "boolean", label=label("决策者", "Decision maker")),
            field("score", "number", label=label("线索分", "Score")),
            field("stage", "select", config=STAGES, label=label("阶段", "Stage"))]}
ACTIVITY = {"kind": "form", "key": "activity", "label": label("活动", "Activity"),
            "fields": [field("lead", "relation", config={"target_form": "lead"},
                             label=label("线索", "Lead")),
                       field("kind", "select", config=KINDS, label=label("类型", "Kind")),
                       field("page", label=label("页面", "Page"))]}
RULES = {
    "kind": "ruleset", "key": "lead_rules", "form": "lead",
    "label": label("线索规则", "Lead rules"),
    "rules": [
        {"key": "route_new", "label": label("新线索分配", "Route new leads"),
         "trigger": {"on": "created"},
         "actions": [{"type": "assign", "strategy": "round_robin", "team": TEAM}]},
        {"key": "qualified", "label": label("电话确认合格", "Qualified by phone"),
         "trigger": {"on": "manual"}, "condition": "{score} < 80",
         "actions": [{"type": "add_points", "points": 40,
                      "reason": label("电话确认了需求", "Needs confirmed by phone")}]},
        {"key": "hot", "label": label("高价值线索提醒", "Hot lead alert"),
         "trigger": {"on": "threshold", "model": "lead_score", "threshold": "sql"},
         "actions": [{"type": "notify", "to": [{"role": "admin"}], "priority": "high",
                      "title": label("高价值线索：{name}", "Hot lead: {name}"),
                      "message": "{industry}"},
                     {"type": "webhook", "url": "http://127.0.0.1:9/hook", "retries": 0}]},
    ],
    "scoring": [{
        "key": "lead_score", "label": label("线索分", "Lead score"), "field": "score",
        "stage_field": "stage",
        "attributes": [
            {"key": "industry", "label": label("目标行业", "Target industry"),
             "when": "{industry} IN [\"金融\", \"制造\"]", "points": 10},
            {"key": "size", "label": label("规模 > 500 人", "Over 500 staff"),
             "when": "{employees} > 500", "points": 15},
            {"key": "dm", "label": label("决策者", "Decision maker"),
             "when": "{decision_maker}", "points": 20}],
        "behaviours": [
            {"key": "pricing", "label": label("浏览定价页", "Viewed the pricing page"),
             "form": "activity", "when": "{kind} = \"page_view\" AND {page} = \"pricing\"",
             "points": 15, "cap": 30}],
        "thresholds": [{"key": "nurture", "min": 30, "max": 79, "stage": "nurture"},
                       {"key": "sql", "min": 80, "stage": "sql"}]}],
}


@pytest.fixture(scope="module")
def rules_server(tmp_path_factory, sqlite_template) -> Iterator[dict]:
    """A server with the lead form, its published ruleset and a team of three reps."""
    from werkzeug.serving import make_server

    from app.bootstrap import init_db

    compile_translations()
    tmp = tmp_path_factory.mktemp("e2e-rules")
    shutil.copy(sqlite_template, tmp / "trellis.db")
    app = make_app(tmp, f"sqlite:///{tmp / 'trellis.db'}", REDIS_URL=None)
    init_db(app)
    factory = Factory(app)
    admin = factory.api(factory.user("admin@example.com", ["admin"], name="Ada Admin"))
    factory.app_doc(admin)
    factory.form(admin, LEAD)
    factory.form(admin, ACTIVITY)
    reps = [factory.user(f"rep{i}@example.com", ["member"], name=name, teams=[TEAM])
            for i, name in enumerate(("王芳", "李雷", "赵强"))]
    admin.ok("PUT", "/apps/crm/rulesets/lead_rules", json=RULES)
    admin.ok("POST", "/apps/crm/rulesets/lead_rules/publish")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="trellis-e2e-rules",
                              daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, "admin": admin,
               "reps": reps}
    finally:
        server.shutdown()
        thread.join(10)
        app.extensions["trellis"].engine.dispose()


def run_jobs(app) -> None:
    """What the periodic task run_rule_jobs does every 10 s (no worker in this test)."""
    from runtime.rules.jobs import JobRunner

    runtime = app.extensions["trellis"]
    JobRunner(runtime).run_due(runtime.clock.now())


def shoot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / name), full_page=True)


def test_a_lead_scored_explained_routed_run_by_hand_and_notified(rules_server, page: Page,
                                                                   artifacts: Path):
    base, app, admin = rules_server["url"], rules_server["app"], rules_server["admin"]
    log_in(page, base)
    use_language(page, "en")
    page.goto(base + "/a/crm/lead/new")
    page.fill("#f-name", "Wang Fang")
    page.fill("#f-industry", "金融")
    page.fill("#f-employees", "800")
    page.click("label.switch:has(#f-decision_maker)")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/a/crm/lead/*")
    lead_id = int(page.url.rstrip("/").split("/")[-1])
    scores = page.locator("section.scores")
    expect(scores.locator("[data-score-total]")).to_have_text("45")
    lines = scores.locator("[data-score-line] .tl-head")
    expect(lines).to_have_count(3)
    expect(lines.nth(0)).to_contain_text("+20")
    expect(lines.nth(0)).to_contain_text("Decision maker")
    expect(lines.nth(2)).to_contain_text("Target industry")
    log = page.locator("section.assignments [data-assignment]")
    expect(log).to_have_count(1)
    expect(log.first).to_contain_text("王芳")
    expect(log.first).to_contain_text("Round-robin")
    expect(log.first).to_contain_text("by the rule Route new leads")

    # a behaviour event arrives (as through a webhook): +15, shown as its own line
    admin.create("crm", "activity", {"lead": lead_id, "kind": "page_view", "page": "pricing"})
    page.reload()
    expect(scores.locator("[data-score-total]")).to_have_text("60")
    expect(lines.nth(0)).to_contain_text("Viewed the pricing page")
    expect(page.locator("[data-bell] .bell-count")).to_be_hidden()

    # the manual rule's button: +40 crosses SQL (80): the stage, the alert, the webhook
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Qualified by phone").click()
    expect(page.locator(".alert-success")).to_contain_text("changed this record")
    expect(scores.locator("[data-score-total]")).to_have_text("100")
    expect(lines.nth(0)).to_contain_text("Needs confirmed by phone")
    expect(page.locator("dl.values")).to_contain_text("Sales-qualified")
    shoot(page, artifacts, "rules-record-en.png")

    run_jobs(app)  # the notification is written; the webhook is refused: an incident
    page.reload()
    bell = page.locator("[data-bell]")
    expect(bell.locator(".bell-count")).to_have_text("1 unread")
    bell.locator("summary").click()
    note = bell.locator(".note").first
    expect(note).to_contain_text("Hot lead: Wang Fang")
    expect(note).to_contain_text("High priority")
    shoot(page, artifacts, "rules-bell-en.png")
    use_language(page, "zh")
    page.locator("[data-bell] summary").click()
    expect(page.locator("[data-bell] .note").first).to_contain_text("高价值线索：Wang Fang")
    shoot(page, artifacts, "rules-bell-zh.png")
    page.locator("[data-bell] .note-title").first.click()
    page.wait_for_url(f"**/a/crm/lead/{lead_id}")
    expect(page.locator("[data-bell] .bell-count")).to_be_hidden()  # opened: read
    expect(page.locator("section.scores h2")).to_contain_text("为什么是这个分数")
    shoot(page, artifacts, "rules-record-zh.png")

    # the webhook's incident, retried (still refused: it opens again)
    page.goto(base + "/admin/incidents")
    row = page.locator("tr[data-incident]").first
    expect(row).to_contain_text("lead_rules.hot")
    shoot(page, artifacts, "rules-incidents-zh.png")
    row.get_by_role("button").click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("tr[data-incident] [data-status]").first).to_have_attribute(
        "data-status", "retrying")
    run_jobs(app)
    page.reload()
    expect(page.locator("tr[data-incident] [data-status]").first).to_have_attribute(
        "data-status", "open")
    use_language(page, "en")
    shoot(page, artifacts, "rules-incidents-en.png")
    page.goto(base + "/notifications")
    expect(page.locator(".notes-card .note")).to_contain_text("Hot lead: Wang Fang")
    expect(page.locator(".page-head")).to_contain_text("All read.")
    shoot(page, artifacts, "rules-notifications-en.png")
    assert not page.console_errors


def test_the_list_runs_a_manual_rule_on_chosen_records(rules_server, page: Page,
                                                       artifacts: Path):
    base, admin = rules_server["url"], rules_server["admin"]
    low = admin.create("crm", "lead", {"name": "Li Lei", "industry": "金融"})  # 10
    done = admin.create("crm", "lead", {"name": "Zhao Qiang", "industry": "制造",
                                        "employees": 900, "decision_maker": True})
    ran = admin.ok("POST", f"/apps/crm/forms/lead/records/{done['id']}/rules/qualified/run")
    assert (ran["status"], ran["record"]["score"]) == ("matched", 85)
    log_in(page, base)
    use_language(page, "zh")
    page.goto(base + "/a/crm/lead")
    for name in ("Li Lei", "Zhao Qiang"):
        page.locator("tr", has_text=name).locator("[data-bulk-id]").check()
    bar = page.locator("[data-bulk-bar]")
    bar.get_by_role("button", name="运行规则…").click()
    dialog = page.locator("#bulk-rule")
    expect(dialog).to_contain_text("规则将在 2 条记录上运行")
    expect(dialog.locator("#bulk-rule-key")).to_have_value("lead_rules.qualified")
    dialog.get_by_role("button", name="运行").click()
    summary = page.locator(".rule-run-result")
    expect(summary).to_contain_text(
        "「电话确认合格」已在 2 条记录上运行：满足条件 1 条，修改 1 条，失败 0 条。")
    expect(summary.locator("[data-run-line]", has_text="Li Lei")).to_contain_text(
        "满足条件，记录已修改")
    expect(summary.locator("[data-run-line]", has_text="Zhao Qiang")).to_contain_text(
        "不满足条件")
    expect(page.locator("tr", has_text="Li Lei")).to_contain_text("50")  # the list read again
    shoot(page, artifacts, "rules-bulk-run-zh.png")
    use_language(page, "en")
    page.locator("tr", has_text="Li Lei").locator("[data-bulk-id]").check()
    page.locator("[data-bulk-bar]").get_by_role("button", name="Run rule…").click()
    page.locator("#bulk-rule").get_by_role("button", name="Run").click()
    expect(page.locator(".rule-run-result")).to_contain_text(
        "Qualified by phone ran on 1 record: 1 matched, 1 changed, 0 failed.")
    shoot(page, artifacts, "rules-bulk-run-en.png")
    assert admin.ok("GET", f"/apps/crm/forms/lead/records/{low['id']}")["score"] == 90
    assert admin.ok("GET", f"/apps/crm/forms/lead/records/{done['id']}")["score"] == 85
    assert not page.console_errors

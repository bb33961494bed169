"""In Chromium, the rule editor's scoring at work over stored leads: the scoring table's Fired
column counts what the ledger booked; "Test with a record" shows the lines a model would book,
the score before and after, the stage and the threshold crossed, in words; a Publish that
changes the model shows the re-score's progress (driven here batch by batch) to its end.
Screenshots in zh and en."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from runtime.rules.rescore import STALE, Rescorer
from tests.e2e.test_builder_views import unexpected_errors, wait_saved
from tests.e2e.test_record_flow import log_in, shot, use_language
from tests.integration.rules_executor_support import (
    RULES,
    activity_form,
    lead_form,
    scoring_rules,
)
from tests.support import Factory

pytestmark = pytest.mark.e2e
PAGE = "/build/crm/rulesets/scoring"


@pytest.fixture(scope="module")
def crm(live_server):
    factory = Factory(live_server["app"])
    api = factory.api(live_server["admin"])
    factory.form(api, lead_form())
    factory.form(api, activity_form())
    factory.user("ka@example.com", ["member"], name="KA", teams=["key_accounts"])
    api.ok("PUT", RULES, json=scoring_rules())
    first = api.ok("POST", RULES + "/publish")["rescore"]
    Rescorer(live_server["app"].extensions["trellis"], first).run()  # over no records
    leads = {
        "a": api.create("crm", "lead", {"name": "王芳", "industry": "金融", "employees": 800,
                                        "decision_maker": True}),  # 45
        "b": api.create("crm", "lead", {"name": "李雷", "industry": "教育", "employees": 10,
                                        "decision_maker": True}),  # 20
        "c": api.create("crm", "lead", {"name": "韩梅", "industry": "制造",
                                        "employees": 900}),  # 25
    }
    api.create("crm", "activity", {"lead": leads["a"]["id"], "kind": "page_view",
                                   "page": "pricing"})  # a: 60
    return api, leads


def fired(page: Page, rule: str):
    return page.locator(f'[data-fired="lead_score/{rule}"]')


def test_the_test_tab_tells_the_score(page: Page, live_server, crm, artifacts):
    api, leads = crm
    base = live_server["url"]
    log_in(page, base)
    for lang, words in (("zh", ("分数 20 → 45", "将达到阈值 nurture。", "将处于阶段 nurture。")),
                        ("en", ("Score 20 → 45", "It would reach the threshold nurture.",
                                "It would be at the stage nurture."))):
        use_language(page, lang)
        page.goto(base + PAGE)
        page.click('[data-tab="test"]')
        page.fill("[data-record-search]", "李雷")
        page.click(f'[data-pick-record="{leads["b"]["id"]}"]')
        page.select_option("[data-test-event]", "updated")
        page.click(".rt-sample summary")  # closed once a record is picked
        page.fill('[data-sample="industry"]', "金融")
        page.fill('[data-sample="employees"]', "900")
        page.click("[data-run-test]")
        model = page.locator('[data-test-score="lead_score"]')
        expect(model.locator("[data-line-kind]")).to_have_count(2)
        expect(model.locator('[data-line-rule="industry"]')).to_contain_text("+10")
        expect(model.locator('[data-line-rule="size"]')).to_contain_text(
            "规模 > 500 人" if lang == "zh" else "Over 500 staff")
        expect(model.locator("[data-score-after]")).to_have_text(words[0])
        expect(model.locator('[data-crossing="nurture"]')).to_have_text(words[1])
        expect(model.locator("[data-stage]")).to_have_text(words[2])
        shot(page, artifacts, f"builder-rules-score-test-{lang}")
    assert api.ok("GET", f"/apps/crm/forms/lead/records/{leads['b']['id']}")["score"] == 20
    assert not unexpected_errors(page), page.console_errors


def publish_and_rescore(page: Page, runtime, points: int, done: str) -> None:
    """Give the target industry ``points``, publish, and run the re-score one record at a
    time: the bar follows it to its end."""
    page.click('[data-tab="scoring"]')
    page.locator('[data-attribute="industry"] [data-attr-points]').fill(str(points))
    wait_saved(page)
    page.click("#publish-rules")
    box = page.locator("#rescore-progress")
    expect(box).to_be_visible()
    expect(box).to_have_attribute("data-status", "queued")
    run_id = int(box.get_attribute("data-run"))
    page.reload()  # the page opened while the re-score is under way follows it too
    expect(box).to_have_attribute("data-run", str(run_id))
    Rescorer(runtime, run_id, batch=1).run(max_batches=1)
    expect(box).to_contain_text("1/3")
    expect(box.locator("progress")).to_have_attribute("value", "33")
    # its runner stopped beating: taken up again, as resume_rescores would
    runtime.clock.set(runtime.clock.now() + STALE + timedelta(seconds=1))
    try:
        Rescorer(runtime, run_id, batch=1).run()
    finally:
        runtime.clock.reset()
    expect(box).to_have_attribute("data-status", "done")
    expect(box).to_contain_text(done)
    expect(box.locator("progress")).to_have_attribute("value", "100")


def test_fired_counts_and_the_rescore_after_publish(page: Page, live_server, crm, artifacts):
    api, leads = crm
    base = live_server["url"]
    runtime = live_server["app"].extensions["trellis"]
    log_in(page, base)
    use_language(page, "zh")
    page.goto(base + PAGE + "#scoring")
    expect(fired(page, "attributes/industry")).to_have_text("2")  # a and c
    expect(fired(page, "attributes/dm")).to_have_text("2")  # a and b
    expect(fired(page, "behaviours/pricing")).to_have_text("1")
    expect(fired(page, "behaviours/demo")).to_have_text("0")
    expect(fired(page, "behaviours/pricing")).to_have_attribute("title", "此规则给出分数的次数")
    publish_and_rescore(page, runtime, 40, "已重新评分 3 条记录，2 条有变化。")
    shot(page, artifacts, "builder-rules-rescore-zh")
    assert api.ok("GET", f"/apps/crm/forms/lead/records/{leads['a']['id']}")["score"] == 90
    api.create("crm", "activity", {"lead": leads["c"]["id"], "kind": "demo"})

    use_language(page, "en")
    page.goto(base + PAGE + "#scoring")
    expect(fired(page, "behaviours/demo")).to_have_text("1")
    publish_and_rescore(page, runtime, 30, "Re-scored 3 records, 2 changed.")
    expect(fired(page, "behaviours/demo")).to_have_text("1")
    shot(page, artifacts, "builder-rules-rescore-en")
    assert api.ok("GET", f"/apps/crm/forms/lead/records/{leads['c']['id']}")["score"] == 95

    # on demand: a score someone overwrote in the database is booked back by "Re-score"
    with runtime.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE crm__lead SET score = 12 WHERE id = ?", (leads["b"]["id"],))
    button = page.locator("#rescore-now")
    expect(button).to_be_visible()
    button.click()
    box = page.locator("#rescore-progress")
    expect(box).to_have_attribute("data-status", "queued")
    Rescorer(runtime, int(box.get_attribute("data-run"))).run()
    expect(box).to_have_attribute("data-status", "done")
    expect(box).to_contain_text("Re-scored 3 records, 1 changed.")
    assert not unexpected_errors(page), page.console_errors

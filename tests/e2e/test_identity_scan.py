"""In Chromium: records stored before a form had match rules; the designer publishes rules,
then clicks "Find duplicates" on the review queue and watches the progress bar to the end while
a real worker scans (small batches, so the page sees it move). The result says how many
records were merged and how many pairs wait for review, linking to both; the review queue
shows the pairs, the merge history the merges. In English: the builder's Duplicates page shows
the finished scan. Screenshots in zh and en."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_builder_views import unexpected_errors
from tests.e2e.test_record_flow import log_in, shot, use_language
from tests.integration.helpers import field, form_doc
from tests.support import Factory

pytestmark = pytest.mark.e2e
FORM = "/apps/crm/forms/visitor"
PEOPLE = 100
RULES = {"match": [{"key": "phone", "label": {"zh": "手机号", "en": "Phone"},
                    "fields": ["phone"]},
                   {"key": "email", "label": {"zh": "邮箱", "en": "Email"}, "fields": ["email"]},
                   {"key": "name_company", "label": {"zh": "姓名加公司", "en": "Name at company"},
                    "fuzzy": {"name": 0.9, "company": 0.85}, "then": "review"}]}


def visitor_doc(identity: dict | None = None) -> dict:
    return form_doc("visitor", [
        field("name", label={"zh": "姓名", "en": "Name"}),
        field("company", label={"zh": "公司", "en": "Company"}),
        field("phone", "phone", label={"zh": "电话", "en": "Phone"}),
        field("email", "email", label={"zh": "邮箱", "en": "Email"}),
    ], label={"zh": "访客", "en": "Visitor"}, title_field="name",
        **({"identity": identity} if identity else {}))


@pytest.fixture(scope="module")
def visitors(live_server):
    """Three records of each of PEOPLE people (by phone; phone and e-mail; e-mail), and two
    pairs of alike names at one company, stored before any rule."""
    factory = Factory(live_server["app"])
    api = factory.api(live_server["admin"])
    factory.form(api, visitor_doc())
    rows = []
    for n in range(PEOPLE):
        phone, email = f"1370000{n:04d}", f"guest{n}@example.com"
        rows += [{"name": f"访客{n}", "phone": phone}, {"phone": phone, "email": email},
                 {"email": email.upper(), "company": "Acme"}]
    rows += [{"name": "张三", "company": "字节跳动有限公司"},
             {"name": "Zhang San", "company": "字节跳动"},
             {"name": "李娜", "company": "华为技术"},
             {"name": "Li Na", "company": "华为技术有限公司"}]
    for start in range(0, len(rows), 100):
        api.ok("POST", FORM + "/records/bulk", json={"records": rows[start:start + 100]})
    factory.form(api, visitor_doc(RULES))
    return api


def run_worker(app, done: threading.Event) -> None:
    """The scan's job in a worker thread (as an RQ worker runs it), in small batches with a
    pause after each, so the page sees the bar move."""
    import time

    import app.jobs as jobs
    from runtime.identity import scan_job
    from runtime.jobs.worker import queue

    q = queue(app)
    jobs._app = app
    try:
        for _ in range(300):
            ids = q.get_job_ids()
            if ids:
                rq_job = q.fetch_job(ids[0])
                q.remove(rq_job)
                assert rq_job.func_name == "app.jobs.run_identity_scan"
                scan_job.BATCH = 25
                scan_job.ScanJob(app.extensions["trellis"], *rq_job.args,
                                 on_progress=lambda _p: time.sleep(0.25)).run()
                done.set()
                return
            threading.Event().wait(0.1)
    finally:
        scan_job.BATCH = 500
        jobs._app = None


def test_find_duplicates_and_watch_the_progress_to_the_end(page: Page, live_server, visitors,
                                                          artifacts):
    base, app = live_server["url"], live_server["app"]
    log_in(page, base)
    use_language(page, "zh")
    page.goto(base + "/a/crm/visitor/duplicates")
    panel = page.locator("#identity-scan")
    expect(panel).to_contain_text("查找全部记录中的重复")
    expect(page.locator("[data-pair]")).to_have_count(0)
    done = threading.Event()
    worker = threading.Thread(target=run_worker, args=(app, done), daemon=True)
    worker.start()
    page.get_by_role("button", name="查找重复").click()
    state = page.locator("#identity-scan [data-scan-state]")
    expect(state).to_have_attribute("data-scan-state", "running", timeout=20_000)
    expect(page.locator("#identity-scan [data-scan-start]")).to_have_count(0)
    shot(page, artifacts, "zh-identity-scan-progress")
    expect(state).to_have_attribute("data-scan-state", "done", timeout=60_000)
    worker.join(10)
    panel = page.locator("#identity-scan")
    expect(panel.locator("progress")).to_have_attribute("value", "100")
    expect(panel.locator("[data-scan-result]")).to_contain_text(
        f"合并了 {2 * PEOPLE} 条记录")
    expect(panel.locator("[data-scan-result]")).to_contain_text("2 对新的记录等待审核")
    expect(panel.locator("[data-scan-processed]")).to_have_text(str(3 * PEOPLE + 4))
    shot(page, artifacts, "zh-identity-scan-done")
    panel.locator("[data-scan-review]").click()
    expect(page.locator("[data-pair]")).to_have_count(2)
    expect(page.locator("[data-pair]").first).to_contain_text("姓名加公司")
    page.locator("#identity-scan [data-scan-merges]").click()
    expect(page.locator("tr[data-merge]").first).to_contain_text("查找重复")
    shot(page, artifacts, "zh-identity-scan-merges")

    use_language(page, "en")
    page.goto(base + "/build/crm/forms/visitor/identity")
    panel = page.locator("#identity-scan")
    expect(panel).to_contain_text("Find duplicates among all records")
    expect(panel.locator("[data-scan-result]")).to_contain_text(
        f"{2 * PEOPLE} records merged")
    expect(panel.locator("[data-scan-result]")).to_contain_text("2 new pairs wait for review")
    expect(panel.locator("[data-scan-start]")).to_be_visible()
    shot(page, artifacts, "en-identity-scan-builder")
    assert visitors.ok("GET", FORM + "/records?total=exact")["total"] == PEOPLE + 4
    assert not unexpected_errors(page), page.console_errors

"""Importing a spreadsheet in Chromium (issue 10): drop an XLSX on the upload page, read the
suggested mapping and the first rows as they will be stored, change a column's field, start
the import and watch its progress bar to the end while a real worker imports it; then undo
it. Screenshots in zh-CN and en."""

from __future__ import annotations

import re
import threading

from openpyxl import Workbook
from playwright.sync_api import Page, expect

from tests.e2e.test_record_flow import LIST, log_in, shot, use_language

ROWS = 1200


def workbook(path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["标题", "数量", "手机号", "Stage", "备注说明"])
    for n in range(ROWS):
        sheet.append([f"导入商机 {n}", n, f"138 {n:04d} 0000", "won" if n % 2 else "新建",
                      "+1 回电" if n == 0 else f"note {n}"])
    sheet.append(["", "x", "12", "", ""])  # a row that fails: no title, not a number
    book.save(path)


def run_worker(app, done: threading.Event) -> None:
    """The import's job in a worker thread (as an RQ worker runs it), small batches so the
    page sees it move."""
    from rq.serializers import JSONSerializer

    import app.jobs as jobs
    from runtime.capture.imports import job
    from runtime.jobs.worker import queue

    q = queue(app)
    jobs._app = app
    job.BATCH = 100
    try:
        for _ in range(200):
            ids = q.get_job_ids()
            if ids:
                rq_job = q.fetch_job(ids[0])
                q.remove(rq_job)
                fn = {"app.jobs.run_import": jobs.run_import,
                      "app.jobs.run_import_undo": jobs.run_import_undo}[rq_job.func_name]
                fn(*rq_job.args)
                done.set()
                return
            threading.Event().wait(0.1)
    finally:
        job.BATCH = 500
        jobs._app = None
    assert JSONSerializer


def test_import_an_xlsx_with_the_mapping_screen_and_its_progress(page: Page, live_server,
                                                                  artifacts, tmp_path):
    base, app = live_server["url"], live_server["app"]
    path = tmp_path / "商机导入.xlsx"
    workbook(path)
    log_in(page, base)
    use_language(page, "zh")
    page.goto(base + "/a/crm/deal")
    page.wait_for_url(LIST)
    page.get_by_role("link", name="导入").click()
    expect(page.locator("h1")).to_contain_text("导入到 商机")
    page.locator("[data-import-file]").set_input_files(str(path))
    page.get_by_role("button", name="上传并对应字段").click()
    expect(page.locator(".import-mapping")).to_be_visible()
    selects = page.locator(".mapping-table select")
    expect(selects.nth(0)).to_have_value("title")
    expect(selects.nth(1)).to_have_value("qty")
    expect(selects.nth(2)).to_have_value("phone")
    expect(selects.nth(3)).to_have_value("stage")
    expect(selects.nth(4)).to_have_value("")  # 备注说明: no field is named so
    preview = page.locator(".import-preview")
    expect(preview).to_contain_text("138 0000 0000")
    expect(preview).to_contain_text("成交")  # won, as people read it
    selects.nth(4).select_option("notes")  # the page saves and shows the preview again
    expect(page.locator(".import-preview thead")).to_contain_text("备注")
    expect(page.locator(".import-preview")).to_contain_text("+1 回电")
    shot(page, artifacts, "zh-import-mapping")

    done = threading.Event()
    worker = threading.Thread(target=run_worker, args=(app, done), daemon=True)
    worker.start()
    page.get_by_role("button", name="开始导入").click()
    progress = page.locator("#import-progress")
    expect(progress).to_be_visible()
    shot(page, artifacts, "zh-import-progress")
    expect(progress.locator("[data-import-status]")).to_have_attribute(
        "data-import-status", "done", timeout=60_000)
    worker.join(10)
    expect(progress.locator('[data-count="created"]')).to_have_text(str(ROWS))
    expect(progress.locator('[data-count="failed"]')).to_have_text("1")
    expect(progress.locator("progress")).to_have_attribute("value", "100")
    expect(progress.get_by_role("link", name="下载失败的行")).to_be_visible()
    shot(page, artifacts, "zh-import-done")

    use_language(page, "en")
    page.reload()
    expect(page.locator("#import-progress")).to_contain_text("Done")
    shot(page, artifacts, "en-import-done")
    page.goto(base + "/a/crm/deal?q=" + "导入商机 7")
    expect(page.locator("#record-list")).to_contain_text("导入商机 7")
    page.go_back()
    worker = threading.Thread(target=run_worker, args=(app, threading.Event()), daemon=True)
    worker.start()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Undo the import").click()
    expect(page.locator("#import-progress [data-import-status]")).to_have_attribute(
        "data-import-status", "undone", timeout=60_000)
    worker.join(10)
    expect(page.locator("#import-progress")).to_contain_text(
        re.compile(f"{ROWS} records removed"))
    shot(page, artifacts, "en-import-undone")
    assert not page.console_errors, page.console_errors

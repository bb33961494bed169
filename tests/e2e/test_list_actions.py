"""In Chromium: choose rows of a list, edit a field of them in bulk and read the summary (zh);
delete in bulk as a member and see what was refused and why (en); export a filtered list to
XLSX and read the downloaded file. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.e2e.test_record_flow import focus_search, shot, use_language
from tests.support import Factory

LIST = "/a/crm/deal"


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", "password-123")
    page.click("button[type=submit].primary")
    page.wait_for_url(base + "/")


def pick_in_dialog(page: Page, select_id: str, typed: str, option: str) -> None:
    """Choose in a tom-select inside a dialog with the keyboard: type, then Enter takes the
    first match and closes the dropdown (Escape would close the dialog, as it should)."""
    chosen = page.locator(f"#{select_id} + .ts-wrapper .item", has_text=option)
    dropdown = page.locator(f"#{select_id} + .ts-wrapper .ts-dropdown")
    for _attempt in range(3):  # on a loaded machine a late render can swallow the keys
        focus_search(page, select_id)
        page.locator(f"#{select_id}-ts-control").fill(typed)
        expect(dropdown.locator(".option.active", has_text=option)).to_be_visible()
        page.keyboard.press("Enter")
        try:
            expect(chosen).to_be_visible(timeout=2000)
            break
        except AssertionError:
            continue
    expect(chosen).to_be_visible()
    expect(dropdown).to_be_hidden()


def choose(page: Page, *titles: str) -> None:
    for title in titles:
        page.locator("tr", has_text=title).locator("[data-bulk-id]").check()


def test_bulk_edit_of_a_field_then_the_summary(page: Page, live_server, artifacts):
    base = live_server["url"]
    log_in(page, base, "admin@example.com")
    use_language(page, "zh")
    page.goto(base + LIST)
    bar = page.locator("[data-bulk-bar]")
    expect(bar).to_be_hidden()
    choose(page, "Existing deal 1", "Existing deal 2")
    expect(bar).to_be_visible()
    expect(bar.locator("[data-bulk-count]")).to_have_text("已选 2 条")

    bar.get_by_role("button", name="批量修改字段").click()
    dialog = page.locator("#bulk-edit")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-bulk-count]")).to_contain_text("将修改 2 条记录")
    dialog.locator("#bulk-field").select_option(label="阶段")
    expect(dialog.locator("#bulk-stage")).to_be_attached()  # the field's own input
    pick_in_dialog(page, "bulk-stage", "成交", "成交")
    shot(page, artifacts, "zh-bulk-edit-dialog")
    dialog.get_by_role("button", name="应用到所选记录").click()

    expect(dialog).to_be_hidden()
    summary = page.locator("#bulk-summary")
    expect(summary).to_contain_text("2 条记录已修改。")
    expect(bar).to_be_hidden()  # the list was read again: its new rows are not chosen
    expect(page.locator("[data-bulk-id]:checked")).to_have_count(0)
    stages = {r["title"]: r["stage"] for r in Factory(live_server["app"]).api(
        live_server["admin"]).records("crm", "deal")["records"]}
    assert stages == {"Existing deal 1": "won", "Existing deal 2": "won",
                      "Existing deal 3": "new"}
    shot(page, artifacts, "zh-bulk-edit-summary")

    # the select-all box chooses every row on the page
    page.locator("[data-bulk-all]").check()
    expect(bar.locator("[data-bulk-count]")).to_have_text(re.compile(r"^已选 \d+ 条$"))
    assert page.locator("[data-bulk-id]:checked").count() == page.locator("[data-bulk-id]"
                                                                          ).count()
    assert not page.console_errors, page.console_errors


def test_bulk_delete_says_what_was_refused_and_why(page: Page, live_server, artifacts):
    base, app = live_server["url"], live_server["app"]
    mine = Factory(app).api(live_server["member"]).create("crm", "deal", {"title": "Mia's deal"})
    log_in(page, base, "mia@example.com")
    use_language(page, "en")
    page.goto(base + LIST)
    choose(page, "Mia's deal", "Existing deal 2", "Existing deal 3")
    page.locator("[data-bulk-bar]").get_by_role("button", name="Delete").click()
    dialog = page.locator("#bulk-delete")
    expect(dialog).to_contain_text("3 records will be deleted")
    shot(page, artifacts, "en-bulk-delete-dialog")
    dialog.get_by_role("button", name="Delete").click()

    summary = page.locator("#bulk-summary")
    expect(summary).to_contain_text("1 record deleted. 2 refused:")
    refused = summary.locator(".bulk-refused li")
    expect(refused).to_have_count(2)
    expect(refused.first).to_contain_text("you may read this record but not delete it")
    link = refused.first.locator("a")
    expect(link).to_have_attribute("href", re.compile(r"/a/crm/deal/\d+$"))
    expect(page.locator("#record-list")).not_to_contain_text("Mia's deal")
    shot(page, artifacts, "en-bulk-delete-summary")
    link.click()
    expect(page).to_have_url(re.compile(r"/a/crm/deal/\d+$"))
    assert mine["id"]
    assert not page.console_errors, page.console_errors


def test_export_a_filtered_list_to_xlsx(page: Page, live_server, artifacts, tmp_path):
    base = live_server["url"]
    log_in(page, base, "admin@example.com")
    use_language(page, "zh")
    page.goto(base + LIST)
    toolbar = page.locator("form.toolbar")
    toolbar.locator("[data-filter-field]").select_option(label="数量")
    toolbar.locator("[data-filter-op]").select_option("gte")
    toolbar.locator("input[name=v]").fill("2")
    toolbar.get_by_role("button", name="筛选").click()
    expect(page.locator(".chips")).to_contain_text("数量 大于等于 2")
    shown = page.locator("#record-list tbody tr")
    expect(shown).to_have_count(2)
    shot(page, artifacts, "zh-list-export")

    with page.expect_download() as info:
        page.locator(".export-form").get_by_role("button", name="Excel (.xlsx)").click()
    download = info.value
    assert re.match(r"^商机-\d{8}-\d{4}\.xlsx$", download.suggested_filename)
    path = tmp_path / "deals.xlsx"
    download.save_as(path)
    sheet = load_workbook(path).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows[0]
    assert header[:3] == ["标题", "数量", "金额"] and "内部备注" not in header
    titles = sorted(row[0] for row in rows[1:])
    assert titles == sorted(shown.locator("td:nth-child(2)").all_inner_texts())
    assert all(row[1] >= 2 for row in rows[1:])  # numbers stay numbers
    assert not page.console_errors, page.console_errors


def test_a_long_list_exports_in_the_background_with_progress(page: Page, live_server,
                                                             artifacts, tmp_path):
    """With a real RQ worker (on the embedded Redis): the list page shows the export waiting,
    then its download link once the worker wrote it."""
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    import app.jobs as jobs
    from runtime.jobs.connection import stop_embedded
    from runtime.jobs.worker import queue

    base, app = live_server["url"], live_server["app"]
    settings = app.extensions["trellis"].settings
    settings["export_inline_rows"] = 1  # this list of a few records counts as long
    q = queue(app)
    try:
        log_in(page, base, "admin@example.com")
        use_language(page, "en")
        page.goto(base + LIST)
        page.locator(".export-form").get_by_role("button", name="CSV (.csv)").click()
        expect(page.locator(".alert-info")).to_contain_text("exported in the background")
        item = page.locator(".export-item").first
        expect(item).to_contain_text("Waiting for a worker")
        expect(item.locator("progress")).to_be_visible()
        shot(page, artifacts, "en-export-waiting")

        jobs._app = app  # the job runs in the server's app, as a worker's would
        try:
            SimpleWorker([q], connection=q.connection, serializer=JSONSerializer
                         ).work(burst=True)
        finally:
            jobs._app = None
        link = item.get_by_role("link", name="Download")
        expect(link).to_be_visible()  # the page asked again and found it done
        expect(item).to_contain_text(re.compile(r"\d+ rows, ready until"))
        shot(page, artifacts, "en-export-ready")
        with page.expect_download() as info:
            link.click()
        path = tmp_path / "deals.csv"
        info.value.save_as(path)
        text = path.read_bytes().decode("utf-8-sig")
        assert text.startswith("Title,Quantity,Amount") and "Existing deal 3" in text
        use_language(page, "zh")
        page.goto(base + LIST)
        expect(page.locator(".exports")).to_contain_text("你导出的此列表")
        expect(page.locator(".export-item").first).to_contain_text("可下载至")
        shot(page, artifacts, "zh-export-ready")
    finally:
        settings["export_inline_rows"] = 5000
        stop_embedded(q.connection)
    assert not page.console_errors, page.console_errors

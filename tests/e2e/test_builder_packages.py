"""In Chromium: download an app package, import a changed one after seeing what it changes,
and see a broken one refused with every problem's place in the file (zh and en screenshots)."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from tests.e2e.test_record_flow import log_in, shot, use_language


def upload(page: Page, name: str, package) -> None:
    raw = package if isinstance(package, bytes) else json.dumps(package).encode()
    page.set_input_files("#package-file", files=[{"name": name, "mimeType": "application/json",
                                                  "buffer": raw}])
    page.locator(".bx-upload button[type=submit]").click()


def test_export_then_import_a_changed_package(page: Page, live_server, artifacts):
    base = live_server["url"]
    log_in(page, base)
    page.goto(base + "/build/crm/package")
    shot(page, artifacts, "zh-package")
    with page.expect_download() as info:
        page.locator("a.btn.primary[download]").click()
    package = json.loads(open(info.value.path(), encoding="utf-8").read())
    assert info.value.suggested_filename == "crm.json"
    assert {d["key"] for d in package["documents"]} >= {"company", "deal"}
    company = next(d for d in package["documents"] if d["key"] == "company")
    company["fields"].append({"key": "website", "type": "url",
                              "label": {"zh": "网站", "en": "Website"}})
    company["label"] = {"zh": "客户公司", "en": "Customer company"}
    page.click("text=导入应用包…")
    upload(page, "crm.json", package)
    plan = page.locator(".bx-import-plan")
    expect(plan).to_contain_text("修改 1 个")
    expect(plan.locator(".bx-plan-item.bx-changed")).to_contain_text(
        "新增 1 个字段（将保存到数据库）：“网站”")
    plan.locator(".bx-plan-changes summary").first.click()
    shot(page, artifacts, "zh-package-import-preview")
    plan.locator("button[type=submit].primary").click()
    expect(page.locator(".alert-success")).to_contain_text("已导入应用")
    expect(page.locator("table.records")).to_contain_text("客户公司")
    assert page.console_errors == []


def test_a_broken_package_is_refused_with_paths(page: Page, live_server, artifacts):
    base = live_server["url"]
    log_in(page, base)
    use_language(page, "en")
    page.goto(base + "/build/import")
    upload(page, "broken.json", b'{"format": "trellis-app-package",\n  "app": {,}\n}')
    expect(page.locator(".bx-import-errors")).to_contain_text("line 2, column 11")
    bad = {"format": "trellis-app-package", "format_version": 1,
           "app": {"kind": "app", "key": "shop", "label": "Shop"},
           "documents": [{"kind": "form", "key": "order", "label": "Order",
                          "fields": [{"key": "total", "type": "money", "label": "Total"},
                                     {"key": "Customer", "type": "text", "label": "Customer"}]},
                         {"kind": "view", "key": "orders", "form": "ordr", "label": "Orders"}]}
    upload(page, "shop.json", bad)
    errors = page.locator(".bx-error-table tbody tr")
    expect(errors).to_have_count(3)
    expect(page.locator(".bx-import-errors")).to_contain_text("/documents/0/fields/0/type")
    expect(page.locator(".bx-import-errors")).to_contain_text("/documents/1/form")
    shot(page, artifacts, "en-package-import-errors")
    page.goto(base + "/build/crm/package")
    expect(page.locator("h1")).to_contain_text("CRM")
    expect(page.locator(".topbar")).not_to_contain_text(re.compile("shop", re.IGNORECASE))
    use_language(page, "zh")
    assert [e for e in page.console_errors if "status of 422" not in e] == []

"""In Chromium at phone size (390×844): a stranger fills a public form reached through a link
with UTM parameters, sees the thank-you, and the record page shows where the lead came from;
screenshots of zh and en go to test-artifacts/."""

from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import Page, expect

PHONE = {"width": 390, "height": 844}
QUERY = "utm_source=wechat&utm_medium=social&utm_campaign=spring-summit&ref=booth-7"
SIGNUP = {
    "kind": "form", "key": "signup", "label": {"zh": "活动报名", "en": "Event sign-up"},
    "fields": [
        {"key": "name", "type": "text", "label": {"zh": "姓名", "en": "Name"}, "required": True},
        {"key": "phone", "type": "phone", "label": {"zh": "手机", "en": "Mobile"}},
        {"key": "company", "type": "text", "label": {"zh": "公司", "en": "Company"}},
        {"key": "size", "type": "select", "label": {"zh": "公司规模", "en": "Company size"},
         "config": {"choices": [{"value": "small", "label": {"zh": "100 人以下",
                                                             "en": "Under 100"}},
                                {"value": "big", "label": {"zh": "100 人以上",
                                                           "en": "100 or more"}}]}},
        {"key": "booth", "type": "text", "label": {"zh": "展位", "en": "Booth"}},
        {"key": "campaign", "type": "touch", "label": {"zh": "首次活动", "en": "First campaign"},
         "config": {"touch": "first", "part": "campaign"}},
    ],
    "capture": {"public": {
        "slug": "summit", "fields": ["name", "phone", "company", "size"],
        "title": {"zh": "2026 春季峰会报名", "en": "Spring Summit 2026 sign-up"},
        "description": {"zh": "留下联系方式，我们会尽快与您联系。",
                        "en": "Leave your details and we will be in touch."},
        "theme": {"color": "#0f766e"}, "params": {"ref": "booth"}, "min_seconds": 0,
        "thanks": {"message": {"zh": "报名成功，期待与您相见！",
                               "en": "You are signed up. See you there!"}}}},
}


@pytest.fixture(scope="module")
def summit(live_server):
    from tests.support import Factory

    factory = Factory(live_server["app"])
    api = factory.api(live_server["admin"])
    factory.form(api, SIGNUP)
    return live_server


def phone_page(browser, lang: str) -> Page:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN" if lang == "zh" else "en-US",
                                  timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def fill_in(browser, base: str, lang: str, name: str, artifacts) -> None:
    page = phone_page(browser, lang)
    try:
        page.goto(f"{base}/f/crm/summit?{QUERY}&lang={lang}")
        title = "2026 春季峰会报名" if lang == "zh" else "Spring Summit 2026 sign-up"
        expect(page.locator("h1")).to_have_text(title)
        expect(page.locator('[name="booth"]')).to_have_count(0)  # not on the public page
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page is {width}px wide at phone size"
        page.fill("#f-name", name)
        page.fill("#f-phone", "138 0013 8000" if lang == "zh" else "139 0013 9000")
        page.fill("#f-company", "华为" if lang == "zh" else "Acme Ltd")
        page.select_option("#f-size", "big")
        page.screenshot(path=str(artifacts / f"public-form-{lang}.png"), full_page=True)
        page.click("button.public-submit")
        thanks = "报名成功，期待与您相见！" if lang == "zh" else "You are signed up. See you there!"
        expect(page.locator(".public-thanks p")).to_have_text(thanks)
        page.screenshot(path=str(artifacts / f"public-form-thanks-{lang}.png"), full_page=True)
    finally:
        page.context.close()


def record_id(app, name: str) -> int:
    import sqlalchemy as sa

    with app.extensions["trellis"].engine.connect() as conn:
        return conn.execute(sa.text("SELECT id FROM crm__signup WHERE name = :n"),
                            {"n": name}).scalar_one()


def see_the_touch(browser, base: str, email: str, lang: str, record: int, artifacts) -> None:
    page = phone_page(browser, lang)
    try:
        page.goto(base + "/login")
        page.fill("#email", email)
        page.fill("#password", "password-123")
        page.click("button[type=submit].primary")
        page.wait_for_url(base + "/")
        page.goto(f"{base}/a/crm/signup/{record}")
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN" if lang == "zh" else "en")
        touches = page.locator(".timeline.touches")
        expect(touches).to_contain_text("公开表单" if lang == "zh" else "Public form")
        expect(touches).to_contain_text("spring-summit")
        expect(touches).to_contain_text("wechat")
        expect(page.locator("main")).to_contain_text("booth-7")  # the mapped parameter
        page.locator(".timeline.touches").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / f"public-form-record-{lang}.png"), full_page=True)
    finally:
        page.context.close()


def test_a_stranger_signs_up_on_a_phone_and_the_record_shows_the_campaign(
        browser, summit, artifacts):
    base = summit["url"]
    fill_in(browser, base, "zh", "王伟", artifacts)
    fill_in(browser, base, "en", "Jane Doe", artifacts)
    see_the_touch(browser, base, "admin@example.com", "zh", record_id(summit["app"], "王伟"),
                  artifacts)
    see_the_touch(browser, base, "mia@example.com", "en",
                  record_id(summit["app"], "Jane Doe"), artifacts)


def partner_site(html: str):
    """Another site (another origin on this machine) whose page embeds the form."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(html.encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_the_embed_script_sizes_its_iframe(browser, summit):
    base = summit["url"]
    page = phone_page(browser, "en")
    server = partner_site(f"""<!doctype html><html><body><h1>Partner site</h1>
<script src="{base}/f/embed.js" data-form="{base}/f/crm/summit?lang=en"></script>
</body></html>""")
    try:
        page.goto(f"http://localhost:{server.server_port}/?utm_source=partner")
        frame = page.locator("iframe")
        expect(frame).to_have_count(1)
        inner = page.frame_locator("iframe")
        expect(inner.locator("h1")).to_have_text("Spring Summit 2026 sign-up")
        expect(frame).to_have_attribute("style", re.compile(r"height: \d+px"))
        assert "utm_source=partner" in frame.get_attribute("src")
    finally:
        page.context.close()
        server.shutdown()

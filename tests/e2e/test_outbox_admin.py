"""In Chromium: an admin opens /admin/outbox with no SMTP configured, sees a held e-mail as
"would have been sent" with its body, and a failed one with its error; filters by status;
retries the failed message once an SMTP server (aiosmtpd) answers, and it is sent. Chinese
and English, with screenshots in test-artifacts/."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
from playwright.sync_api import Page, expect

from runtime.notify import send
from runtime.notify.outbox import Deliverer
from runtime.notify.settings import SmtpSettings
from tests.e2e.conftest import compile_translations, make_app
from tests.e2e.test_record_flow import log_in, use_language
from tests.integration.notify_support import start_smtp


@pytest.fixture(scope="module")
def outbox_server(tmp_path_factory, sqlite_template) -> Iterator[dict]:
    from werkzeug.serving import make_server

    from app.bootstrap import init_db
    from tests.support import Factory

    compile_translations()
    tmp = tmp_path_factory.mktemp("e2e-outbox")
    shutil.copy(sqlite_template, tmp / "trellis.db")
    app = make_app(tmp, f"sqlite:///{tmp / 'trellis.db'}", REDIS_URL=None)
    init_db(app)
    Factory(app).user("admin@example.com", ["admin"], name="Ada Admin", locale="zh")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="trellis-e2e-outbox",
                              daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app}
    finally:
        server.shutdown()
        thread.join(10)
        app.extensions["trellis"].engine.dispose()


def queue(runtime, to: str, subject: str, body: str, key: str) -> int:
    with runtime.session() as session, session.begin():
        return send(session, channel="email", to=to, app_key="crm", subject=subject,
                    body=body, idempotency_key=key).message_id


def test_admin_sees_held_and_failed_messages_and_retries_one(outbox_server, page: Page,
                                                              artifacts):
    app, base = outbox_server["app"], outbox_server["url"]
    runtime = app.extensions["trellis"]
    held = queue(runtime, "li@example.com", "产品对比资料", "李先生您好，附上产品对比资料。",
                 "held-1")
    inbox, controller = start_smtp()
    try:
        notify = runtime.notify
        notify.settings = replace(notify.settings, max_attempts=1, smtp=SmtpSettings(
            host="127.0.0.1", port=inbox.port, security="none", sender="crm@trellis.test"))
        inbox.refuse = 1
        failed = queue(runtime, "wang@example.com", "Webinar invitation",
                       "Join our webinar on Friday.", "fail-1")
        assert Deliverer(runtime).run(failed).endswith("failed")
        notify.settings = replace(notify.settings, smtp=SmtpSettings())  # SMTP gone again

        log_in(page, base)
        page.goto(base + "/admin/outbox")
        use_language(page, "en")
        expect(page.locator("h1")).to_have_text("Outbox")
        expect(page.locator(".smtp-off")).to_contain_text("No SMTP server is configured")
        held_row = page.locator(f"tr[data-message='{held}']")
        expect(held_row.locator("[data-status]")).to_have_text("would have been sent")
        held_row.locator("summary").click()
        expect(held_row.locator("pre").first).to_have_text("李先生您好，附上产品对比资料。")
        expect(held_row).not_to_contain_text("no SMTP server")  # the banner says it once
        failed_row = page.locator(f"tr[data-message='{failed}']")
        expect(failed_row.locator("[data-status]")).to_have_text("failed")
        expect(failed_row).to_contain_text("451")
        page.screenshot(path=str(artifacts / "en-outbox.png"), full_page=True)

        page.select_option("select[name=status]", "failed")
        page.get_by_role("button", name="Filter").click()
        expect(page.locator("tr[data-message]")).to_have_count(1)

        use_language(page, "zh")
        expect(page.locator("h1")).to_have_text("发件箱")
        page.goto(base + "/admin/outbox")
        expect(page.locator(".smtp-off")).to_contain_text("尚未配置 SMTP 服务器")
        expect(page.locator(f"tr[data-message='{held}'] [data-status]")).to_have_text("本应发送")
        page.screenshot(path=str(artifacts / "zh-outbox.png"), full_page=True)

        notify.settings = replace(notify.settings, smtp=SmtpSettings(
            host="127.0.0.1", port=inbox.port, security="none", sender="crm@trellis.test"))
        page.locator(f"tr[data-message='{failed}']").get_by_role("button", name="重试").click()
        expect(page.locator(".alert-success")).to_contain_text("将重新发送")
        expect(page.locator(f"tr[data-message='{failed}'] [data-status]")).to_have_text("排队中")
        assert Deliverer(runtime).run_due(runtime.clock.now()) == 1
        page.reload()
        expect(page.locator(f"tr[data-message='{failed}'] [data-status]")).to_have_text("已发送")
        assert [m["To"] for m in inbox.messages] == ["wang@example.com"]
        assert page.console_errors == []
    finally:
        controller.stop()

"""In Chromium: an admin finds a failed event delivery on /admin/events, with its error, in
Chinese and English, clicks Retry, and the delivery goes through."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import compile_translations, make_app
from tests.e2e.test_record_flow import log_in, use_language
from tests.integration.events_support import LEAD, Flaky, deliveries, received, setup_crm


@pytest.fixture(scope="module")
def events_server(tmp_path_factory, sqlite_template) -> Iterator[dict]:
    """A Trellis server whose "flaky" consumer gives up after its first failure."""
    from werkzeug.serving import make_server

    from app.bootstrap import init_db

    compile_translations()
    tmp = tmp_path_factory.mktemp("e2e-events")
    shutil.copy(sqlite_template, tmp / "trellis.db")
    app = make_app(tmp, f"sqlite:///{tmp / 'trellis.db'}", EVENT_CONSUMERS=(Flaky,),
                   EVENT_MAX_ATTEMPTS=1, REDIS_URL=None)
    init_db(app)
    _factory, admin = setup_crm(app, LEAD)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="trellis-e2e-events",
                              daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, "admin": admin}
    finally:
        server.shutdown()
        thread.join(10)
        app.extensions["trellis"].engine.dispose()


def test_admin_retries_a_failed_delivery(events_server, page: Page):
    app, base, admin = events_server["app"], events_server["url"], events_server["admin"]
    runtime = app.extensions["trellis"]
    Flaky.failing = True
    try:
        lead = admin.create("crm", "lead", {"name": "Ann"})
        # no Redis here: the sweeper delivers in this process, and the consumer gives up
        assert runtime.events.sweep(runtime.clock.now() + timedelta(minutes=5)) == 1
        assert [d["status"] for d in deliveries(runtime)] == ["failed"]

        log_in(page, base)
        page.goto(base + "/admin/events")
        use_language(page, "en")
        row = page.locator(".events-failed tr[data-delivery]")
        expect(row).to_have_count(1)
        expect(row).to_contain_text(f"crm/lead #{lead['id']}")
        expect(row.locator("summary")).to_contain_text("ValueError: flaky fails on purpose")
        row.locator("summary").click()  # the whole traceback unfolds
        expect(row.locator("pre")).to_contain_text("Traceback")
        expect(page.locator("tr[data-consumer=flaky] [data-failed]")).to_have_text("1")
        use_language(page, "zh")
        expect(page.locator("h1")).to_have_text("记录事件")
        expect(page.locator("#failed-title")).to_have_text("失败的投递")

        Flaky.failing = False
        row.get_by_role("button", name="重试").click()
        expect(page.locator(".alert-success")).to_contain_text("将重新尝试")
        expect(page.locator(".events-failed")).to_have_count(0)
        expect(page.locator("tr[data-consumer=flaky] [data-backlog]")).to_have_text("1")
        runtime.events.sweep(runtime.clock.now())  # the sweeper's next pass
        page.reload()
        expect(page.locator("tr[data-consumer=flaky] [data-backlog]")).to_have_text("0")
        expect(page.get_by_text("没有失败的投递。")).to_be_visible()
        assert [r["record_id"] for r in received(runtime)] == [lead["id"]]
        assert page.console_errors == []
    finally:
        Flaky.failing = True

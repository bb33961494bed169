"""End-to-end fixtures: a real Trellis server in a thread and Debian's chromium via Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.forms import COMPANY, DEAL

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"


def compile_translations() -> None:
    """The zh catalogue compiled (make does this; a bare pytest run may not have). Written
    aside and renamed: another pytest-xdist worker may be reading it."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in ROOT.glob("app/translations/*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            partial = mo.with_name(f"{mo.name}.{os.getpid()}")
            with partial.open("wb") as target:
                write_mo(target, catalog)
            os.replace(partial, mo)


def make_app(tmp: Path, database_url: str, **config):
    from app import create_app

    return create_app({"TESTING": True, "INSTANCE_PATH": str(tmp / "instance"),
                       "DATABASE_URL": database_url, "SECRET_KEY": "e2e-secret",
                       "ADMIN_PASSWORD": "admin-password",
                       "PACKAGES_DIR": str(tmp / "no-packages"), **config})


def seed(app) -> dict:
    """Users, the crm app with a form of every field type, and a few records."""
    from tests.support import Factory

    factory = Factory(app)
    admin = factory.user("admin@example.com", ["admin"], name="Ada Admin", locale="zh")
    member = factory.user("mia@example.com", ["member"], name="Mia Chen", locale="en")
    api = factory.api(admin)
    factory.app_doc(api)
    factory.form(api, COMPANY)
    factory.form(api, DEAL)
    for name, city in (("华为", "深圳"), ("腾讯", "深圳"), ("Acme Ltd", "Austin")):
        api.create("crm", "company", {"name": name, "city": city})
    for n in range(1, 4):
        api.create("crm", "deal", {"title": f"Existing deal {n}", "qty": n, "stage": "new"})
    return {"admin": admin, "member": member}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, sqlite_template) -> Iterator[dict]:
    """A Trellis server on 127.0.0.1 (port chosen by the system), CSRF checks on."""
    from werkzeug.serving import make_server

    from app.bootstrap import init_db

    compile_translations()
    tmp = tmp_path_factory.mktemp("e2e")
    database = tmp / "trellis.db"
    shutil.copy(sqlite_template, database)
    app = make_app(tmp, f"sqlite:///{database}")  # CSRF checks on, as in production
    init_db(app)
    people = seed(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="trellis-e2e", daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, **people}
    finally:
        server.shutdown()
        thread.join(10)
        app.extensions["trellis"].engine.dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run make chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.call_failed = report.failed
    return report


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    yield page
    if getattr(request.node, "call_failed", False):  # what the browser showed, for the log
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"failed-{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS

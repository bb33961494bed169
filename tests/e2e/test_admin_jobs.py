"""In Chromium: an admin opens the background-jobs page from the top bar, sees a failed job's
error, retries it with a click, and deletes it; screenshots of the zh and en page go to
test-artifacts/."""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from playwright.sync_api import Page, expect
from rq import Queue, SimpleWorker, Worker
from rq.registry import FailedJobRegistry
from rq.serializers import JSONSerializer

from runtime.jobs.embedded import EmbeddedRedis
from runtime.jobs.health import SCHEDULERS_KEY, record_scheduler_heartbeat
from tests.e2e.conftest import compile_translations, make_app
from tests.e2e.test_record_flow import log_in, shot, use_language
from tests.integration.test_admin_jobs import explode


@pytest.fixture(scope="module")
def jobs_server(tmp_path_factory, sqlite_template) -> Iterator[dict]:
    """A Trellis server whose Redis has a queue with a failed job, a worker and a scheduler."""
    from werkzeug.serving import make_server

    from app.bootstrap import init_db
    from tests.support import Factory

    compile_translations()
    tmp = tmp_path_factory.mktemp("e2e-jobs")
    shutil.copy(sqlite_template, tmp / "trellis.db")
    url = os.environ.get("TRELLIS_REDIS_URL")
    server = None if url else EmbeddedRedis.for_instance(tmp / "instance")
    if server is not None:
        server.ensure_running()
        url = server.url
    app = make_app(tmp, f"sqlite:///{tmp / 'trellis.db'}", REDIS_URL=url)
    init_db(app)
    Factory(app).user("admin@example.com", ["admin"], name="Ada Admin", locale="zh")
    conn = redis.Redis.from_url(url)
    q = Queue(f"e2e-{uuid.uuid4().hex[:8]}", connection=conn, serializer=JSONSerializer)
    worker = Worker([q], connection=conn, serializer=JSONSerializer, name="e2e-worker")
    worker.register_birth()
    worker.set_state("idle")
    now = app.extensions["trellis"].clock.now()
    record_scheduler_heartbeat(conn, now, now, 5.0)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, name="trellis-e2e-jobs", daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{http.server_port}", "queue": q}
    finally:
        http.shutdown()
        thread.join(10)
        worker.register_death()
        conn.delete(SCHEDULERS_KEY)
        q.delete(delete_jobs=True)
        app.extensions["trellis"].engine.dispose()
        if server is not None:
            server.stop()


def fail(q: Queue, message: str) -> str:
    job = q.enqueue(explode, message)
    SimpleWorker([q], connection=q.connection, serializer=JSONSerializer).work(burst=True)
    return job.id


def test_retry_a_failed_job_by_clicking(page: Page, jobs_server, artifacts: Path):
    base, q = jobs_server["url"], jobs_server["queue"]
    job_id = fail(q, "The CRM answered 502 for lead 42")
    log_in(page, base)
    use_language(page, "en")
    page.click(".topbar a.admin-link")
    expect(page).to_have_url(base + "/admin/jobs")
    expect(page.locator(".admin-nav a.active")).to_have_text("Background jobs")
    job = page.locator(f'li.failed-job[data-job="{job_id}"]')
    expect(job.locator(".failed-error")).to_have_text(
        "RuntimeError: The CRM answered 502 for lead 42")
    expect(page.locator(f'tr[data-queue="{q.name}"] td.failed')).to_have_text("1")
    expect(page.locator(".jobs-workers")).to_contain_text("e2e-worker")
    expect(page.locator(".jobs-schedulers")).to_contain_text("running")
    job.locator("summary").click()  # the traceback unfolds
    expect(job.locator(".failed-trace pre")).to_contain_text("Traceback (most recent call last)")
    shot(page, artifacts, "admin-jobs-en")

    job.get_by_role("button", name="Retry").click()
    expect(page.locator(".flashes")).to_contain_text(f"Job {job_id} is queued again.")
    expect(job).to_have_count(0)
    expect(page.locator(f'tr[data-queue="{q.name}"] td.queued')).to_have_text("1")
    assert q.job_ids == [job_id]
    assert job_id not in FailedJobRegistry(queue=q)


def test_delete_a_failed_job_in_chinese(page: Page, jobs_server, artifacts: Path):
    base, q = jobs_server["url"], jobs_server["queue"]
    q.empty()
    message = "线索 42 同步失败：CRM 返回 502"
    job_id = fail(q, message)
    log_in(page, base)
    use_language(page, "zh")
    page.goto(base + "/admin/jobs")
    expect(page.locator("h1")).to_have_text("后台任务")
    job = page.locator(f'li.failed-job[data-job="{job_id}"]')
    expect(job.locator(".failed-error")).to_have_text(f"RuntimeError: {message}")
    shot(page, artifacts, "admin-jobs-zh")
    page.once("dialog", lambda dialog: dialog.accept())
    job.get_by_role("button", name="删除").click()
    expect(page.locator(".flashes")).to_contain_text(f"任务 {job_id} 已删除。")
    expect(job).to_have_count(0)
    assert job_id not in FailedJobRegistry(queue=q)
    assert page.console_errors == []

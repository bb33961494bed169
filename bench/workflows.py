"""Workflow benchmark (issue 12): ``--instances`` instances of a 5-node workflow (trigger,
wait, update the record, send a message, end), each waiting on one timer, all due at once,
drained by ``--workers`` RQ worker processes (``trellis worker``) fed by the scheduler
(``trellis scheduler``: due timers every second) on a real Redis; with ``--pending`` more
timers pending far in the future in the same table. Reported: workflow steps per second, the
lag between a timer's due time and the execution of its step (p50, p99), and the bare RQ cost
of as many trivial jobs as steps, drained by the same workers in the same run.

    .venv/bin/python bench/workflows.py --database-url postgresql://... \\
        --redis-url redis://127.0.0.1:6379/11 [--instances 10000] [--pending 100000]

Targets: ≥ 200 steps/s with 2 workers; lag p99 < 5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.common import make_app, publish  # noqa: E402

LEAD = {"kind": "form", "key": "lead", "label": "Lead", "fields": [
    {"key": "name", "type": "text", "label": "Name"},
    {"key": "counter", "type": "number", "label": "Counter"}]}


def noop() -> None:
    """The baseline's trivial job."""


def flow(user_id: int) -> dict:
    return {"kind": "workflow", "key": "bench", "form": "lead", "label": "Bench",
            "nodes": [{"key": "start", "type": "trigger", "config": {"on": "manual"}},
                      {"key": "pause", "type": "wait",
                       "config": {"duration": {"days": 1}}},
                      {"key": "count", "type": "update_record",
                       "config": {"values": {"counter": "{counter} + 1"}}},
                      {"key": "tell", "type": "send_message",
                       "config": {"to": [{"user": user_id}], "title": "{name}"}},
                      {"key": "end", "type": "end"}],
            "edges": [{"from": "start", "to": "pause"}, {"from": "pause", "to": "count"},
                      {"from": "count", "to": "tell"}, {"from": "tell", "to": "end"}]}


def seed(app, instances: int, pending: int) -> list[int]:
    """Records, and instances waiting at ``pause`` on a timer each (as the trigger and the
    wait's first step leave them), written in bulk; and ``pending`` far-off timers."""
    from app.auth import service
    from runtime.permissions import SYSTEM
    from runtime.workflows.store import TIMERS

    rt = app.extensions["trellis"]
    now = rt.clock.now()
    with rt.session() as session, session.begin():
        user = service.create_user(session, "bench@example.com", "password-123", ["admin"],
                                   now, name="Bench", create_roles=True).id
    publish(app, {"kind": "app", "key": "crm", "label": "CRM"}, [LEAD])
    with rt.session() as session, session.begin():
        doc = rt.store.save_draft(session, "crm", "workflow", "bench", flow(user))
        rt.publish(session, doc)
    records: list[int] = []
    for start in range(0, instances, 2000):
        batch = range(start, min(instances, start + 2000))
        with rt.session() as session, session.begin():
            plan = rt.plan(session, "crm", "lead")
            done = rt.records(session, plan, SYSTEM).bulk_create(
                [{"name": f"lead {n}", "counter": 0} for n in batch])
            records += [r["record"]["id"] for r in done]
    waiting(rt, records, [now + timedelta(days=1)] * len(records))
    far = now + timedelta(days=365)
    for start in range(0, pending, 10000):
        with rt.session() as session, session.begin():
            session.execute(TIMERS.insert(), [{
                "instance_id": 0, "token_id": 0, "node": "pause", "name": "done",
                "due_at": far, "status": "pending"}
                for _ in range(start, min(pending, start + 10000))])
    with rt.session() as session, session.begin():
        if session.bind.dialect.name == "postgresql":
            session.execute(sa.text("ANALYZE workflow_timers"))
    return records


def waiting(rt, records: list[int], dues: list) -> None:
    """An instance per record waiting at ``pause`` on a timer due at ``dues[i]`` (as the
    trigger and the wait's first step leave it)."""
    from runtime.workflows.store import INSTANCES, TIMERS, TOKENS

    now = rt.clock.now()
    for start in range(0, len(records), 2000):
        ids, due = records[start:start + 2000], dues[start:start + 2000]
        with rt.session() as session, session.begin():
            first = session.execute(INSTANCES.insert().returning(INSTANCES.c.id), [{
                "app_key": "crm", "workflow": "bench", "version": 1, "form_key": "lead",
                "record_id": i, "status": "running", "running_key": f"crm:bench:{i}",
                "created_at": now, "updated_at": now} for i in ids]).scalars().all()
            tokens = session.execute(TOKENS.insert().returning(TOKENS.c.id), [{
                "instance_id": i, "node": "pause", "status": "waiting", "state": {},
                "created_at": now, "updated_at": now} for i in first]).scalars().all()
            session.execute(TIMERS.insert(), [{
                "instance_id": i, "token_id": t, "node": "pause", "name": "done",
                "due_at": d, "status": "pending"}
                for i, t, d in zip(first, tokens, due, strict=True)])


def steady(app, records: list[int], rate: float) -> tuple[list[float], list[float]]:
    """Timers falling due ``rate`` a second (below what the workers drain), with the far-off
    ones pending: the lags due → fired (the step made) and due → executed, in seconds."""
    from runtime.workflows.store import INSTANCES, STEPS, TIMERS

    rt = app.extensions["trellis"]
    start = rt.clock.now() + timedelta(seconds=3)
    dues = [start + timedelta(seconds=i / rate) for i in range(len(records))]
    with rt.session(read_only=True) as session:
        after = session.scalar(sa.select(sa.func.max(STEPS.c.id))) or 0
    waiting(rt, records, dues)
    while True:
        with rt.session(read_only=True) as session:
            left = session.scalar(sa.select(sa.func.count()).where(
                INSTANCES.c.status == "running"))
        if not left:
            break
        time.sleep(0.5)
    with rt.session(read_only=True) as session:
        found = session.execute(
            sa.select(TIMERS.c.due_at, TIMERS.c.fired_at, STEPS.c.done_at)
            .join(STEPS, STEPS.c.key == sa.literal("t:") + sa.cast(TIMERS.c.id, sa.String))
            .where(STEPS.c.id > after)).all()
    fired = sorted((f.fired_at - f.due_at).total_seconds() for f in found)
    done = sorted((f.done_at - f.due_at).total_seconds() for f in found)
    return fired, done


def pct(values: list[float], p: float) -> float:
    return values[max(0, int(len(values) * p) - 1)]


def processes(database_url: str, redis_url: str, workers: int, folder: Path,
              options: list[str]):
    env = {**os.environ, "TRELLIS_DATABASE_URL": database_url, "TRELLIS_REDIS_URL": redis_url,
           "TRELLIS_INSTANCE_PATH": str(folder), "TRELLIS_PACKAGES_DIR": str(folder / "none"),
           "TRELLIS_SECRET_KEY": "bench"}
    log = (folder / "processes.log").open("w")
    command = [sys.executable, "-m", "app"]
    started = [subprocess.Popen([*command, "worker", "--quiet", *options], cwd=ROOT, env=env,
                                stdout=log, stderr=log) for _ in range(workers)]
    started.append(subprocess.Popen([*command, "scheduler"], cwd=ROOT, env=env, stdout=log,
                                    stderr=log))
    return started


def settle(app, wait: float = 4) -> None:
    """Wait until the workers delivered the record events (of the seeding, of the updates)."""
    rt = app.extensions["trellis"]
    time.sleep(wait)  # the workers and the scheduler start
    while True:
        with rt.session(read_only=True) as session:
            left = session.scalar(sa.text("SELECT COUNT(*) FROM event_deliveries "
                                          "WHERE status <> 'done'"))
        if not left:
            return
        time.sleep(0.5)


def drain(app, instances: int) -> tuple[float, float, list[float], int]:
    """Make every timer due now; wait until every instance ended. (due time, seconds to
    drain, lags, steps done)."""
    from runtime.workflows.store import INSTANCES, STEPS, TIMERS

    rt = app.extensions["trellis"]
    with rt.session() as session, session.begin():
        due = rt.clock.now() + timedelta(seconds=1)
        session.execute(TIMERS.update().where(TIMERS.c.instance_id > 0).values(due_at=due))
    while True:
        with rt.session(read_only=True) as session:
            left = session.scalar(sa.select(sa.func.count()).where(
                INSTANCES.c.status == "running"))
        if not left:
            break
        time.sleep(0.5)
    with rt.session(read_only=True) as session:
        done = session.execute(sa.select(STEPS.c.kind, STEPS.c.done_at)
                               .where(STEPS.c.status == "done")).all()
    last = max(d.done_at for d in done)
    lags = sorted((d.done_at - due).total_seconds() for d in done if d.kind == "timer")
    return due.timestamp(), (last - due).total_seconds(), lags, len(done)


def idle(app) -> None:
    """Wait until the workers have nothing queued or running and the search rows of the
    records the drain updated are written (each process's indexer thread works off that
    backlog), so the steady phase starts on a quiet installation."""
    from rq.registry import StartedJobRegistry

    from runtime.jobs.worker import queue

    q, rt = queue(app), app.extensions["trellis"]
    registry = StartedJobRegistry(queue=q)
    while True:
        with rt.session(read_only=True) as session:
            backlog = session.scalar(sa.text("SELECT COUNT(*) FROM search_backlog"))
        if not (q.count or registry.count or backlog):
            break
        time.sleep(0.5)
    time.sleep(1)


def baseline(app, jobs: int) -> float:
    """Trivial jobs through the same workers: jobs per second."""
    from rq import Queue
    from rq.registry import StartedJobRegistry

    from runtime.jobs.worker import queue

    q = queue(app)
    started = time.perf_counter()
    for start in range(0, jobs, 1000):
        q.enqueue_many([Queue.prepare_data(noop, ()) for _ in range(start, min(jobs,
                                                                              start + 1000))])
    registry = StartedJobRegistry(queue=q)
    while q.count or registry.count:
        time.sleep(0.05)
    return jobs / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--instances", type=int, default=10000)
    parser.add_argument("--pending", type=int, default=100000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--steady", type=int, default=600,
                        help="timers for the steady-rate lag (of the --instances records)")
    parser.add_argument("--rate", type=float, default=10.0,
                        help="timers falling due per second in the steady phase")
    parser.add_argument("--fork", action="store_true",
                        help="trellis worker --fork (a work horse forked per job)")
    args = parser.parse_args(argv)
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    app = make_app(args.database_url, REDIS_URL=args.redis_url)
    print(f"seeding {args.instances:,} instances and {args.pending:,} far-off timers ...")
    records = seed(app, args.instances, args.pending)
    folder = Path(app.config["INSTANCE_PATH"])
    print("drain: workers and scheduler in", folder, flush=True)
    running = processes(args.database_url, args.redis_url, args.workers, folder,
                        ["--fork"] if args.fork else [])
    try:
        settle(app)  # the records' events delivered: the workers are idle
        due, seconds, lags, steps = drain(app, args.instances)
        settle(app, wait=0)  # the record events of the updates delivered too
        settled = time.time() - due
        print(f"drained: {steps} steps in {seconds:.1f} s, their record events delivered "
              f"after {settled:.1f} s; steady timers ...", flush=True)
        rate = steps / seconds
        p50, p99 = statistics.median(lags), pct(lags, .99)
        idle(app)
        fired, executed = steady(app, records[:args.steady], args.rate)
        raw = baseline(app, steps)
    finally:
        for process in running:
            process.terminate()
        for process in running:
            process.wait(30)
    kind = "forking" if args.fork else "in-process"
    print(f"workflow steps: {steps:,} in {seconds:.1f} s = {rate:,.0f} steps/s with "
          f"{args.workers} {kind} workers (target ≥ 200); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"with the record events of the updates delivered: {steps / settled:,.0f} steps/s")
    print(f"all due at once: lag due_at → execution p50 {p50:.2f} s, p99 {p99:.2f} s "
          f"(the queue of {args.instances:,} timers drains)")
    print(f"steady, {args.rate:g} timers/s falling due, {args.pending:,} others pending: lag "
          f"due_at → fired p50 {pct(fired, .5):.2f} s, p99 {pct(fired, .99):.2f} s; "
          f"→ executed p50 {pct(executed, .5):.2f} s, p99 {pct(executed, .99):.2f} s "
          f"(target p99 < 5 s)")
    print(f"bare RQ, {steps:,} trivial jobs, same workers: {raw:,.0f} jobs/s; "
          f"ratio {rate / raw:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

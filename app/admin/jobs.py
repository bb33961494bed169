"""``/admin/jobs``: the health of the background jobs — queues, RQ workers, the scheduler's
heartbeat, failed jobs with their errors (retry, delete) — or why Redis cannot be reached."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import redis
from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import format_datetime, format_timedelta
from flask_babel import gettext as _

from runtime.jobs.connection import connect
from runtime.jobs.embedded import EmbeddedRedisError
from runtime.jobs.health import (
    FailedJob,
    JobsHealth,
    QueueHealth,
    SchedulerHealth,
    WorkerHealth,
    delete_failed,
    read_health,
    retry_failed,
)
from runtime.web import current_runtime
from runtime.web.messages import N_
from runtime.web.routes import GET, POST

REDIS_TIMEOUT = 3.0  # seconds: the page must answer even when Redis does not
FAILED_SHOWN = 50
WORKER_STATES = {"idle": N_("idle"), "busy": N_("busy"), "started": N_("starting"),
                 "suspended": N_("suspended")}


@dataclass(frozen=True)
class Moment:
    text: str  # local date and time, to the second
    ago: str  # "5 seconds ago"


@dataclass(frozen=True)
class Status:
    label: str
    tone: str  # ok, warn, bad: the tag's CSS class


@dataclass(frozen=True)
class WorkerRow:
    name: str
    where: str
    status: Status
    queues: str
    current_job: str
    heartbeat: Moment | None
    started: Moment | None
    counts: str


@dataclass(frozen=True)
class SchedulerRow:
    where: str
    status: Status
    heartbeat: Moment
    started: Moment
    interval: str


@dataclass(frozen=True)
class FailedRow:
    id: str
    queue: str
    description: str
    error: str
    traceback: str
    failed: Moment | None


@dataclass
class JobsPageVM:
    redis_url: str
    reachable: bool = True
    problem: str = ""  # why Redis cannot be reached
    hint: str = ""  # what to do about it
    warnings: list[str] = field(default_factory=list)
    queues: list[QueueHealth] = field(default_factory=list)
    workers: list[WorkerRow] = field(default_factory=list)
    schedulers: list[SchedulerRow] = field(default_factory=list)
    failed: list[FailedRow] = field(default_factory=list)
    failed_total: int = 0


def shown_url(url: str | None) -> str:
    """The Redis URL without its password."""
    if not url:
        return _("the embedded Redis")
    parts = urlsplit(url)
    if not parts.password:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def _moment(value: datetime | None, now: datetime) -> Moment | None:
    if value is None:
        return None
    return Moment(format_datetime(value, "yyyy-MM-dd HH:mm:ss"),
                  format_timedelta(value - now, add_direction=True, threshold=1.1))


def _worker_row(w: WorkerHealth, now: datetime) -> WorkerRow:
    tone = "warn" if w.state == "suspended" else "ok"
    return WorkerRow(name=w.name, where=f"{w.host} · pid {w.pid}" if w.pid else w.host,
                     status=Status(_(WORKER_STATES.get(w.state, w.state)), tone),
                     queues=", ".join(w.queues), current_job=w.current_job or "",
                     heartbeat=_moment(w.last_heartbeat, now), started=_moment(w.started_at, now),
                     counts=_("%(ok)s done, %(failed)s failed", ok=w.succeeded, failed=w.failed))


def _scheduler_row(s: SchedulerHealth, now: datetime) -> SchedulerRow:
    status = Status(_("late"), "bad") if s.late else Status(_("running"), "ok")
    return SchedulerRow(where=f"{s.host} · pid {s.pid}", status=status,
                        heartbeat=_moment(s.last_heartbeat, now),
                        started=_moment(s.started_at, now),
                        interval=_("every %(seconds)s s", seconds=format(s.interval, "g")))


def _failed_row(job: FailedJob, now: datetime) -> FailedRow:
    return FailedRow(id=job.id, queue=job.queue, description=job.description,
                     error=job.error or _("No error was recorded (the job's data has expired)."),
                     traceback=job.traceback, failed=_moment(job.failed_at, now))


def _warnings(health: JobsHealth) -> list[str]:
    found = []
    if not health.workers:
        found.append(_("No worker is running: queued jobs wait until one starts."))
    if not health.schedulers:
        found.append(_("No scheduler has reported: periodic tasks are not enqueued."))
    elif all(s.late for s in health.schedulers):
        found.append(_("The scheduler has not reported in time: periodic tasks may not be "
                       "enqueued."))
    elif sum(not s.late for s in health.schedulers) > 1:
        found.append(_("More than one scheduler is running; run exactly one."))
    return found


def jobs_view(conn: redis.Redis, url: str | None, now: datetime) -> JobsPageVM:
    vm = JobsPageVM(redis_url=shown_url(url))
    try:
        health = read_health(conn, now, FAILED_SHOWN)
    except (redis.exceptions.RedisError, OSError) as exc:
        vm.reachable, vm.problem = False, str(exc) or type(exc).__name__
        return vm
    vm.warnings = _warnings(health)
    vm.queues = health.queues
    vm.workers = [_worker_row(w, now) for w in health.workers]
    vm.schedulers = [_scheduler_row(s, now) for s in health.schedulers]
    vm.failed = [_failed_row(j, now) for j in health.failed_jobs]
    vm.failed_total = health.failed_total
    return vm


def _connection() -> tuple[redis.Redis | None, str | None, str]:
    """The configured Redis (never starting the embedded one), its URL, and a problem."""
    url = current_app.config.get("REDIS_URL")
    try:
        conn = connect(url, Path(current_app.instance_path), start=False,
                       timeout=REDIS_TIMEOUT)
    except (EmbeddedRedisError, ValueError) as exc:
        return None, url, str(exc)
    return conn, url, ""


def jobs_page():
    conn, url, problem = _connection()
    if conn is None:
        vm = JobsPageVM(redis_url=shown_url(url), reachable=False, problem=problem)
    else:
        vm = jobs_view(conn, url, current_runtime().clock.now())
    if not vm.reachable:
        vm.hint = (_("The embedded Redis runs only under `trellis run`; elsewhere set "
                     "TRELLIS_REDIS_URL to a Redis server.") if not url else
                   _("Check that the Redis server at TRELLIS_REDIS_URL is running and "
                     "reachable from this machine."))
    return render_template("app/admin/jobs.html", vm=vm)


def _act_on_failed(job_id: str, act: Callable[[redis.Redis, str], str]):
    """Retry or delete a failed job, then back to the page saying what happened."""
    conn, _url, problem = _connection()
    try:
        if conn is None:
            raise redis.exceptions.ConnectionError(problem)
        outcome = act(conn, job_id)
    except (redis.exceptions.RedisError, OSError) as exc:
        flash(_("Redis cannot be reached: %(error)s", error=str(exc)), "error")
    else:
        flash(*OUTCOMES[outcome](job_id))
    return redirect(url_for("admin.jobs"))


OUTCOMES: dict[str, Callable[[str], tuple[str, str]]] = {
    "queued": lambda job_id: (_("Job %(id)s is queued again.", id=job_id), "success"),
    "deleted": lambda job_id: (_("Job %(id)s was deleted.", id=job_id), "success"),
    "gone": lambda job_id: (_("Job %(id)s is no longer among the failed jobs.", id=job_id),
                            "error"),
    "expired": lambda job_id: (_("Job %(id)s cannot be retried: its data has expired. Delete "
                                 "it.", id=job_id), "error"),
}


def retry_job(job_id: str):
    return _act_on_failed(job_id, retry_failed)


def delete_job(job_id: str):
    return _act_on_failed(job_id, delete_failed)


class JobsPage:
    key = "jobs"
    label = N_("Background jobs")
    endpoint = "admin.jobs"

    routes = (
        ("/jobs", "jobs", jobs_page, GET),
        ("/jobs/failed/<job_id>/retry", "jobs_retry", retry_job, POST),
        ("/jobs/failed/<job_id>/delete", "jobs_delete", delete_job, POST),
    )

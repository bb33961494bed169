"""How the background jobs are doing, read from Redis: queues, RQ workers, scheduler heartbeats,
failed jobs (retry, delete). No Flask: the admin page prints what this returns.

The scheduler records a heartbeat in Redis after each pass, as RQ's workers do, so every machine
sees every scheduler; a heartbeat older than a day is forgotten.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis
from rq import Queue, Worker
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.registry import (
    DeferredJobRegistry,
    FailedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)
from rq.serializers import JSONSerializer

SCHEDULERS_KEY = "trellis:schedulers"
FORGET_AFTER = timedelta(days=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # sorts failed jobs whose data expired last
LATE_AFTER = 3  # scheduler intervals without a heartbeat before it counts as late


@dataclass(frozen=True)
class QueueHealth:
    name: str
    queued: int
    started: int
    scheduled: int
    deferred: int
    failed: int


@dataclass(frozen=True)
class WorkerHealth:
    name: str
    host: str
    pid: int | None
    state: str  # RQ's: idle, busy, started, suspended
    queues: list[str]
    current_job: str | None
    last_heartbeat: datetime | None
    started_at: datetime | None
    succeeded: int
    failed: int


@dataclass(frozen=True)
class SchedulerHealth:
    name: str
    host: str
    pid: int
    started_at: datetime
    last_heartbeat: datetime
    interval: float
    late: bool


@dataclass(frozen=True)
class FailedJob:
    id: str
    queue: str
    description: str
    error: str  # the exception's last line
    traceback: str
    enqueued_at: datetime | None
    failed_at: datetime | None


@dataclass(frozen=True)
class JobsHealth:
    queues: list[QueueHealth]
    workers: list[WorkerHealth]
    schedulers: list[SchedulerHealth]
    failed_jobs: list[FailedJob]  # the newest first, at most the limit asked for
    failed_total: int


def scheduler_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def record_scheduler_heartbeat(conn: redis.Redis, started_at: datetime, now: datetime,
                               interval: float, name: str | None = None) -> None:
    """Say that this scheduler process (or ``name``) is alive at ``now``; forget schedulers
    silent for a day."""
    name = name or scheduler_name()
    host, _sep, pid = name.rpartition(":")
    beat = {"host": host, "pid": int(pid), "interval": interval,
            "started_at": started_at.isoformat(), "last_heartbeat": now.isoformat()}
    stale = [key for key, value in conn.hgetall(SCHEDULERS_KEY).items()
             if now - _beat(value)[1] > FORGET_AFTER]
    with conn.pipeline() as pipe:
        pipe.hset(SCHEDULERS_KEY, name, json.dumps(beat))
        if stale:
            pipe.hdel(SCHEDULERS_KEY, *stale)
        pipe.execute()


def _beat(raw: bytes) -> tuple[dict, datetime]:
    beat = json.loads(raw)
    return beat, datetime.fromisoformat(beat["last_heartbeat"])


def read_health(conn: redis.Redis, now: datetime, failed_limit: int = 50) -> JobsHealth:
    """Everything the admin page shows; Redis errors propagate (the page says Redis is down)."""
    queues = sorted(Queue.all(connection=conn, serializer=JSONSerializer), key=lambda q: q.name)
    return JobsHealth(queues=[_queue_health(q) for q in queues],
                      workers=_workers(conn), schedulers=_schedulers(conn, now),
                      failed_jobs=_failed_jobs(conn, queues, failed_limit),
                      failed_total=sum(_failed(q).count for q in queues))


def _failed(q: Queue) -> FailedJobRegistry:
    return FailedJobRegistry(queue=q, serializer=JSONSerializer)


def _queue_health(q: Queue) -> QueueHealth:
    return QueueHealth(name=q.name, queued=q.count, started=StartedJobRegistry(queue=q).count,
                       scheduled=ScheduledJobRegistry(queue=q).count,
                       deferred=DeferredJobRegistry(queue=q).count, failed=_failed(q).count)


def _workers(conn: redis.Redis) -> list[WorkerHealth]:
    workers = Worker.all(connection=conn, serializer=JSONSerializer)
    return sorted((WorkerHealth(
        name=w.name, host=w.hostname or "", pid=w.pid, state=w.get_state(),
        queues=w.queue_names(), current_job=w.get_current_job_id(),
        last_heartbeat=w.last_heartbeat, started_at=w.birth_date,
        succeeded=w.successful_job_count, failed=w.failed_job_count) for w in workers),
        key=lambda w: (w.host, w.name))


def _schedulers(conn: redis.Redis, now: datetime) -> list[SchedulerHealth]:
    found = []
    for name, raw in conn.hgetall(SCHEDULERS_KEY).items():
        beat, last = _beat(raw)
        interval = float(beat["interval"])
        found.append(SchedulerHealth(
            name=name.decode(), host=beat["host"], pid=int(beat["pid"]),
            started_at=datetime.fromisoformat(beat["started_at"]), last_heartbeat=last,
            interval=interval, late=now - last > timedelta(seconds=LATE_AFTER * interval + 5)))
    return sorted(found, key=lambda s: s.last_heartbeat, reverse=True)


def _failed_jobs(conn: redis.Redis, queues: list[Queue], limit: int) -> list[FailedJob]:
    found: list[FailedJob] = []
    for q in queues:
        ids = _failed(q).get_job_ids(0, limit - 1, desc=True)  # scores: failure time + TTL
        for job_id, job in zip(ids, Job.fetch_many(ids, connection=conn,
                                                    serializer=JSONSerializer), strict=True):
            found.append(_failed_job(job_id, q.name, job))
    found.sort(key=lambda j: j.failed_at or EPOCH, reverse=True)
    return found[:limit]


def _failed_job(job_id: str, queue: str, job: Job | None) -> FailedJob:
    if job is None:  # the job's data expired before its registry entry
        return FailedJob(id=job_id, queue=queue, description="", error="", traceback="",
                         enqueued_at=None, failed_at=None)
    result = job.latest_result()
    trace = (result.exc_string if result is not None and result.exc_string else "") or ""
    lines = [line for line in trace.strip().splitlines() if line.strip()]
    return FailedJob(id=job_id, queue=queue, description=job.description or "",
                     error=lines[-1].strip() if lines else "", traceback=trace.strip(),
                     enqueued_at=job.enqueued_at, failed_at=job.ended_at)


def _registry_of(conn: redis.Redis, job_id: str) -> FailedJobRegistry | None:
    for q in Queue.all(connection=conn, serializer=JSONSerializer):
        registry = _failed(q)
        if job_id in registry:
            return registry
    return None


def retry_failed(conn: redis.Redis, job_id: str) -> str:
    """Put a failed job back on its queue: "queued"; "gone" when it is no longer failed,
    "expired" when its data has expired (only deleting it is left)."""
    registry = _registry_of(conn, job_id)
    if registry is None:
        return "gone"
    try:
        registry.requeue(job_id)
    except NoSuchJobError:
        return "expired"
    except InvalidJobOperation:  # another admin was quicker
        return "gone"
    return "queued"


def delete_failed(conn: redis.Redis, job_id: str) -> str:
    """Forget a failed job: "deleted", or "gone" when it is no longer failed."""
    registry = _registry_of(conn, job_id)
    if registry is None:
        return "gone"
    try:
        Job.fetch(job_id, connection=conn, serializer=JSONSerializer).delete()
    except NoSuchJobError:
        registry.remove(job_id)
    return "deleted"

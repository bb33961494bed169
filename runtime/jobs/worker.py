"""The RQ side: the queue, the worker, and the job functions (which take keys, not objects)."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from rq import Queue, SimpleWorker, Worker
from rq.serializers import JSONSerializer

from runtime.jobs.connection import connect
from runtime.jobs.memory import settle

QUEUE = "trellis"
log = logging.getLogger(__name__)


def queue(app: Flask) -> Queue:
    conn = connect(app.config.get("REDIS_URL"), Path(app.instance_path))
    return Queue(QUEUE, connection=conn, serializer=JSONSerializer)


class TrellisWorker(Worker):
    """RQ's forking worker that, before each fork, brings up to date what jobs read and
    rarely changes (compiled workflow versions, form plans): each work horse starts with it
    (copy-on-write) instead of compiling it again and throwing it away."""

    warm: Callable[[], None] | None = None

    def execute_job(self, job, queue):
        if self.warm is not None:
            try:
                self.warm()
            except Exception:  # warming is an optimisation: the job compiles what it needs
                log.exception("warming the worker failed")
        return super().execute_job(job, queue)


class InProcessWorker(SimpleWorker):
    """Runs each job in this process (RQ's ``SimpleWorker``): no fork, no new database
    connection and no caches rebuilt per job, so short jobs (a workflow step, an event
    delivery) cost what they do. A job's time limit still holds (a signal, as in a work
    horse). Past ``max_memory`` bytes resident after a job, it stops: its supervisor
    (``trellis run``, systemd) starts a fresh one."""

    max_memory: int | None = None

    def execute_job(self, job, queue):
        try:
            return super().execute_job(job, queue)
        finally:
            used = resident()
            if self.max_memory and used > self.max_memory:
                log.warning("worker %s: %d MiB resident after job %s (limit %d MiB); "
                            "stopping for a fresh one", self.name, used >> 20, job.id,
                            self.max_memory >> 20)
                self._stop_requested = True


def resident() -> int:
    """This process's resident memory in bytes (Linux: now; elsewhere: its peak)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def run_worker(app: Flask, burst: bool = False, logging_level: str = "INFO",
               fork: bool = False, max_memory: int | None = None) -> None:
    """Work the queue: jobs in this process (``fork``: each in a work horse of its own)."""
    from runtime.workflows.runner import Warmer

    q = queue(app)
    settle()  # the app and its caches out of the collector's sight (and shared by forks)
    if not fork:
        worker = InProcessWorker([q], connection=q.connection, serializer=JSONSerializer)
        worker.max_memory = max_memory
        worker.work(burst=burst, logging_level=logging_level)
        return
    worker = TrellisWorker([q], connection=q.connection, serializer=JSONSerializer)
    worker.warm = Warmer(app.extensions["trellis"])
    worker.work(burst=burst, logging_level=logging_level)

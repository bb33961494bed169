"""The RQ side: the queue, the worker, and the job functions (which take keys, not objects)."""

from __future__ import annotations

import logging
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


def run_worker(app: Flask, burst: bool = False, logging_level: str = "INFO",
               fork: bool = True) -> None:
    from runtime.workflows.runner import Warmer

    q = queue(app)
    settle()  # the app and its caches out of the collector's sight (and shared by forks)
    if not fork:
        SimpleWorker([q], connection=q.connection, serializer=JSONSerializer).work(
            burst=burst, logging_level=logging_level)
        return
    worker = TrellisWorker([q], connection=q.connection, serializer=JSONSerializer)
    worker.warm = Warmer(app.extensions["trellis"])
    worker.work(burst=burst, logging_level=logging_level)

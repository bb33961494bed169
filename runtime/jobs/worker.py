"""The RQ side: the queue, the worker, and the job functions (which take keys, not objects)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from rq import Queue, Worker
from rq.serializers import JSONSerializer

from runtime.jobs.connection import connect
from runtime.jobs.memory import settle

QUEUE = "trellis"


def queue(app: Flask) -> Queue:
    conn = connect(app.config.get("REDIS_URL"), Path(app.instance_path))
    return Queue(QUEUE, connection=conn, serializer=JSONSerializer)


def run_worker(app: Flask, burst: bool = False, logging_level: str = "INFO") -> None:
    q = queue(app)
    settle()  # the app and its caches out of the collector's sight (and shared by forks)
    Worker([q], connection=q.connection, serializer=JSONSerializer).work(
        burst=burst, logging_level=logging_level)

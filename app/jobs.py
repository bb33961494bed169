"""RQ job functions: they take keys and times, and build their own app context."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

_app: Flask | None = None


def worker_app() -> Flask:
    """One app per worker process, made on the first job."""
    global _app
    if _app is None:
        from app import create_app

        _app = create_app()
    return _app


def perform_task(key: str, due_iso: str) -> str:
    from runtime.jobs.scheduler import run_task

    app = worker_app()
    with app.app_context():
        return run_task(app.extensions["trellis"], key, datetime.fromisoformat(due_iso))


def deliver_events(consumer: str, event_ids: list[int]) -> str:
    """Hand record events to an asynchronous consumer (runtime.events.delivery)."""
    app = worker_app()
    with app.app_context():
        return app.extensions["trellis"].events.deliver(consumer, event_ids)

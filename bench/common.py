"""Shared set-up for benchmarks: an app on a throw-away database, an admin, a published form."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def make_app(database_url: str | None = None, **config: Any):
    """A Trellis app on a fresh SQLite file (or the given database), with ``config`` on top."""
    from app import create_app
    from app.bootstrap import init_db

    folder = Path(tempfile.mkdtemp(prefix="trellis-bench-"))
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "bench",
                      "DATABASE_URL": database_url or f"sqlite:///{folder / 'bench.db'}",
                      "WTF_CSRF_ENABLED": False, "PACKAGES_DIR": str(folder / "none"),
                      **config})
    init_db(app)
    return app


def publish(app, app_doc: dict, forms: list[dict], user_id: int | None = None) -> None:
    runtime = app.extensions["trellis"]
    with runtime.session() as session, session.begin():
        doc = runtime.store.save_draft(session, app_doc["key"], "app", app_doc["key"], app_doc)
        runtime.publish(session, doc, user_id)
        for form in forms:
            doc = runtime.store.save_draft(session, app_doc["key"], "form", form["key"], form)
            runtime.publish(session, doc, user_id)


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def ratio_line(name: str, ours: float, raw: float, unit: str, target: str) -> str:
    return (f"{name}: trellis {ours:,.0f} {unit}, baseline {raw:,.0f} {unit}, "
            f"ratio {ours / raw:.2f} (target {target})")

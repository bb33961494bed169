"""``trellis run``: set up, then the web server with a supervised RQ worker and scheduler beside
it (and the embedded Redis they share, unless TRELLIS_REDIS_URL names a server)."""

from __future__ import annotations

import fcntl
import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import IO

import click
from flask import Flask
from werkzeug.serving import make_server

from app.bootstrap import ensure_admin, init_db, load_packages
from app.supervisor import ChildSpec, CrashLoop, StopRequest, Supervisor
from runtime.jobs.embedded import EmbeddedRedis, EmbeddedRedisError

log = logging.getLogger("trellis.run")

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


def _claim_instance(instance: Path) -> IO[str]:
    """Hold a lock on the instance folder while running: two runs would fight over one
    embedded Redis, each taking the other's server for a stale one."""
    lock = open(instance / "run.lock", "a+")  # noqa: SIM115 - held until the process ends
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        owner = lock.read().strip() or "?"
        raise click.ClickException(f"another `trellis run` (pid {owner}) uses the instance "
                                   f"folder {instance}; stop it first") from None
    lock.truncate(0)
    lock.write(f"{os.getpid()}\n")
    lock.flush()
    return lock


def _children(app: Flask, env: dict[str, str]) -> list[ChildSpec]:
    """The worker and the scheduler, after the embedded Redis when there is no Redis URL."""
    specs = []
    if not app.config.get("REDIS_URL"):
        try:
            server = EmbeddedRedis.for_instance(Path(app.instance_path))
            argv = server.command(daemonize=False)
        except EmbeddedRedisError as exc:
            raise click.ClickException(str(exc)) from None
        specs.append(ChildSpec("redis", argv, prepare=server.clear_stale,
                               ready=server.wait_ready, cleanup=server.clear_stale))
        app.config["REDIS_URL"] = env["TRELLIS_REDIS_URL"] = server.url
    trellis = [sys.executable, "-m", "app"]
    needs = "redis" if specs else None
    return [*specs, ChildSpec("worker", [*trellis, "worker", "--quiet"], needs=needs,
                              term_twice=True),
            ChildSpec("scheduler", [*trellis, "scheduler"], needs=needs)]


def _log_to_stderr() -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def serve(app: Flask, host: str, port: int, with_worker: bool = True) -> None:
    """Serve until SIGINT, SIGTERM or SIGHUP, then stop every child; exit 1 when a child
    crashes in a loop or the web server fails."""
    init_db(app)
    packages = load_packages(app)
    _log_to_stderr()
    server = make_server(host, port, app, threaded=True)  # a port in use exits here, with 1
    supervisor = None
    if with_worker:
        lock = _claim_instance(Path(app.instance_path))  # noqa: F841 - held while serving
        env = dict(os.environ)
        supervisor = Supervisor(_children(app, env), env)
    click.echo(f"Trellis on http://{host}:{port}/  (apps: {', '.join(packages) or 'none'})")
    _announce_login(app)
    stop = StopRequest().install()
    web = threading.Thread(target=server.serve_forever, name="trellis-web", daemon=True)
    failed = None
    try:
        if supervisor is not None:
            supervisor.start_all()
            click.echo("  worker and scheduler started (Ctrl-C stops everything)")
        web.start()
        while not stop.requested:
            time.sleep(0.2)
            if not web.is_alive():
                failed = "the web server stopped"
                break
            if supervisor is not None:
                supervisor.check()
    except CrashLoop as exc:
        failed = str(exc)
    finally:
        if stop.requested:
            log.info("%s received: stopping", stop.signals[0])
        if web.is_alive():
            server.shutdown()
        server.server_close()
        if supervisor is not None:
            supervisor.stop_all(hurry=lambda: stop.hurried)
    if failed:
        log.error("%s; Trellis stopped", failed)
        sys.exit(1)

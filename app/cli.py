"""The ``trellis`` command: a Flask group with the project's own commands."""

from __future__ import annotations

import functools
import json
import sys
from datetime import datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from metadata.errors import TrellisError


def with_database(fn):
    """Run a command with the app context and the system schema migrated to head (cheap
    when it already is), so any command works on a fresh database."""

    @functools.wraps(fn)
    @with_appcontext
    def wrapper(*args, **kwargs):
        from app.bootstrap import init_db

        init_db(current_app)
        return fn(*args, **kwargs)

    return wrapper


def _fail(exc: TrellisError) -> None:
    for problem in exc.problems:
        click.echo(f"error: {problem.path or '/'}: {problem.message}", err=True)
    sys.exit(1)


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or migrate the database and the built-in roles."""
    from app.bootstrap import init_db

    init_db(current_app)
    click.echo(f"database ready: {current_app.extensions['trellis'].engine.url!r}")


@click.command("create-user")
@click.argument("email")
@click.option("--role", "roles", multiple=True, default=["member"], show_default=True,
              help="admin, designer, member or a custom role (repeatable)")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default=None)
@click.option("--team", "teams", multiple=True, help="team name (repeatable)")
@click.option("--locale", type=click.Choice(["zh", "en"]), default="zh")
@with_database
def create_user_command(email, roles, password, name, teams, locale) -> None:
    """Create a user."""
    from app.auth import service

    runtime = current_app.extensions["trellis"]
    try:
        with runtime.session() as session, session.begin():
            user = service.create_user(session, email, password, list(roles),
                                       runtime.clock.now(), name=name, locale=locale,
                                       create_roles=True)
            for team in teams:
                service.add_to_team(session, user, team)
            click.echo(f"created user {user.id} {user.email} ({', '.join(roles)})")
    except TrellisError as exc:
        _fail(exc)


@click.command("create-token")
@click.argument("email")
@click.option("--scope", "scopes", multiple=True,
              help="records:read, records:write, metadata:read, metadata:write (repeatable; "
                   "default: all)")
@click.option("--name", default="cli")
@with_database
def create_token_command(email, scopes, name) -> None:
    """Create an API token; the token alone is printed on the last line."""
    import sqlalchemy as sa

    from app.auth import service
    from app.auth.models import User

    runtime = current_app.extensions["trellis"]
    try:
        with runtime.session() as session, session.begin():
            user = session.scalar(sa.select(User).where(sa.func.lower(User.email)
                                                        == email.lower()))
            if user is None:
                click.echo(f"error: no user {email}", err=True)
                sys.exit(1)
            token, secret = service.create_token(session, user, name, list(scopes) or None,
                                                 runtime.clock.now())
            click.echo(f"token {token.id} for {user.email}, scopes: {' '.join(token.scopes)}")
    except TrellisError as exc:
        _fail(exc)
    click.echo(secret)


@click.command("import-app")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_database
def import_app_command(file: Path) -> None:
    """Import an app package (all documents, or nothing when any is invalid)."""
    from app.bootstrap import import_file

    try:
        key = import_file(current_app.extensions["trellis"], file)
    except TrellisError as exc:
        _fail(exc)
    click.echo(f"imported app {key}")


@click.command("export-app")
@click.argument("app_key")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@with_database
def export_app_command(app_key: str, output: Path | None) -> None:
    """Export an app package as JSON (to stdout, or to --output)."""
    from metadata.package import export_package

    runtime = current_app.extensions["trellis"]
    try:
        with runtime.session() as session:
            package = export_package(runtime.store, session, app_key)
    except TrellisError as exc:
        _fail(exc)
    text = json.dumps(package, ensure_ascii=False, indent=2)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {output}")
    else:
        click.echo(text)


@click.command("import")
@click.argument("app_key")
@click.argument("form_key")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON file of column name -> field key (default: suggested from the "
                   "column names)")
@click.option("--dry-run", is_flag=True, help="check every row, keep nothing")
@click.option("--as", "email", default=None,
              help="the user importing (default: the first active admin)")
@with_database
def import_command(app_key: str, form_key: str, file: Path, mapping: Path | None,
                   dry_run: bool, email: str | None) -> None:
    """Import a CSV or XLSX file's rows into a form, here and now, with a progress bar."""
    from app.imports import import_file

    try:
        summary = import_file(current_app, app_key, form_key, file, mapping, dry_run, email)
    except TrellisError as exc:
        _fail(exc)
    click.echo(summary)


@click.command("tick")
@click.option("--now", "now", default=None, help="ISO time to act at (default: now)")
@with_database
def tick_command(now: str | None) -> None:
    """Process what the scheduler would at that time, in this process."""
    from runtime.jobs.scheduler import run_due

    runtime = current_app.extensions["trellis"]
    if now:
        try:
            moment = datetime.fromisoformat(now.replace("Z", "+00:00"))
        except ValueError:
            click.echo(f"error: --now {now!r} is not an ISO 8601 time", err=True)
            sys.exit(2)
        if moment.tzinfo is None:
            click.echo("error: --now needs a timezone, e.g. 2026-01-15T09:00:00+08:00", err=True)
            sys.exit(2)
        runtime.clock.set(moment)
    runtime.events.publisher = None  # record events due for delivery are delivered here too
    ran = run_due(runtime)
    click.echo(f"tick at {runtime.clock.now().isoformat()}: ran {len(ran)} task(s)"
               + (": " + ", ".join(ran) if ran else ""))


@click.command("worker")
@click.option("--burst", is_flag=True, help="stop when the queues are empty")
@click.option("--quiet", is_flag=True,
              help="log warnings and failures only, not every job (trellis run uses it)")
@click.option("--fork/--no-fork", default=False,
              help="run each job in a forked work horse of its own (RQ's default: a job "
                   "that crashes the process spares the worker, at the cost of a fork and a "
                   "new database connection per job) instead of in the worker process")
@click.option("--max-memory", type=click.IntRange(min=0), default=1024, show_default=True,
              help="MiB resident after a job past which an in-process worker stops, to be "
                   "restarted fresh by its supervisor (0: no limit)")
@with_appcontext
def worker_command(burst: bool, quiet: bool, fork: bool, max_memory: int) -> None:
    """Run an RQ worker on the configured Redis."""
    from app.jobs import adopt_worker_app
    from runtime.jobs.worker import run_worker

    adopt_worker_app(current_app._get_current_object())
    run_worker(current_app, burst=burst, logging_level="WARNING" if quiet else "INFO",
               fork=fork, max_memory=max_memory << 20 or None)


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduler loop: enqueue due work every few seconds."""
    from app.jobs import perform_task
    from runtime.jobs.scheduler import run_scheduler

    run_scheduler(current_app, perform_task)


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-worker", is_flag=True, help="start only the web server")
@with_appcontext
def run_command(host: str, port: int, no_worker: bool) -> None:
    """Set up everything and start the web server, an RQ worker and the scheduler."""
    from app.serve import serve

    # the server's threads need the app itself, not the context-bound proxy
    serve(current_app._get_current_object(), host, port, with_worker=not no_worker)


COMMANDS = (init_db_command, create_user_command, create_token_command, import_app_command,
            export_app_command, import_command, tick_command, worker_command, scheduler_command,
            run_command)


def init_app(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def _create_app():
    from app import create_app

    return create_app()


cli = FlaskGroup(name="trellis", create_app=_create_app, add_default_commands=False,
                 add_version_option=False, load_dotenv=False,
                 help="Trellis: a low-code, metadata-driven app builder.")


def main() -> None:
    cli.main(prog_name="trellis")

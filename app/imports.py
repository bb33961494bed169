"""``trellis import``: a file's rows into a form in this process, with a progress bar on a
terminal (the same service and job as imports started in the pages and the API)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask

from app.auth.models import Role, User
from metadata.errors import Problem, TrellisError
from runtime.capture.imports import service
from runtime.capture.imports.job import ImportJob, Progress
from runtime.capture.imports.models import Import


def import_file(app: Flask, app_key: str, form_key: str, path: Path, mapping_file: Path | None,
                dry_run: bool, email: str | None) -> str:
    runtime = app.extensions["trellis"]
    mapping = _mapping(mapping_file)
    with runtime.session() as session:
        who = _importer(session, email)
        principal = runtime.directory.principal(session, who.id)
        records = runtime.records(session, runtime.plan(session, app_key, form_key), principal,
                                  via="import")
        with open(path, "rb") as stream:
            imp = service.start(runtime, records, service.Upload(path.name, stream), mapping,
                                dry_run, who.locale or "en")
        import_id, header, used = imp.id, imp.header, imp.mapping
        session.commit()
    click.echo(f"import {import_id}: {path.name} — "
               + ", ".join(f"{column} → {used[column]}" for column in header if column in used),
               err=True)
    bar = ProgressBar()
    ImportJob(runtime, import_id, on_progress=bar.show).run()
    bar.close()
    with runtime.session(read_only=True) as session:
        done = session.get(Import, import_id)
        if done.status == "failed":
            raise TrellisError([Problem("", done.error or "the import failed")])
        return (f"{'checked' if dry_run else 'imported'} {done.processed} row(s): "
                f"{done.created} created, {done.merged} merged, {done.failed} failed"
                + (f" (failed rows: GET /api/v1/apps/{app_key}/forms/{form_key}/imports/"
                   f"{import_id}/errors)" if done.failed else ""))


def _mapping(path: Path | None):
    if path is None:
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise TrellisError([Problem("/mapping", f"{path} is not valid JSON: {exc}")]) from None


def _importer(session, email: str | None) -> User:
    query = sa.select(User).where(User.active.is_(True))
    if email is not None:
        user = session.scalar(query.where(sa.func.lower(User.email) == email.lower()))
    else:
        user = session.scalar(query.where(User.roles.any(Role.key == "admin"))
                              .order_by(User.id))
    if user is None:
        raise TrellisError([Problem("/as", f"no active user {email}" if email else
                                    "no active admin: name the importer with --as")])
    return user


class ProgressBar:
    """Rows done of all, the rate and the time left, redrawn in place on a terminal; a line
    per batch otherwise."""

    def __init__(self):
        self.started = time.monotonic()
        self.tty = sys.stderr.isatty()

    def show(self, progress: Progress) -> None:
        total = progress.total or 0
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = progress.processed / elapsed
        left = (total - progress.processed) / rate if rate and total else 0
        width = 30
        filled = int(width * progress.processed / total) if total else 0
        line = (f"[{'#' * filled}{'.' * (width - filled)}] {progress.processed}/{total} "
                f"{rate:,.0f} rows/s, {left:,.0f} s left — {progress.created} created, "
                f"{progress.merged} merged, {progress.failed} failed")
        click.echo(("\r" + line) if self.tty else line, err=True, nl=not self.tty)

    def close(self) -> None:
        if self.tty:
            click.echo("", err=True)

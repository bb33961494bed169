"""RQ job functions: they take keys and times, and build their own app context."""

from __future__ import annotations

import os
from datetime import datetime

from flask import Flask

_app: Flask | None = None


def adopt_worker_app(app: Flask) -> None:
    """Run jobs in ``app``, made once in the worker's main process: RQ forks a work horse per
    job, and an app made in the horse would be made again for every job. The horse must not
    share the parent's database connections: it drops the inherited pool (without closing
    the parent's sockets) and opens its own."""
    global _app
    _app = app
    engine = app.extensions["trellis"].engine
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))


def worker_app() -> Flask:
    """The worker's app (see ``adopt_worker_app``), else one made on the first job."""
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


def run_rule_job(job_id: int) -> str:
    """Do a rule's asynchronous action (runtime.rules.jobs)."""
    from runtime.rules.jobs import JobRunner

    app = worker_app()
    with app.app_context():
        return JobRunner(app.extensions["trellis"]).run(job_id)


def deliver_message(message_id: int) -> str:
    """Deliver an outbox message (runtime.notify.outbox): once, however often it runs."""
    from runtime.notify.outbox import Deliverer

    app = worker_app()
    with app.app_context():
        return Deliverer(app.extensions["trellis"]).run(message_id)


def run_workflow_step(item: str) -> str:
    """Do a workflow step, ``item`` being "instance-step-attempt" (runtime.workflows)."""
    from runtime.workflows.runner import Runner

    app = worker_app()
    with app.app_context():
        return Runner(app.extensions["trellis"], chain=True).run(int(item.split("-")[1]))


def run_rescore(run_id: int) -> str:
    """Re-score a form's records after a ruleset version (runtime.rules.rescore)."""
    from runtime.rules.rescore import Rescorer

    app = worker_app()
    with app.app_context():
        return Rescorer(app.extensions["trellis"], run_id).run()


def run_export(export_id: str) -> str:
    """Write the file of a background export (runtime.web.forms.export_jobs)."""
    from runtime.web.forms.export_jobs import run

    app = worker_app()
    with app.app_context():
        return run(app.extensions["trellis"], export_id)


def run_import(import_id: str) -> str:
    """Import a file's rows (runtime.capture.imports.job), messages in the importer's
    language."""
    from runtime.capture.imports.job import ImportJob
    from runtime.capture.imports.models import Import
    from runtime.web.messages import translate

    app = worker_app()
    with app.app_context():
        runtime = app.extensions["trellis"]
        with runtime.session(read_only=True) as session:
            imp = session.get(Import, import_id)
            lang = imp.lang if imp is not None else "en"
        with _locale(lang):
            return ImportJob(runtime, import_id, words=translate).run()


def _locale(lang: str):
    from flask import g
    from flask_babel import force_locale

    g.setdefault("trellis_job", lang)  # flask-babel keeps a forced locale in g
    return force_locale(lang)


def run_import_undo(import_id: str) -> str:
    """Undo an import (runtime.capture.imports.service.undo) as the person who asked."""
    from runtime.capture.imports import service
    from runtime.capture.imports.models import Import
    from runtime.web.messages import translate

    app = worker_app()
    with app.app_context():
        runtime = app.extensions["trellis"]
        with runtime.session(read_only=True) as session:
            imp = session.get(Import, import_id)
            if imp is None or imp.status != "undoing":
                return f"import {import_id}: nothing to undo"
            who, lang = runtime.directory.principal(session, imp.undone_by), imp.lang
            app_key, form_key = imp.app_key, imp.form_key
        if who is None:
            return f"import {import_id}: the person undoing it is no longer active"

        def records_for(session):
            return runtime.records(session, runtime.plan(session, app_key, form_key), who,
                                   via="import")
        with _locale(lang):
            report = service.undo(runtime, records_for, import_id, words=translate)
        service.finish_undo(runtime, import_id, report)
        return f"import {import_id} undone: {report.removed} removed, {len(report.kept)} kept"


def run_identity_scan(scan_id: int) -> str:
    """Find the duplicates among a form's records (runtime.identity.scan_job), messages in
    the language of who started it."""
    from runtime.identity.models import IdentityScan
    from runtime.identity.scan_job import ScanJob
    from runtime.web.messages import translate

    app = worker_app()
    with app.app_context():
        runtime = app.extensions["trellis"]
        with runtime.session(read_only=True) as session:
            scan = session.get(IdentityScan, scan_id)
            lang = scan.lang if scan is not None else "en"
        with _locale(lang):
            return ScanJob(runtime, scan_id, words=translate).run()

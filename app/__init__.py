"""The Flask app factory: wires configuration, the database, the runtime and the blueprints."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Config, Flask

if TYPE_CHECKING:
    from runtime.context import Runtime

ROOT = Path(__file__).resolve().parents[1]
EVENT_SETTINGS = ("max_attempts", "retry_seconds", "redeliver_seconds")


def create_app(test_config: dict | None = None) -> Flask:
    # the instance folder is known before the app exists: its config (trellis.cfg) is read
    # relative to the folder the app is made with
    instance = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("TRELLIS_INSTANCE_PATH")
    app = Flask(__name__, instance_path=str(Path(instance or ROOT / "instance").resolve()),
                instance_relative_config=True,
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    from app.config import load_config
    from app.fastjson import OrjsonProvider
    from runtime.fields.regions import set_region_data_path
    from runtime.web import WIDGETS
    from runtime.web.forms.widgets.registry import build_widget_registry

    load_config(app, test_config)
    if app.config.get("REGION_DATA_PATH"):
        set_region_data_path(app.config["REGION_DATA_PATH"])
    runtime = build_runtime(app.config)
    app.extensions["trellis"] = runtime
    app.extensions[WIDGETS] = build_widget_registry(runtime.fields)
    _event_queue(app)
    _export_queue(app)
    app.json = OrjsonProvider(app)  # records keep their fields in form order
    register_parts(app)
    return app


def build_runtime(config: Config) -> Runtime:
    """The runtime of the app: the database, the registries, the directory, the settings."""
    from app.auth.directory import UserDirectory
    from app.database import make_engine
    from runtime.clock import Clock
    from runtime.context import Runtime
    from runtime.events.consumers import build_consumer_registry
    from runtime.fields.registry import build_field_registry
    from runtime.rules.consumer import RulesConsumer

    return Runtime(engine=make_engine(config["DATABASE_URL"]), fields=build_field_registry(),
                   clock=Clock(), upload_dir=Path(config["UPLOAD_DIR"]),
                   directory=UserDirectory(),  # the runtime asks app.auth about people
                   settings=runtime_settings(config),
                   consumers=build_consumer_registry((RulesConsumer,
                                                      *config["EVENT_CONSUMERS"])))


def runtime_settings(config: Config) -> dict[str, Any]:
    return {"max_json_bytes": config["MAX_JSON_BYTES"],
            "upload_max_mb": config["UPLOAD_MAX_MB"],
            "timezone": config["BABEL_DEFAULT_TIMEZONE"],
            "statement_timeout": config["STATEMENT_TIMEOUT"],
            "list_count_cap": config["LIST_COUNT_CAP"],
            "export_dir": config["EXPORT_DIR"],
            "export_inline_rows": config["EXPORT_INLINE_ROWS"],
            "export_keep_hours": config["EXPORT_KEEP_HOURS"],
            "import_dir": config["IMPORT_DIR"],
            "import_max_bytes": int(config["IMPORT_MAX_MB"] * 1024 * 1024),
            "background_statement_timeout": config["BACKGROUND_STATEMENT_TIMEOUT"],
            "secret_key": config["SECRET_KEY"],  # webhook secrets are sealed under it
            "webhook_max_bytes": config["WEBHOOK_MAX_BYTES"],
            "idempotency_keep_hours": config["IDEMPOTENCY_KEEP_HOURS"],
            "public_base_url": config["PUBLIC_BASE_URL"],
            "outbound_allow_private": bool(config["OUTBOUND_ALLOW_PRIVATE"]),
            "webhook_secrets": dict(config["WEBHOOK_SECRETS"] or {}),
            **{f"event_{key}": config[f"EVENT_{key.upper()}"] for key in EVENT_SETTINGS}}


def register_parts(app: Flask) -> None:
    """Request plumbing, people, the blueprints (each adds its ``ROUTES``), the CLI."""
    from app import auth, cli, shell, web
    from app.admin import admin_blueprint
    from app.extensions import csrf
    from builder.web import builder_blueprint
    from runtime.api import api_blueprint
    from runtime.web.capture import capture_blueprint
    from runtime.web.forms.views import forms_blueprint
    from runtime.web.notifications import notifications_blueprint

    web.init_app(app)
    auth.init_app(app)
    api = api_blueprint()
    csrf.exempt(api)  # the API checks CSRF itself, for cookie-authenticated requests only
    app.register_blueprint(api, url_prefix="/api/v1")
    app.register_blueprint(forms_blueprint(), url_prefix="/a")
    app.register_blueprint(notifications_blueprint(), url_prefix="/notifications")
    capture = capture_blueprint()
    csrf.exempt(capture)  # signed addresses and page tokens instead (runtime.web.capture)
    app.register_blueprint(capture)
    app.register_blueprint(builder_blueprint(), url_prefix="/build")
    app.register_blueprint(admin_blueprint(app), url_prefix="/admin")
    shell.init_app(app)
    cli.init_app(app)


def _event_queue(app: Flask) -> None:
    """Record events go to the workers through RQ once a Redis is configured; until then
    (and while Redis is down) the scheduler's sweeper delivers them."""
    from app.jobs import deliver_events
    from runtime.events.queue import RqPublisher
    from runtime.jobs.worker import queue

    def event_queue():
        return queue(app) if app.config.get("REDIS_URL") else None

    app.extensions["trellis"].events.publisher = RqPublisher(event_queue, deliver_events)


IMPORT_TIMEOUT = 6 * 3600  # seconds an import job may run (a million rows take minutes)


def _export_queue(app: Flask) -> None:
    """Exports of long lists are written by a worker: their jobs go to RQ (the embedded
    Redis unless TRELLIS_REDIS_URL names one), taking the export's id."""
    from app.jobs import run_export
    from runtime.jobs.worker import queue
    from runtime.web.forms.export_jobs import EXPORT_QUEUE

    def enqueue(export_id: str) -> None:
        queue(app).enqueue(run_export, export_id, job_id=f"export-{export_id}",
                           description=f"export {export_id}")

    app.extensions[EXPORT_QUEUE] = enqueue

    def enqueue_import(import_id: str) -> None:
        from app.jobs import run_import

        queue(app).enqueue(run_import, import_id, job_id=f"import-{import_id}",
                           description=f"import {import_id}", job_timeout=IMPORT_TIMEOUT)

    def enqueue_undo(import_id: str) -> None:
        from app.jobs import run_import_undo

        queue(app).enqueue(run_import_undo, import_id, job_id=f"import-undo-{import_id}",
                           description=f"undo import {import_id}", job_timeout=IMPORT_TIMEOUT)

    def enqueue_rule_job(job_id: str) -> None:
        from app.jobs import run_rule_job

        if app.config.get("REDIS_URL"):  # else the scheduler's run_rule_jobs takes it
            queue(app).enqueue(run_rule_job, int(job_id), job_id=f"rule-job-{job_id}",
                               description=f"rule job {job_id}")

    app.extensions["trellis"].background["import"] = enqueue_import
    app.extensions["trellis"].background["rule_job"] = enqueue_rule_job
    app.extensions["trellis"].background["import_undo"] = enqueue_undo

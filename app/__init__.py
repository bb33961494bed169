"""The Flask app factory: wires configuration, the database, the runtime and the blueprints."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Config, Flask

if TYPE_CHECKING:
    from runtime.context import Runtime

ROOT = Path(__file__).resolve().parents[1]
EVENT_SETTINGS = ("max_attempts", "retry_seconds", "redeliver_seconds")
NOTIFY_SETTINGS = ("smtp_host", "smtp_port", "smtp_user", "smtp_password", "smtp_security",
                   "smtp_from", "smtp_timeout", "sms_provider", "sms_url", "sms_method",
                   "sms_headers", "sms_body", "notify_max_attempts", "notify_retry_seconds",
                   "notify_retry_cap_seconds")


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
    from runtime.workflows.consumer import WorkflowConsumer

    return Runtime(engine=make_engine(config["DATABASE_URL"]), fields=build_field_registry(),
                   clock=Clock(), upload_dir=Path(config["UPLOAD_DIR"]),
                   directory=UserDirectory(),  # the runtime asks app.auth about people
                   settings=runtime_settings(config),
                   consumers=build_consumer_registry((RulesConsumer, WorkflowConsumer,
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
            **{f"event_{key}": config[f"EVENT_{key.upper()}"] for key in EVENT_SETTINGS},
            **{key: config[key.upper()] for key in NOTIFY_SETTINGS}}


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
    from runtime.web.todo import todo_blueprint
    from runtime.web.tracking import tracking_blueprint

    web.init_app(app)
    auth.init_app(app)
    api = api_blueprint()
    csrf.exempt(api)  # the API checks CSRF itself, for cookie-authenticated requests only
    app.register_blueprint(api, url_prefix="/api/v1")
    app.register_blueprint(forms_blueprint(), url_prefix="/a")
    app.register_blueprint(notifications_blueprint(), url_prefix="/notifications")
    app.register_blueprint(todo_blueprint(), url_prefix="/todo")
    capture = capture_blueprint()
    csrf.exempt(capture)  # signed addresses and page tokens instead (runtime.web.capture)
    app.register_blueprint(capture)
    tracking = tracking_blueprint()
    csrf.exempt(tracking)  # signed tokens instead (runtime.web.tracking)
    app.register_blueprint(tracking)
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
    """Work done by a worker — exports of long lists, and the background jobs below — goes to
    RQ (the embedded Redis unless TRELLIS_REDIS_URL names one), taking the item's id."""
    from app.jobs import run_export
    from runtime.jobs.worker import queue
    from runtime.web.forms.export_jobs import EXPORT_QUEUE

    def enqueue(export_id: str) -> None:
        queue(app).enqueue(run_export, export_id, job_id=f"export-{export_id}",
                           description=f"export {export_id}")

    app.extensions[EXPORT_QUEUE] = enqueue

    for kind, spec in BACKGROUND_JOBS.items():
        app.extensions["trellis"].background[kind] = _enqueuer(app, spec)
    if app.config.get("REDIS_URL"):  # else no workers: the scheduler runs workflow steps
        app.extensions["trellis"].background["workflow_steps"] = _workflow_launcher(app)
        app.extensions["trellis"].background["workflow_steps_queued"] = _workflow_queued(app)


@dataclass(frozen=True)
class BackgroundJob:
    """Work the runtime hands to a worker by id: the function of app.jobs that does it."""

    function: str
    name: str  # job ids are "<name>-<id>"
    description: str  # with {id}
    timeout: int | None = None
    numeric: bool = False  # the function takes the id as a number
    redis_only: bool = False  # without TRELLIS_REDIS_URL a periodic task takes it instead


BACKGROUND_JOBS = {
    "import": BackgroundJob("run_import", "import", "import {id}", IMPORT_TIMEOUT),
    "import_undo": BackgroundJob("run_import_undo", "import-undo", "undo import {id}",
                                 IMPORT_TIMEOUT),
    "rule_job": BackgroundJob("run_rule_job", "rule-job", "rule job {id}", numeric=True,
                              redis_only=True),
    "identity_scan": BackgroundJob("run_identity_scan", "identity-scan",
                                   "find duplicates (scan {id})", IMPORT_TIMEOUT, numeric=True),
    "outbox": BackgroundJob("deliver_message", "outbox", "deliver message {id}", numeric=True,
                            redis_only=True),
    "rescore": BackgroundJob("run_rescore", "rescore", "re-score {id}", IMPORT_TIMEOUT,
                             numeric=True, redis_only=True),
}


def _workflow_launcher(app: Flask) -> Callable[[list[str]], None]:
    """Workflow steps to RQ, many in one pipeline: each "instance-step-attempt" is the key of
    its job (one job per attempt of a step)."""
    from rq import Queue

    from app.jobs import run_workflow_step
    from runtime.jobs.worker import queue

    def launch(items: list[str]) -> None:
        q = queue(app)
        for start in range(0, len(items), 500):
            q.enqueue_many([Queue.prepare_data(run_workflow_step, (item,),
                                               job_id=f"wf-step-{item}",
                                               description=f"workflow step {item}")
                            for item in items[start:start + 500]])

    return launch


def _workflow_queued(app: Flask) -> Callable[[list[str]], set[str]]:
    """Which of the steps' jobs still wait in the queue (the sweeper hands out the others
    again: lost in a flush, or their worker died)."""
    from runtime.jobs.worker import queue

    def queued(items: list[str]) -> set[str]:
        pipe = queue(app).connection.pipeline(transaction=False)
        for item in items:
            pipe.hget(f"rq:job:wf-step-{item}", "status")
        return {item for item, status in zip(items, pipe.execute(), strict=True)
                if status in (b"queued", b"deferred", b"scheduled")}

    return queued


def _enqueuer(app: Flask, spec: BackgroundJob) -> Callable[[Any], None]:
    from runtime.jobs.worker import queue

    def enqueue(item_id: Any) -> None:
        if spec.redis_only and not app.config.get("REDIS_URL"):
            return
        function = getattr(importlib.import_module("app.jobs"), spec.function)
        options = {"job_timeout": spec.timeout} if spec.timeout else {}
        queue(app).enqueue(function, int(item_id) if spec.numeric else item_id,
                           job_id=f"{spec.name}-{item_id}",
                           description=spec.description.format(id=item_id), **options)

    return enqueue

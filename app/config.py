"""Configuration: defaults, then an optional instance config file, then TRELLIS_* variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

DEFAULTS = {
    "DATABASE_URL": None,  # default: sqlite in the instance folder
    "REDIS_URL": None,  # default: the embedded Redis in <instance>/redis/
    "UPLOAD_DIR": None,  # default: <instance>/uploads
    "MAX_CONTENT_LENGTH": None,  # default: the upload limit plus 1 MB for the form around it
    "MAX_JSON_BYTES": 8 * 1024 * 1024,
    "UPLOAD_MAX_MB": 50,
    "EXPORT_DIR": None,  # default: <instance>/exports (files of background exports)
    "EXPORT_INLINE_ROWS": 5000,  # longer lists are exported by a background job
    "EXPORT_KEEP_HOURS": 24,  # a background export's file is kept this long for its requester
    "IMPORT_DIR": None,  # default: <instance>/imports (uploaded files being imported)
    "IMPORT_MAX_MB": 100,  # the largest file an import takes
    # seconds one SQL statement of a web request may run (0: no limit); below gunicorn's timeout
    "STATEMENT_TIMEOUT": 10,
    "BACKGROUND_STATEMENT_TIMEOUT": 0,
    # lists count matches exactly up to here, then say "more than" (a count scans every match)
    "LIST_COUNT_CAP": 10_000,  # the same for jobs, the scheduler and CLI commands
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "BABEL_DEFAULT_LOCALE": "zh",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "PACKAGES_DIR": None,  # default: metadata/packages in the source tree
    "ADMIN_EMAIL": "admin@example.com",
    "SCHEDULER_INTERVAL": 5,
    # record events (docs/events.md): extra consumer classes (code, not text: tests and
    # embedding), attempts before a delivery fails, first backoff, and the sweeper's lease
    "EVENT_CONSUMERS": (),
    "EVENT_MAX_ATTEMPTS": 5,
    "EVENT_RETRY_SECONDS": 10,
    "EVENT_REDELIVER_SECONDS": 60,
    "WTF_CSRF_TIME_LIMIT": None,
    "TRUSTED_PROXIES": 0,  # reverse proxies in front that append to X-Forwarded-For
    "LOGIN_PAIR_LIMIT": 5,  # failed log-ins per (account, address) before that pair waits
    "LOGIN_ADDRESS_LIMIT": 50,  # failed log-ins per address, any account, before it waits
    "LOGIN_ACCOUNT_LIMIT": 20,  # failures per account from unknown browsers before backoff
    "LOGIN_WINDOW_SECONDS": 900,
    "WEBHOOK_MAX_BYTES": 1024 * 1024,  # a webhook body beyond it gets 413 (a form may set its own)
    "IDEMPOTENCY_KEEP_HOURS": 24,  # a response stored under an Idempotency-Key is kept this long
    "PUBLIC_BASE_URL": None,
    # rules' webhooks (docs/rules.md): call private and loopback addresses too (an admin's
    # choice for intranets), and the secrets that sign their bodies, by name
    "OUTBOUND_ALLOW_PRIVATE": False,
    "WEBHOOK_SECRETS": {},  # e.g. https://crm.example.com: public form, QR and webhook links
    # notify (docs/notify.md): SMTP (no host: e-mails are held, "would have been sent"),
    # security starttls | tls | none; the SMS provider (log | http); the outbox's retries
    "SMTP_HOST": None,
    "SMTP_PORT": 587,
    "SMTP_USER": None,
    "SMTP_PASSWORD": None,
    "SMTP_SECURITY": "starttls",
    "SMTP_FROM": "trellis@localhost",
    "SMTP_TIMEOUT": 20,
    "SMS_PROVIDER": "log",
    "SMS_URL": None,
    "SMS_METHOD": "POST",
    "SMS_HEADERS": {},
    "SMS_BODY": None,
    "NOTIFY_MAX_ATTEMPTS": 6,
    "NOTIFY_RETRY_SECONDS": 30,
    "NOTIFY_RETRY_CAP_SECONDS": 3600,
}


def load_config(app: Flask, test_config: dict | None = None) -> None:
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("trellis.cfg", silent=True)
        app.config.from_prefixed_env("TRELLIS")
    else:
        app.config.from_prefixed_env("TRELLIS")
        app.config.from_mapping(test_config)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'trellis.db'}"
    if not app.config["UPLOAD_DIR"]:
        app.config["UPLOAD_DIR"] = str(instance / "uploads")
    if not app.config["EXPORT_DIR"]:
        app.config["EXPORT_DIR"] = str(instance / "exports")
    if not app.config["IMPORT_DIR"]:
        app.config["IMPORT_DIR"] = str(instance / "imports")
    if not app.config["PACKAGES_DIR"]:
        app.config["PACKAGES_DIR"] = str(Path(__file__).resolve().parents[1] / "metadata"
                                         / "packages")
    if not app.config["MAX_CONTENT_LENGTH"]:
        largest = max(int(app.config["UPLOAD_MAX_MB"]), int(app.config["IMPORT_MAX_MB"]))
        app.config["MAX_CONTENT_LENGTH"] = (largest + 1) * 1024 * 1024
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance)


def _instance_secret(instance: Path) -> str:
    """A secret key kept in the instance folder, made on first start."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        os.chmod(path, 0o600)
    return path.read_text().strip()

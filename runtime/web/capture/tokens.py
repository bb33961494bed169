"""The token a public form page carries: which form it was served for and when, signed with
the installation's secret (itsdangerous). It stands in for the session's CSRF token — an
embedding site's iframe sends no session cookie — and gives the minimum fill time."""

from __future__ import annotations

import secrets
import time

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "trellis public form"
MAX_AGE = 24 * 3600  # a page left open longer is served again

VALID, MISSING, EXPIRED, TOO_FAST = "valid", "missing", "expired", "too_fast"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue(form: str) -> str:
    return _serializer().dumps({"f": form, "n": secrets.token_hex(4)})


def check(token: str | None, form: str, min_seconds: float) -> str:
    """valid, or why not: missing (or not ours, or for another form), expired, too_fast."""
    if not token:
        return MISSING
    try:
        data, signed_at = _serializer().loads(token, max_age=MAX_AGE, return_timestamp=True)
    except SignatureExpired:
        return EXPIRED
    except BadSignature:
        return MISSING
    if not isinstance(data, dict) or data.get("f") != form:
        return MISSING
    if time.time() - signed_at.timestamp() < min_seconds:
        return TOO_FAST
    return VALID

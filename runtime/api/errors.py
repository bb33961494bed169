"""Every API answer that is not a success: JSON ``{"errors": [{"path", "message"}]}``."""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Response, jsonify, request
from werkzeug.exceptions import HTTPException

from metadata.errors import Problem, TrellisError

log = logging.getLogger(__name__)

MESSAGES = {
    400: "the request is malformed",
    401: "log in or send a valid API token (Authorization: Bearer <token>)",
    403: "you may not do this",
    404: "there is nothing at this address",
    405: "this method is not allowed here",
    409: "the resource was changed by someone else",
    413: "the request body is too large",
    415: "send JSON (Content-Type: application/json)",
    422: "the data is not valid",
    429: "too many requests; slow down",
    500: "an internal error occurred; it has been logged",
}


def error_response(status: int, problems: list[Problem] | None = None) -> Response:
    problems = problems or [Problem("", MESSAGES.get(status, "error"))]
    response = jsonify({"errors": [p.as_dict() for p in problems]})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="trellis"'
    return response


def handle_trellis_error(exc: TrellisError) -> Response:
    return error_response(exc.status, exc.problems)


def handle_http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    message = MESSAGES.get(status) or exc.description or "error"
    if status == 413:
        message = "the request body is too large"
    return error_response(status, [Problem("", message)])


def handle_unexpected(exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500)


def json_body(max_bytes: int) -> Any:
    """The request's JSON body, or a 400/413/415 naming the line and column of a syntax error."""
    length = request.content_length
    if length is not None and length > max_bytes:
        raise TrellisError([Problem("", f"the body is larger than {max_bytes // (1024 * 1024)} "
                                        "MB; send fewer records per request")], status=413)
    mimetype = request.mimetype or ""
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise TrellisError([Problem("", MESSAGES[415])], status=415)
    raw = request.get_data(cache=True)
    if len(raw) > max_bytes:
        raise TrellisError([Problem("", "the body is too large")], status=413)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TrellisError([Problem("", f"the body is not UTF-8 (byte {exc.start})")]) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TrellisError([Problem("", f"invalid JSON at line {exc.lineno}, column {exc.colno}"
                                        f": {exc.msg}")]) from None

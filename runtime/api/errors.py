"""Every API answer that is not a success: JSON ``{"errors": [{"path", "message"}]}``."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from flask import Response, jsonify, request
from werkzeug.exceptions import HTTPException

from metadata.errors import Problem, TrellisError, pointer
from metadata.messages import Message
from metadata.orm import whole_number
from runtime.storage.transactions import QueryStopped
from runtime.web import rollback
from runtime.web.messages import translate

log = logging.getLogger(__name__)
MAX_DEPTH = 64  # documents and records need about ten levels
SURROGATE = re.compile("[\ud800-\udfff]")  # json.loads pairs the valid ones up

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
    503: "the request took too long and was stopped",
}


def for_reader(message: str) -> str:
    """A message for whoever called. The designers' pages call the API from the browser (a
    session, no token): they get their user's language; programs (tokens) get English."""
    if isinstance(message, Message) and not request.headers.get("Authorization"):
        return translate(message)
    return message


def problem_json(problem: Problem) -> dict:
    return {**problem.as_dict(), "message": for_reader(problem.message)}


def error_response(status: int, problems: list[Problem] | None = None) -> Response:
    problems = problems or [Problem("", MESSAGES.get(status, "error"))]
    response = jsonify({"errors": [problem_json(p) for p in problems]})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="trellis"'
    return response


def handle_trellis_error(exc: TrellisError) -> Response:
    return error_response(exc.status, exc.problems)


def handle_query_stopped(exc: QueryStopped) -> Response:
    rollback()  # the session stays usable (PostgreSQL refuses more in a failed transaction)
    return error_response(exc.status, exc.problems)


def handle_http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    message = MESSAGES.get(status) or exc.description or "error"
    if status == 413:
        message = "the request body is too large"
    response = error_response(status, [Problem("", message)])
    if status == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


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
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TrellisError([Problem("", f"invalid JSON at line {exc.lineno}, column {exc.colno}"
                                        f": {exc.msg}")]) from None
    except RecursionError:
        raise TrellisError([Problem("", f"the JSON is nested more than {MAX_DEPTH} levels "
                                        "deep")]) from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise TrellisError([Problem("", f"invalid JSON: {exc}")]) from None
    check_structure(value)
    return value


def check_structure(value: Any) -> None:
    """Refuse JSON nested deeper than MAX_DEPTH (400), text holding NUL characters, which
    PostgreSQL cannot store (422, at the value's JSON Pointer), and text that is not Unicode:
    a lone surrogate such as \\ud800, which no encoding can write (400)."""
    stack: list[tuple[Any, tuple, int]] = [(value, (), 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            check_text(item, path)
            continue
        if not isinstance(item, dict | list):
            continue
        if depth >= MAX_DEPTH:
            raise TrellisError([Problem(pointer(*path), f"the JSON is nested more than "
                                                        f"{MAX_DEPTH} levels deep")])
        if isinstance(item, dict):
            for key, child in item.items():
                if "\x00" in key:
                    raise TrellisError([Problem(pointer(*path), "a property name must not "
                                                                "contain NUL characters")], 422)
                check_text(key, path)
                if isinstance(child, str | dict | list):
                    stack.append((child, (*path, key), depth + 1))
        else:
            stack.extend((child, (*path, i), depth + 1) for i, child in enumerate(item)
                         if isinstance(child, str | dict | list))


def check_text(text: str, path: tuple) -> None:
    if "\x00" in text:
        raise TrellisError([Problem(pointer(*path), "text must not contain NUL characters "
                                                    "(\\u0000)")], 422)
    lone = SURROGATE.search(text)
    if lone:
        raise TrellisError([Problem(pointer(*path), f"text must be Unicode: "
                                                    f"\\u{ord(lone.group()):04x} is half of a "
                                                    "surrogate pair, without its other half")])


def if_match(arg: str, message: str) -> int | None:
    """The number a client read (its ETag, weak or not, in If-Match; or ``?<arg>=``)."""
    header = request.headers.get("If-Match")
    if header is not None:  # sent, even empty: it must be an ETag this API gave out
        raw = header.strip().removeprefix("W/").strip('"')
    elif arg not in request.args:
        return None
    else:  # sent, even empty (?version=): it must be a number, as its schema says
        raw = request.args[arg]
    number = whole_number(raw)
    if number is None:
        raise TrellisError([Problem(f"/{arg}", message)])
    return number

"""The Idempotency-Key header on the record-creating endpoints (runtime.capture.idempotency):
``idempotent`` wraps a view; the view calls ``remember(response)`` inside the transaction that
writes its records, so the answer is stored with them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from flask import Response, g, request

from metadata.errors import Problem, TrellisError
from runtime.api.access import require
from runtime.api.errors import error_response
from runtime.capture.idempotency import (
    IdempotencyStore,
    clean_key,
    fingerprint,
    key_problem,
)
from runtime.web import current_runtime, db_session

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
CLAIM = "idempotency_claim"
# an error answer that a retry may get another answer to is not kept (the draft: "a
# response that is not final"); every other answer is
NOT_FINAL = frozenset({409, 429})


def store() -> IdempotencyStore:
    rt = current_runtime()
    hours = rt.settings.get("idempotency_keep_hours") or 24
    return IdempotencyStore(db_session(), rt.clock.now, timedelta(hours=hours))


def remember(response: Response) -> None:
    """Store ``response`` as the answer to the request's key (if it has one), in the current
    transaction."""
    row_id = g.get(CLAIM)
    if row_id is not None:
        store().finish(row_id, response.status_code, response.get_data(),
                       dict(response.headers))
        g.pop(CLAIM)


def replay(row) -> Response:
    response = Response(row.body, status=row.status, headers=row.headers or {})
    response.headers[REPLAYED] = "true"
    return response


def idempotent(view: Callable[..., Response]) -> Callable[..., Response]:
    """Honour an Idempotency-Key on ``view`` (a POST that creates records)."""

    @wraps(view)
    def wrapper(**kwargs) -> Response:
        raw_key = request.headers.get(HEADER)
        if raw_key is None:
            return view(**kwargs)
        principal = require("records:write")
        key = clean_key(raw_key)
        why = key_problem(key)
        if why is not None:
            raise TrellisError([Problem("/headers/" + HEADER, why)], status=400)
        limit = current_runtime().settings["max_json_bytes"]
        body = request.get_data(cache=True) if (request.content_length or 0) <= limit else b""
        claim = store().claim(principal.user_id, key, f"{request.method} {request.path}",
                              fingerprint(body))
        if claim.stored is not None:
            return replay(claim.stored)
        if claim.refusal is not None:
            return refusal(claim.refusal)
        return run(view, claim.row_id, kwargs)

    return wrapper


def run(view: Callable[..., Response], row_id: int, kwargs: dict) -> Response:
    g.setdefault(CLAIM, row_id)
    try:
        response = view(**kwargs)
    except TrellisError as exc:
        db_session().rollback()
        response = error_response(exc.status, exc.problems)
    except BaseException:
        db_session().rollback()
        store().release(row_id)
        raise
    if g.get(CLAIM) is None:  # the view stored it with its records
        return response
    g.pop(CLAIM)
    if response.status_code >= 500 or response.status_code in NOT_FINAL:
        store().release(row_id)
    else:
        store().finish(row_id, response.status_code, response.get_data(),
                       dict(response.headers))
        db_session().commit()
    return response


def refusal(why: str) -> Response:
    if why == "mismatch":
        return error_response(422, [Problem("/headers/" + HEADER, (
            "this Idempotency-Key was used for another request (a different body or "
            "address); use a new key for a new request"))])
    response = error_response(409, [Problem("/headers/" + HEADER, (
        "a request with this Idempotency-Key is still being processed; retry shortly"))])
    response.headers["Retry-After"] = "1"
    return response

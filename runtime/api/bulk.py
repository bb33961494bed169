"""Bulk changes to chosen records: set fields, delete (soft), give to another owner.

Each takes ``{"ids": [...], ...}`` (at most 1,000 ids) and answers 200 with a result per
record: changed whole or refused with its reasons (runtime.storage.bulk_changes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, jsonify

from metadata.errors import Problem, TrellisError, pointer
from runtime.api.access import require
from runtime.api.errors import json_body, problem_json
from runtime.api.records import BASE, records_for
from runtime.storage.bulk_changes import BulkChanges, Summary, chosen_ids
from runtime.web import current_runtime, transaction
from runtime.web.routes import POST, Route


def bulk_body(allowed: tuple[str, ...]) -> dict[str, Any]:
    """The request's JSON object, holding no properties but ``allowed`` (a misspelt one is
    named, rather than ignored)."""
    body = json_body(current_runtime().settings["max_json_bytes"])
    if not isinstance(body, dict):
        raise TrellisError([Problem("", "must be a JSON object such as {\"ids\": [1, 2]}")],
                           status=422)
    unknown = [Problem(pointer(k), f"unknown property {k!r}; this request takes "
                                   f"{', '.join(allowed)}") for k in body if k not in allowed]
    if unknown:
        raise TrellisError(unknown[:20], status=422)
    return body


def answer(summary: Summary) -> Response:
    out = summary.as_dict()
    for result, outcome in zip(out["results"], summary.outcomes, strict=True):
        if outcome.problems:  # in the reader's language (a browser session), else English
            result["errors"] = [problem_json(p) for p in outcome.problems]
    return jsonify(out)


def _bulk(app_key: str, form_key: str, extra: str | None,
          apply: Callable[[BulkChanges, list[int], Any], Summary]) -> Response:
    """One bulk request: the chosen ``ids`` (and the ``extra`` property the action takes),
    applied record by record in one transaction, answered with the summary."""
    changes = BulkChanges(records_for(app_key, form_key, require("records:write")))
    body = bulk_body(("ids", extra) if extra else ("ids",))
    ids = chosen_ids(body.get("ids"))
    with transaction():
        summary = apply(changes, ids, body.get(extra) if extra else None)
    return answer(summary)


def bulk_update(app_key: str, form_key: str) -> Response:
    return _bulk(app_key, form_key, "changes", lambda c, ids, changes: c.update(ids, changes))


def bulk_delete(app_key: str, form_key: str) -> Response:
    return _bulk(app_key, form_key, None, lambda c, ids, _none: c.delete(ids))


def bulk_assign(app_key: str, form_key: str) -> Response:
    return _bulk(app_key, form_key, "owner", lambda c, ids, owner: c.assign(ids, owner))


ROUTES: tuple[Route, ...] = (
    (BASE + "/bulk-update", "bulk_update", bulk_update, POST),
    (BASE + "/bulk-delete", "bulk_delete", bulk_delete, POST),
    (BASE + "/bulk-assign", "bulk_assign", bulk_assign, POST),
)

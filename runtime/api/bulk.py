"""Bulk changes to chosen records: set fields, delete (soft), give to another owner.

Each takes ``{"ids": [...], ...}`` (at most 1,000 ids) and answers 200 with a result per
record: changed whole or refused with its reasons (runtime.storage.bulk_changes)."""

from __future__ import annotations

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


def bulk_update(app_key: str, form_key: str) -> Response:
    changes = BulkChanges(records_for(app_key, form_key, require("records:write")))
    body = bulk_body(("ids", "changes"))
    ids = chosen_ids(body.get("ids"))
    with transaction():
        summary = changes.update(ids, body.get("changes"))
    return answer(summary)


def bulk_delete(app_key: str, form_key: str) -> Response:
    changes = BulkChanges(records_for(app_key, form_key, require("records:write")))
    ids = chosen_ids(bulk_body(("ids",)).get("ids"))
    with transaction():
        summary = changes.delete(ids)
    return answer(summary)


def bulk_assign(app_key: str, form_key: str) -> Response:
    changes = BulkChanges(records_for(app_key, form_key, require("records:write")))
    body = bulk_body(("ids", "owner"))
    ids = chosen_ids(body.get("ids"))
    with transaction():
        summary = changes.assign(ids, body.get("owner"))
    return answer(summary)


ROUTES: tuple[Route, ...] = (
    (BASE + "/bulk-update", "bulk_update", bulk_update, POST),
    (BASE + "/bulk-delete", "bulk_delete", bulk_delete, POST),
    (BASE + "/bulk-assign", "bulk_assign", bulk_assign, POST),
)

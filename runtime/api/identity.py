"""Identity endpoints of a form: its merge history and undo, the review queue of candidate
pairs (merge or "not the same"), and rebuilding the identity keys after the rules changed."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from metadata.errors import Conflict, NotFound, Problem, TrellisError
from metadata.messages import msg
from metadata.orm import MAX_INTEGER, whole_number
from runtime.api.access import require
from runtime.api.records import BASE, records_for
from runtime.identity import candidates
from runtime.identity.history import Unmerger, list_merges
from runtime.identity.merging import Merger
from runtime.identity.store import rules_of
from runtime.web import transaction
from runtime.web.routes import GET, POST, Route

FORM = BASE.rsplit("/", 1)[0]
MERGES = FORM + "/merges"
CANDIDATES = FORM + "/identity/candidates"


def merges(app_key: str, form_key: str) -> Response:
    records = records_for(app_key, form_key, require("records:read"))
    records.access.require("read", form_key)
    return jsonify({"merges": list_merges(records, before=before_id())})


def before_id() -> int | None:
    raw = request.args.get("before")
    if raw is None:
        return None
    number = whole_number(raw.strip())
    if number is None or not 0 < number <= MAX_INTEGER:
        raise TrellisError([Problem("/before", "must be the id of a merge")])
    return number


def undo(app_key: str, form_key: str, merge_id: int) -> Response:
    records = records_for(app_key, form_key, require("records:write"), via="identity")
    records.access.require("update", form_key)
    with transaction():
        report = Unmerger(records).undo(merge_id)
    return jsonify(report)


def pair_json(records: Any, pair: dict) -> dict[str, Any]:
    shown = records.readable_rows([pair["record_a"], pair["record_b"]])
    by_id = {r["id"]: r for r in records.to_json(shown)}
    return {"id": pair["id"], "rule": pair["rule"], "score": pair["score"],
            "records": [by_id.get(pair["record_a"]), by_id.get(pair["record_b"])]}


def pairs(app_key: str, form_key: str) -> Response:
    records = records_for(app_key, form_key, require("records:read"))
    records.access.require("read", form_key)
    found = [pair_json(records, p) for p in candidates.open_pairs(records)]
    return jsonify({"candidates": [p for p in found if None not in p["records"]]})


def decide(app_key: str, form_key: str, pair_id: int, verdict: str) -> Response:
    """One rule for both verdicts: ``merge`` (with ``{"fields": {key: value}}`` to choose
    values) or ``distinct`` ("not the same": never proposed again)."""
    records = records_for(app_key, form_key, require("records:write"), via="identity")
    records.access.require("update", form_key)
    if verdict not in ("merge", "distinct"):
        raise NotFound([Problem("", msg("no such decision: merge or distinct"))])
    body = request.get_json(silent=True) if request.data else {}
    if not isinstance(body, dict):
        raise TrellisError([Problem("", "must be an object: {\"fields\": {...}}")], status=422)
    chosen = body.get("fields") or {}
    if not isinstance(chosen, dict):
        raise TrellisError([Problem("/fields", "must be an object: field -> value")],
                           status=422)
    with transaction():
        pair = next((p for p in candidates.open_pairs(records, 10_000)
                     if p["id"] == pair_id), None)
        if pair is None:
            raise Conflict([Problem("", msg("pair %(n)s is not waiting for review",
                                            n=pair_id))])
        merge_id = None
        if verdict == "merge":
            policy = rules_of(records.plan).policy  # chosen fields: the reviewer's value
            merged = Merger(records).merge(
                [pair["record_a"], pair["record_b"]], _chosen(records, chosen), pair["rule"],
                policy=lambda key: "newest" if key in chosen else policy(key))
            merge_id = merged[1] if merged else None
        candidates.decide(records, pair_id, "merged" if verdict == "merge" else "distinct",
                          merge_id)
    return jsonify({"id": pair_id, "status": "merged" if verdict == "merge" else "distinct",
                    "merge": merge_id})


def _chosen(records: Any, chosen: dict) -> dict[str, Any] | None:
    """The values a reviewer chose, checked as a partial record."""
    if not chosen:
        return None
    values, problems = records.plan.load(chosen, partial=True, access=records.access)
    if problems:
        raise TrellisError([Problem("/fields" + p.path, p.message) for p in problems],
                           status=422)
    return values


def rebuild(app_key: str, form_key: str) -> Response:
    """Key every record of the form again under its current rules (after they changed)."""
    records = records_for(app_key, form_key, require("records:write"), via="identity")
    records.access.require("update", form_key)
    with transaction():
        store = records.identity
        clashes = store.rebuild(records.table, lambda rows: Merger(records, store)
                                .values(rows).items())
    return jsonify({"rules": [r.key for r in rules_of(records.plan).rules],
                    "clashes": clashes})


ROUTES: tuple[Route, ...] = (
    (MERGES, "merges", merges, GET),
    (MERGES + "/<int:merge_id>/undo", "undo_merge", undo, POST),
    (CANDIDATES, "candidates", pairs, GET),
    (CANDIDATES + "/<int:pair_id>/<verdict>", "decide_candidate", decide, POST),
    (FORM + "/identity/rebuild", "rebuild_identity", rebuild, POST),
)

"""The OpenAPI operations and schemas of routing: a record's assignment log."""

from __future__ import annotations

from runtime.api.openapi_paths import answer, op, pref
from runtime.api.openapi_schemas import ID, UTC_TIME, nullable, obj, ref


def assignment_paths(base: str, ids: str, keys: list[dict], tag: str = "records"
                     ) -> dict[str, dict]:
    """``GET <base>/{record_id}/assignments`` (``base``: a form's records path)."""
    return {base + "/{record_id}/assignments": {"get": op(
        "get", ids.format(verb="assignments"),
        "The record's assignment log, oldest first: strategy, rule, who was chosen and why, "
        "and why each candidate was skipped; reassignments keep the history", tag,
        {"200": answer(ref("Assignments"))}, scope="records:read",
        params=[*keys, pref("record_id")])}}


def assignment_schemas() -> dict[str, dict]:
    text = nullable({"type": "string"})
    candidate = obj({"user": ID, "name": text, "chosen": {"type": "boolean"},
                     "skipped": nullable({"type": "string", "description": "a reason code"}),
                     "reason": text})
    entry = obj({
        "id": ID, "at": UTC_TIME, "strategy": {"type": "string"}, "rule": text,
        "field": {"type": "string", "description": "owner, or the user field set"},
        "team": nullable(ID), "team_name": text,
        "assignee": nullable({**ID, "description": "null: nobody qualified"}),
        "assignee_name": text, "previous": nullable(ID),
        "fallback": {"type": "boolean", "description": "the fallback took the record"},
        "reason": {"type": "string", "description": "why this assignee (or nobody)"},
        "reason_code": {"type": "string"},
        "candidates": {"type": "array", "items": candidate}})
    return {"Assignments": obj({"assignments": {"type": "array", "items": entry}})}

"""The OpenAPI operations and schemas of what rules did: a record's point ledger, running a
manual rule, the app's incidents, in-app notifications."""

from __future__ import annotations

from runtime.api.openapi_paths import answer, op, param, pref
from runtime.api.openapi_schemas import ID, UTC_TIME, nullable, obj, ref
from runtime.rules.manual import MAX_RUN

RULE = param("rule", schema={"type": "string", "pattern": "^[a-z][a-z0-9_.]{0,126}$"},
             description="a manual rule: its key, or ruleset.key")
INCIDENT = param("incident_id", schema={"type": "integer", "minimum": 1,
                                        "maximum": 2**31 - 1}, description="the incident's id")


def rules_record_paths(base: str, ids: str, keys: list[dict], tag: str = "records"
                       ) -> dict[str, dict]:
    """``<base>/{record_id}/ledger`` and ``.../rules/{rule}/run`` (``base``: records)."""
    return {
        base + "/{record_id}/ledger": {"get": op(
            "get", ids.format(verb="ledger"),
            "The record's point ledger, oldest first: every change of its scores with the "
            "rule, points, reason, time and the event that caused it (each model's score is "
            "the sum of its entries)", tag, {"200": answer(ref("Ledger"))},
            scope="records:read", params=[*keys, pref("record_id")])},
        base + "/{record_id}/rules/{rule}/run": {"post": op(
            "post", ids.format(verb="runRule"),
            "Run a manual rule on the record now (its synchronous actions in this request; "
            "the others as jobs)", tag, {"200": answer(ref("RuleRun"))},
            scope="records:write", params=[*keys, pref("record_id"), RULE])},
        base + "/rules/{rule}/run": {"post": op(
            "post", ids.format(verb="runRuleBulk"),
            f"Run a manual rule on chosen records (at most {MAX_RUN}; 413 past that), each "
            "checked as a single run (records you may not change are reported, not run): "
            "how many matched, changed, failed, and what it did to each", tag,
            {"200": answer(ref("RuleRuns"))}, scope="records:write", params=[*keys, RULE],
            body=obj({"ids": {"type": "array", "items": ID, "minItems": 1,
                              "maxItems": MAX_RUN}}), errors=["413"])},
    }


def rules_paths() -> dict[str, dict]:
    app = pref("app_key")
    status = param("status", "query", {"enum": ["open", "retrying", "resolved"]},
                   "only incidents of this status")
    unread = param("unread", "query", {"enum": ["0", "1", "true", "false"]},
                   "only unread notifications")
    return {
        "/apps/{app_key}/incidents": {"get": op(
            "get", "listIncidents", "What kept failing or was stopped (asynchronous rule "
            "actions after their retries, runaway chains of rules), newest first (admins)",
            "rules", {"200": answer(ref("Incidents"))}, scope="metadata:read",
            params=[app, status])},
        "/apps/{app_key}/incidents/{incident_id}/retry": {"post": op(
            "post", "retryIncident", "Give a failed action its attempts again (admins); 409 "
            "for incidents that cannot be retried", "rules",
            {"200": answer(ref("Incident"))}, scope="metadata:write", params=[app, INCIDENT],
            errors=["409"])},
        "/notifications": {"get": op(
            "get", "listNotifications", "Your in-app notifications, newest first, and how "
            "many are unread", "notifications", {"200": answer(ref("Notifications"))},
            scope="records:read", params=[unread])},
        "/notifications/read": {"post": op(
            "post", "readNotifications", "Mark your notifications read (ids: these; "
            "without: all)", "notifications", {"200": answer(obj({"read": {
                "type": "integer"}}))}, scope="records:read",
            body={"type": "object", "properties": {"ids": {
                "type": "array", "items": ID, "maxItems": 1000}}}, body_required=False)},
    }


def scoring_paths() -> dict[str, dict]:
    """A ruleset's re-scores and how often its scoring rules fired."""
    keys = [pref("app_key"), pref("ruleset_key")]
    base = "/apps/{app_key}/rulesets/{ruleset_key}"
    run = param("run_id", schema={"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                description="the re-score's id")
    return {
        base + "/rescores": {
            "get": op("get", "listRescores", "The ruleset's re-scores, newest first, with "
                      "their progress", "rules", {"200": answer(ref("Rescores"))},
                      scope="metadata:read", params=keys),
            "post": op("post", "startRescore", "Re-score the form's records by the published "
                       "version now (a background job; the one under way, if any)", "rules",
                       {"202": answer(ref("Rescore"), "started")}, scope="metadata:write",
                       params=keys, errors=["409"])},
        base + "/rescores/{run_id}": {"get": op(
            "get", "getRescore", "A re-score's progress: records to go over, done, moved",
            "rules", {"200": answer(ref("Rescore"))}, scope="metadata:read",
            params=[*keys, run])},
        base + "/fired": {"get": op(
            "get", "scoringFired", "Per scoring model, how many times each attribute and "
            "behaviour rule gave its points", "rules", {"200": answer(ref("ScoringFired"))},
            scope="metadata:read", params=keys)},
    }


def rules_schemas() -> dict[str, dict]:
    text = nullable({"type": "string"})
    number = {"type": "number"}
    count = {"type": "integer", "minimum": 0}
    entry = obj({
        "id": ID, "at": UTC_TIME, "model": {"type": "string"},
        "kind": {"enum": ["rule", "attribute", "behaviour", "clamp", "decay", "rescore",
                          "manual"]},
        "rule": text, "ruleset": {"type": "string"}, "points": number,
        "reason": {"type": "string", "description": "why, in the reader's language"},
        "event": nullable(ID), "related": nullable(ID), "actor": nullable(ID)})
    incident = obj({
        "id": ID, "kind": {"type": "string"}, "status": {"enum": ["open", "retrying",
                                                                  "resolved"]},
        "form": text, "record_id": nullable(ID), "rule": text, "summary": {"type": "string"},
        "error": text, "attempts": {"type": "integer"}, "retryable": {"type": "boolean"},
        "opened_at": UTC_TIME, "updated_at": UTC_TIME})
    note = obj({"id": ID, "title": {"type": "string"}, "message": text,
                "priority": {"type": "string"}, "app": text, "form": text,
                "record_id": nullable(ID), "created_at": UTC_TIME, "read": {"type": "boolean"}})
    when = nullable(UTC_TIME)
    rescore = obj({
        "id": ID, "ruleset": {"type": "string"}, "form": {"type": "string"},
        "version": {"type": "integer"}, "from_version": nullable({"type": "integer"}),
        "status": {"enum": ["queued", "running", "done", "superseded", "failed"]},
        "total": nullable({"type": "integer", "minimum": 0}),
        "processed": {"type": "integer", "minimum": 0},
        "changed": {"type": "integer", "minimum": 0}, "error": text,
        "created_at": UTC_TIME, "started_at": when, "finished_at": when})
    counts = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
    return {
        "Rescore": rescore,
        "Rescores": obj({"rescores": {"type": "array", "items": rescore}}),
        "ScoringFired": obj({"models": {"type": "object", "additionalProperties": obj({
            "attributes": counts, "behaviours": counts})}}),
        "Ledger": obj({"entries": {"type": "array", "items": entry},
                       "totals": {"type": "object", "additionalProperties": number}}),
        "RuleRun": obj({"rule": {"type": "string"}, "status": {"type": "string"},
                        "record": {"type": "object"}}),
        "RuleRuns": obj({"rule": {"type": "string"}, "matched": count, "changed": count,
                         "failed": count, "results": {"type": "array", "items": obj({
                             "id": ID, "status": {"type": "string"},
                             "changed": {"type": "boolean"}, "failed": {"type": "boolean"},
                             "error": text})}}),
        "Incident": incident,
        "Incidents": obj({"incidents": {"type": "array", "items": incident}}),
        "Notifications": obj({"notifications": {"type": "array", "items": note},
                              "unread": {"type": "integer"}}),
    }

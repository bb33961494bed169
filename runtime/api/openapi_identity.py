"""The OpenAPI operations of identity resolution: merge history and undo, the review queue,
rebuilding keys, "find duplicates" scans."""

from __future__ import annotations

from runtime.api.openapi_actions import COUNT
from runtime.api.openapi_paths import answer, op, param
from runtime.api.openapi_schemas import ID, UTC_TIME, nullable, obj, ref

TEXT = {"type": "string"}
IDS = {"type": "array", "items": ID}


def identity_schemas() -> dict[str, dict]:
    merge = obj({"id": ID, "survivor": ID, "merged": IDS, "rule": nullable(TEXT),
                 "via": TEXT, "user": nullable(ID), "at": UTC_TIME,
                 "undone_at": nullable(UTC_TIME)})
    changed = obj({"field": TEXT, "at_merge": {}, "now": {}})
    pair = obj({"id": ID, "rule": TEXT, "score": {"type": "number"},
                "records": {"type": "array", "items": ref("Record"), "minItems": 2,
                            "maxItems": 2}})
    return {
        "Merges": obj({"merges": {"type": "array", "items": merge}}),
        "MergeUndone": obj({"id": ID, "survivor": ID, "restored": IDS,
                            "changed_since": {"type": "array", "items": changed,
                                              "description": "survivor fields changed after "
                                                             "the merge: kept as they are"}}),
        "Candidates": obj({"candidates": {"type": "array", "items": pair}}),
        "CandidateDecided": obj({"id": ID, "status": {"enum": ["merged", "distinct"]},
                                 "merge": nullable(ID)}),
        "IdentityRebuilt": obj({"rules": {"type": "array", "items": TEXT}, "clashes": COUNT}),
        **scan_schemas(),
    }


def scan_schemas() -> dict[str, dict]:
    scan = obj({
        "id": ID, "status": {"enum": ["queued", "running", "done", "failed"]},
        "phase": {"enum": ["keys", "matching"], "description": "keys: keying the records "
                  "again under the published rules; matching: matching them"},
        "total": nullable(COUNT), "processed": COUNT,
        "merged": {**COUNT, "description": "records merged away by merging rules"},
        "queued": {**COUNT, "description": "pairs newly queued for review"},
        "error": nullable(TEXT), "user": ID, "created_at": UTC_TIME,
        "started_at": nullable(UTC_TIME), "finished_at": nullable(UTC_TIME)})
    return {
        "IdentityScan": scan,
        "IdentityScans": obj({"scans": {"type": "array", "items": ref("IdentityScan")}}),
        "IdentityScanRunning": obj({"errors": {"type": "array", "items": ref("Problem"),
                                               "minItems": 1},
                                    "scan": ref("IdentityScan")}),
    }


def identity_paths(form_base: str, keys: list[dict], tag: str) -> dict[str, dict]:
    """The identity endpoints of any form (``{app_key}``, ``{form_key}`` in ``keys``)."""
    merge = [*keys, param("merge_id", schema=ID, description="the merge's id")]
    pair = [*keys, param("pair_id", schema=ID, description="the candidate pair's id"),
            param("verdict", schema={"enum": ["merge", "distinct"]},
                  description="merge them, or not the same (never proposed again)")]
    chosen = obj({"fields": {"type": "object", "description": "field -> the value the "
                                                              "merged record keeps"}},
                 required=[])
    return {
        form_base + "/merges": {"get": op(
            "get", "listMerges", "The form's merges, newest first (?before=<id> pages on)",
            tag, {"200": answer(ref("Merges"))}, scope="records:read",
            params=[*keys, param("before", "query", ID)])},
        form_base + "/merges/{merge_id}/undo": {"post": op(
            "post", "undoMerge", "Undo a merge: the merged records, the survivor's values, "
            "touches and links as they were", tag, {"200": answer(ref("MergeUndone"))},
            scope="records:write", params=merge, errors=["409"])},
        form_base + "/identity/candidates": {"get": op(
            "get", "listCandidates", "Pairs a review rule flagged, best score first", tag,
            {"200": answer(ref("Candidates"))}, scope="records:read", params=keys)},
        form_base + "/identity/candidates/{pair_id}/{verdict}": {"post": op(
            "post", "decideCandidate", "Merge a flagged pair (choosing values) or mark it "
            "not the same", tag, {"200": answer(ref("CandidateDecided"))},
            scope="records:write", params=pair, body=chosen, body_required=False,
            errors=["409"])},
        form_base + "/identity/rebuild": {"post": op(
            "post", "rebuildIdentity", "Key every record again under the current rules",
            tag, {"200": answer(ref("IdentityRebuilt"))}, scope="records:write",
            params=keys)},
        **scan_paths(form_base, keys, tag),
    }


def scan_paths(form_base: str, keys: list[dict], tag: str) -> dict[str, dict]:
    base = form_base + "/identity/scans"
    one = [*keys, param("scan_id", schema=ID, description="the scan's id")]
    return {
        base: {
            "post": op("post", "startIdentityScan", "Find the duplicates among the form's "
                       "records: key them again, then merge or queue for review by the "
                       "rules (by one who may update all of them)", tag,
                       {"202": answer(ref("IdentityScan"), "started: ask its url",
                                      "Location"),
                        "409": answer(ref("IdentityScanRunning"), "a scan of the form is "
                                      "running: it is named", "Location")},
                       scope="records:write", params=keys, errors=["422"]),
            "get": op("get", "listIdentityScans", "The form's scans, the latest first", tag,
                      {"200": answer(ref("IdentityScans"))}, scope="records:read",
                      params=keys)},
        base + "/{scan_id}": {"get": op(
            "get", "getIdentityScan", "How far a scan got and what it did", tag,
            {"200": answer(ref("IdentityScan"))}, scope="records:read", params=one)},
    }

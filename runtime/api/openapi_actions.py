"""The OpenAPI operations of bulk changes (update, delete, assign chosen records) and of
exports (the file at once, or a background export to ask about), with their schemas."""

from __future__ import annotations

from typing import Any

from runtime.api.openapi_paths import answer, list_parameters, op, param, pref
from runtime.api.openapi_schemas import ID, UTC_TIME, nullable, obj, ref
from runtime.exports.formats import XlsxFormat
from runtime.exports.models import STATUSES
from runtime.storage.bulk_changes import MAX_IDS

EXPORT_ID = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
COUNT = {"type": "integer", "minimum": 0}
FILE = {"type": "string", "format": "binary"}


def action_schemas() -> dict[str, dict]:
    outcome = obj({"id": ID, "status": {"enum": ["updated", "deleted", "unchanged",
                                                 "refused"]},
                   "version": {"type": "integer", "minimum": 1},
                   "errors": {"type": "array", "items": ref("Problem"), "minItems": 1}},
                  required=["id", "status"])
    results = {"type": "array", "items": outcome}
    return {
        "BulkChanged": obj({"action": {"enum": ["update", "assign"]}, "updated": COUNT,
                            "unchanged": COUNT, "refused": COUNT, "results": results}),
        "BulkDeleted": obj({"action": {"const": "delete"}, "deleted": COUNT,
                            "unchanged": COUNT, "refused": COUNT, "results": results}),
        "Export": obj({"id": EXPORT_ID, "status": {"enum": list(STATUSES)},
                       "format": {"type": "string"}, "file_name": {"type": "string"},
                       "total": nullable(COUNT), "done": COUNT, "size": nullable(COUNT),
                       "error": nullable({"type": "string"}), "created_at": UTC_TIME,
                       "finished_at": nullable(UTC_TIME), "expires_at": UTC_TIME,
                       "url": {"type": "string"}, "file_url": nullable({"type": "string"})}),
    }


def ids_schema() -> dict[str, Any]:
    return {"type": "array", "items": ID, "minItems": 1, "maxItems": MAX_IDS,
            "description": f"the chosen records (at most {MAX_IDS}; 413 past that)"}


def action_paths(base: str, ids: str, keys: list[dict], tag: str,
                 changes: dict) -> dict[str, dict]:
    """Bulk changes and the export of one form (``keys`` empty: ``base`` names it) or of any;
    ``changes``: the schema of the fields a bulk update sets."""
    write = "records:write"
    one_by_one = ("; each record is checked as a single change is and changed whole, or "
                  "refused with its reasons")
    return {
        base + "/bulk-update": {"post": op(
            "post", ids.format(verb="bulkUpdate"), "Set the same fields on chosen records"
            + one_by_one, tag, {"200": answer(ref("BulkChanged"))}, scope=write,
            body=obj({"ids": ids_schema(), "changes": changes}), params=keys)},
        base + "/bulk-delete": {"post": op(
            "post", ids.format(verb="bulkDelete"), "Delete chosen records (soft)" + one_by_one,
            tag, {"200": answer(ref("BulkDeleted"))}, scope=write,
            body=obj({"ids": ids_schema()}), params=keys)},
        base + "/bulk-assign": {"post": op(
            "post", ids.format(verb="bulkAssign"), "Give chosen records to another owner"
            + one_by_one, tag, {"200": answer(ref("BulkChanged"))}, scope=write,
            body=obj({"ids": ids_schema(), "owner": ID}), params=keys)},
        base + "/export": {"post": op(
            "post", ids.format(verb="export"), "Export the records (filter, sort, search) to "
            "CSV or XLSX: the file, or for long lists a background export (202)", tag,
            {"200": file_answer("the file"),
             "202": answer(ref("Export"), "exported in the background: ask its url",
                           "Location")},
            scope="records:read", params=[*keys, *export_parameters()], errors=["409"])},
    }


def file_answer(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"text/csv": {"schema": {"type": "string"}},
                        XlsxFormat.media_type: {"schema": FILE}}}


def export_parameters() -> list[dict]:
    listing = [p for p in list_parameters() if p["name"] in ("filter", "sort", "q")]
    return [
        param("format", "query", {"enum": ["csv", "xlsx"]}, "csv (UTF-8 with BOM) or xlsx",
              required=True),
        param("columns", "query", description="field keys (and id, owner, created_at, "
                                              "updated_at) separated by commas; default: all "
                                              "you may see"),
        param("lang", "query", {"enum": ["zh", "en"]}, "the language of labels and values "
                                                       "(default: yours)"),
        *listing,
    ]


def export_paths() -> dict[str, dict]:
    read = "records:read"
    export_id = param("export_id", schema=EXPORT_ID, description="the export's id")
    return {
        "/exports/{export_id}": {"get": op(
            "get", "getExport", "How far a background export got (yours only)", "records",
            {"200": answer(ref("Export"))}, scope=read, params=[export_id])},
        "/exports/{export_id}/file": {"get": op(
            "get", "downloadExport", "The file of a finished export (yours only, until it "
                                     "expires; 409 while it is written)", "records",
            {"200": file_answer("the file")}, scope=read, params=[export_id],
            errors=["409"])},
    }


def generic_action_paths() -> dict[str, dict]:
    return action_paths("/apps/{app_key}/forms/{form_key}/records", "{verb}Records",
                        [pref("app_key"), pref("form_key")], "records", {"type": "object"})

"""The OpenAPI operations of file imports (start, status, failed rows, undo), with their
schema."""

from __future__ import annotations

from runtime.api.openapi_actions import COUNT, EXPORT_ID
from runtime.api.openapi_paths import answer, op, param
from runtime.api.openapi_schemas import UTC_TIME, nullable, obj, ref
from runtime.capture.imports.models import STATUSES

TEXT = {"type": "string"}


def import_schemas() -> dict[str, dict]:
    kept = obj({"row": {"type": "integer", "minimum": 2}, "id": nullable(COUNT),
                "reason": TEXT})
    return {"Import": obj({
        "id": EXPORT_ID, "status": {"enum": list(STATUSES)}, "file_name": TEXT,
        "format": {"enum": ["csv", "xlsx"]}, "encoding": nullable(TEXT),
        "dry_run": {"type": "boolean"},
        "mapping": {"type": "object", "additionalProperties": TEXT,
                    "description": "column name -> field key or _touch.<part>"},
        "total": nullable(COUNT), "processed": COUNT, "created": COUNT, "merged": COUNT,
        "failed": COUNT, "error": nullable(TEXT), "created_at": UTC_TIME,
        "started_at": nullable(UTC_TIME), "finished_at": nullable(UTC_TIME),
        "undone_at": nullable(UTC_TIME),
        "undo": nullable(obj({"removed": COUNT, "unmerged": COUNT,
                              "kept": {"type": "array", "items": kept}},
                             required=["removed", "kept"]))})}


def import_paths(form_base: str, ids: str, keys: list[dict], tag: str) -> dict[str, dict]:
    """The import endpoints of one form (``keys`` empty: ``form_base`` names it) or of any."""
    base = form_base + "/imports"
    one = [*keys, param("import_id", schema=EXPORT_ID, description="the import's id")]
    upload = obj({"file": {"type": "string", "format": "binary"},
                  "mapping": {"type": "string", "description": "JSON: column name -> field "
                                                               "key (default: suggested)"},
                  "dry_run": {"enum": ["0", "1", "true", "false"]}}, required=["file"])
    return {
        base: {"post": op(
            "post", ids.format(verb="startImport"), "Import a CSV or XLSX file's rows; a "
            "worker imports them (202)", tag,
            {"202": answer(ref("Import"), "queued: ask its Location", "Location")},
            scope="records:write", body=upload, params=keys, media="multipart/form-data",
            errors=["415", "422"])},
        base + "/{import_id}": {"get": op(
            "get", ids.format(verb="getImport"), "How far an import got", tag,
            {"200": answer(ref("Import"))}, scope="records:read", params=one)},
        base + "/{import_id}/errors": {"get": op(
            "get", ids.format(verb="importErrors"), "The failed rows as CSV: the file's "
            "columns as they were, then why", tag,
            {"200": {"description": "CSV", "content": {"text/csv": {"schema": TEXT}}}},
            scope="records:read", params=one)},
        base + "/{import_id}/undo": {"post": op(
            "post", ids.format(verb="undoImport"), "Undo an import: remove the records it "
            "created (those changed since are kept and reported)", tag,
            {"202": answer(ref("Import"), "undoing")}, scope="records:write", params=one,
            errors=["409"])},
    }

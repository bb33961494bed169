"""OpenAPI 3.1 description of the API, including a record schema per published form."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from runtime.permissions import access_for
from runtime.web import current_principal, current_runtime, db_session

ERRORS = {"$ref": "#/components/responses/Error"}


def _op(summary: str, tag: str, body: str | None = None, ok: str = "200",
        params: list | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "tags": [tag],
                          "responses": {ok: {"description": "success"},
                                        **{c: ERRORS for c in ("400", "401", "403", "404")}}}
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{body}"}}}}
        op["responses"].update({"409": ERRORS, "413": ERRORS, "422": ERRORS})
    if params:
        op["parameters"] = params
    return op


def _param(name: str, where: str, description: str, schema: dict | None = None,
           required: bool = False) -> dict:
    return {"name": name, "in": where, "description": description,
            "required": required or where == "path", "schema": schema or {"type": "string"}}


LIST_PARAMS = [
    _param("filter", "query", 'JSON: {"stage": "new", "amount": {"gte": 10}} or '
                              '[{"field", "op", "value"}]; ops eq ne lt lte gt gte in nin '
                              "contains startswith isnull notnull"),
    _param("sort", "query", "comma-separated fields, '-' for descending: -created_at,name"),
    _param("q", "query", "text search over the searchable fields"),
    _param("page", "query", "page number (1-based)", {"type": "integer", "minimum": 1}),
    _param("per_page", "query", "records per page (1-1000)",
           {"type": "integer", "minimum": 1, "maximum": 1000}),
    _param("cursor", "query", "next_cursor of the previous page, for deep paging"),
]


def static_paths() -> dict[str, Any]:
    app, form, rec = (_param("app_key", "path", "app key"), _param("form_key", "path",
                      "form key"), _param("record_id", "path", "record id", {"type": "integer"}))
    records = "/apps/{app_key}/forms/{form_key}/records"
    return {
        "/schemas/{kind}": {"get": _op("JSON Schema of a document kind (app, form, view)",
                                       "metadata", params=[_param("kind", "path", "kind")])},
        "/apps": {"get": _op("List apps and their forms", "metadata"),
                  "post": _op("Create an app", "metadata", "Document", "201")},
        "/apps/import": {"post": _op("Import an app package (all or nothing)", "metadata",
                                     "Package", "201")},
        "/apps/{app_key}/export": {"get": _op("Export an app package", "metadata",
                                              params=[app])},
        "/apps/{app_key}/forms/{form_key}": {
            "get": _op("Read a form's draft (ETag: its revision; ?version=N for a published "
                       "version)", "metadata", params=[app, form]),
            "put": _op("Save the draft (If-Match: the revision you edited; stale: 409)",
                       "metadata", "Document", params=[app, form])},
        "/apps/{app_key}/forms/{form_key}/publish": {
            "post": _op("Publish the draft: creates or migrates the table (?dry_run=1 shows "
                        "the plan)", "metadata", params=[app, form])},
        "/apps/{app_key}/forms/{form_key}/versions": {
            "get": _op("List published versions", "metadata", params=[app, form])},
        "/apps/{app_key}/forms/{form_key}/diff": {
            "get": _op("Diff two versions (?from=N&to=M|draft)", "metadata",
                       params=[app, form])},
        "/apps/{app_key}/forms/{form_key}/versions/{number}/rollback": {
            "post": _op("Publish a copy of an old version", "metadata",
                        params=[app, form, _param("number", "path", "version",
                                                  {"type": "integer"})])},
        records: {"get": _op("List records", "records", params=[app, form, *LIST_PARAMS]),
                  "post": _op("Create a record", "records", "Record", "201", [app, form])},
        records + "/bulk": {"post": _op("Create up to 1000 records; per-row results",
                                        "records", "Bulk", params=[app, form])},
        records + "/{record_id}": {
            "get": _op("Read a record", "records", params=[app, form, rec]),
            "patch": _op("Update fields (If-Match or 'version': stale gives 409)", "records",
                         "Record", params=[app, form, rec]),
            "delete": _op("Delete a record (soft)", "records", ok="204",
                          params=[app, form, rec])},
        records + "/{record_id}/history": {
            "get": _op("The record's audit trail", "records", params=[app, form, rec])},
        **file_paths(),
    }


FILE = {"type": "object", "required": ["id", "name", "size", "content_type", "url"],
        "properties": {"id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                       "name": {"type": "string"}, "size": {"type": "integer"},
                       "content_type": {"type": "string", "description": "what the file is: "
                                        "for PNG, JPEG, GIF and WebP images read from its "
                                        "bytes, otherwise from its name"},
                       "url": {"type": "string"}}}


def file_paths() -> dict[str, Any]:
    upload = _op("Upload a file (multipart, part 'file') for attachment fields", "files",
                 ok="201")
    upload["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary"}}}}}}
    upload["responses"].update({
        "201": {"description": "stored", "content": {"application/json": {"schema": FILE}}},
        "413": ERRORS})
    download = _op("Download a file you may read (you uploaded it, or may read a record that "
                   "holds it). Always a download, except a verified PNG/JPEG/GIF/WebP image "
                   "with ?inline=1; never cached by shared caches (private, revalidated by "
                   "ETag)", "files", params=[
                       _param("file_id", "path", "file id"),
                       _param("inline", "query", "1: show a verified raster image in the "
                                                 "browser instead of downloading it")])
    download["responses"].update({
        "200": {"description": "the file's bytes", "content": {"*/*": {"schema": {
            "type": "string", "format": "binary"}}}},
        "304": {"description": "not modified (If-None-Match: the ETag you have)"}})
    return {"/files": {"post": upload}, "/files/{file_id}": {"get": download}}


def form_schemas() -> dict[str, Any]:
    """A record schema per published form the caller may read (none for strangers)."""
    principal = current_principal()
    if principal is None or not principal.has_scope("metadata:read"):
        return {}
    rt, session = current_runtime(), db_session()
    schemas = {}
    for doc in rt.store.list(session, kind="form"):
        if doc.published_version is None:
            continue
        body = rt.store.published_body(session, doc)
        if access_for(principal, body).scope("read") == "none":
            continue
        plan = rt.plan(session, doc.app_key, doc.key)
        props: dict[str, Any] = {
            "id": {"type": "integer", "readOnly": True},
            "version": {"type": "integer"},
            "created_at": {"type": "string", "format": "date-time", "readOnly": True},
            "updated_at": {"type": "string", "format": "date-time", "readOnly": True},
            "owner": {"type": ["integer", "null"]},
        }
        for fld in plan.fields:
            inner = plan.types[fld["type"]].value_schema(fld)
            props[fld["key"]] = {"anyOf": [inner, {"type": "null"}], "title": str(
                fld["label"] if isinstance(fld["label"], str) else fld["label"].get(
                    "en", fld["label"].get("zh")))}
        schemas[f"{doc.app_key}.{doc.key}"] = {
            "type": "object", "properties": props,
            "required": [f["key"] for f in plan.fields if f.get("required")]}
    return schemas


def spec() -> dict[str, Any]:
    problem = {"type": "object", "required": ["path", "message"],
               "properties": {"path": {"type": "string", "description": "JSON Pointer"},
                              "message": {"type": "string"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Trellis API", "version": "1",
                 "description": "Metadata documents and the records of published forms."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": static_paths(),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {"description": "errors", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Errors"}}}}},
            "schemas": {
                "Problem": problem,
                "Errors": {"type": "object", "properties": {
                    "errors": {"type": "array", "items": {"$ref": "#/components/schemas/"
                                                                  "Problem"}}}},
                "Document": {"type": "object", "description": "see /schemas/{kind}"},
                "Package": {"type": "object", "description": "an app package"},
                "Record": {"type": "object", "description": "field key -> value; see the "
                                                            "per-form schemas"},
                "Bulk": {"type": "object", "properties": {
                    "records": {"type": "array", "maxItems": 1000,
                                "items": {"$ref": "#/components/schemas/Record"}}}},
                **form_schemas(),
            },
        },
    }


def register(bp: Blueprint) -> None:
    @bp.get("/openapi.json")
    def openapi():
        return jsonify(spec())

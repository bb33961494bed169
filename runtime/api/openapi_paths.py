"""The operations of the OpenAPI document: every route of the API blueprint with its parameters,
its request body and every status it answers with (a test walks the blueprint's routes and
fails when one is missing here)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from metadata.keys import KEY_PATTERN
from metadata.orm import MAX_INTEGER
from runtime.api.openapi_schemas import ref
from runtime.api.params import TOTALS
from runtime.storage.query import MAX_PAGE, MAX_PER_PAGE

JSON = "application/json"
ERROR = {"$ref": "#/components/responses/Error"}
UNSAFE = ("post", "put", "patch", "delete")
KIND_PATHS = {"forms": ("form_key", "FormDocument"), "views": ("view_key", "ViewDocument"),
              "rulesets": ("ruleset_key", "RulesetDocument"),
              "workflows": ("workflow_key", "WorkflowDocument")}


def param(name: str, where: str = "path", schema: dict | None = None, description: str = "",
          required: bool = False) -> dict[str, Any]:
    out = {"name": name, "in": where, "required": required or where == "path",
           "schema": schema or {"type": "string"}}
    if description:
        out["description"] = description
    return out


def pref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def parameters() -> dict[str, dict]:
    """Parameters shared by many operations (components/parameters)."""
    key = {"type": "string", "pattern": KEY_PATTERN}
    number = {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER}
    return {
        "app_key": param("app_key", schema=key, description="the app's key"),
        "form_key": param("form_key", schema=key, description="the form's key"),
        "view_key": param("view_key", schema=key, description="the view's key"),
        "ruleset_key": param("ruleset_key", schema=key, description="the ruleset's key"),
        "workflow_key": param("workflow_key", schema=key, description="the workflow's key"),
        "record_id": param("record_id", schema=number, description="the record's id"),
        "number": param("number", schema=number, description="a published version's number"),
        "file_id": param("file_id", schema={"type": "string", "pattern": "^[0-9a-f]{32}$"},
                         description="the file's id"),
        "if_match": param("If-Match", "header", {"type": "string", "pattern": '^(W/)?"?[0-9]+"?$'},
                          "the revision (documents) or version (records) you read, as its "
                          "ETag: a stale one is refused with 409"),
        "base_version": param("base_version", "query", number,
                              "the revision you edited (instead of If-Match)"),
        "record_version": param("version", "query", number,
                                "the version you read (instead of If-Match)"),
        "idempotency_key": param(
            "Idempotency-Key", "header", {"type": "string", "minLength": 1, "maxLength": 257,
                                          "pattern": '^"?[!-~]{1,255}"?$'},
            "a key of your own (a UUID) that makes a retry safe: the same key and body get "
            "the first answer again (with Idempotent-Replayed: true) for 24 hours; another "
            "body gets 422; a retry while the first runs gets 409"),
        "dry_run": param("dry_run", "query", {"enum": ["0", "1", "true", "false"]},
                         "1: check and plan only, change nothing"),
        "doc_version": param("version", "query", number, "a published version to read "
                                                          "instead of the draft"),
    }


def list_parameters() -> list[dict]:
    return [
        param("filter", "query", description='a formula such as {employees} > 500, or JSON: '
                                             '{"stage": "new", "amount": {"gte": 10}} or '
                                             '[{"field", "op", "value"}]'),
        param("sort", "query", description="field keys separated by commas, '-' for "
                                           "descending: -created_at,name"),
        param("q", "query", {"type": "string", "maxLength": 200},
              "text search over the searchable fields"),
        param("page", "query", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
              "page number; deeper pages follow next_cursor"),
        param("per_page", "query", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
              "records per page"),
        param("cursor", "query", description="next_cursor of the previous page"),
        param("total", "query", {"enum": list(TOTALS)},
              "1 (the default): count the matches up to 10,000 (total_exact is false when "
              "there are more); exact: count them all (slow on big tables); 0: do not count "
              "(total is null)"),
    ]


def headers(*names: str) -> dict[str, dict]:
    known = {"ETag": "the revision (documents) or version (records), for If-Match",
             "Location": "where the new resource is"}
    return {n: {"description": known[n], "required": True, "schema": {"type": "string"}}
            for n in names}


def answer(schema: dict | None, description: str = "success", *header_names: str,
           media: str = JSON) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    if schema is not None:
        out["content"] = {media: {"schema": schema}}
    if header_names:
        out["headers"] = headers(*header_names)
    return out


def op(method: str, op_id: str, summary: str, tag: str, ok: dict[str, dict], *,
       scope: str | None = None, body: dict | None = None, body_required: bool = True,
       params: Iterable[dict] = (), errors: Iterable[str] = (), media: str = JSON
       ) -> dict[str, Any]:
    """An operation and every status it answers with: its ``ok`` answers, the errors of its
    shape (a body: 413, 415, 422; path parameters: 404; a scope: 401, 403) and ``errors``."""
    params = list(params)
    statuses = set(errors)
    if scope is not None:
        # 503: a statement ran past the request's time limit (TRELLIS_STATEMENT_TIMEOUT)
        statuses |= {"401", "403", "503"}
    if params or body is not None or method in UNSAFE:
        statuses.add("400")  # a bad parameter, broken JSON, a missing CSRF token
    if any(_in_path(p) for p in params):
        statuses.add("404")  # nothing there, or nothing the reader may see
    if body is not None:
        statuses |= {"413", "415", "422"} if media == JSON else {"413"}
    out: dict[str, Any] = {"operationId": op_id, "summary": summary, "tags": [tag],
                           "responses": {**ok, **{s: ERROR for s in sorted(statuses)}}}
    if scope is not None:
        out["description"] = f"Needs the `{scope}` scope."
    else:
        out["security"] = []
    if params:
        out["parameters"] = params
    if body is not None:
        out["requestBody"] = {"required": body_required, "content": {media: {"schema": body}}}
    return out


def _in_path(parameter: dict) -> bool:
    name = parameter.get("$ref", "").rsplit("/", 1)[-1]
    return parameter.get("in", parameters().get(name, {}).get("in")) == "path"


def metadata_paths() -> dict[str, dict]:
    """Schemas, apps, packages and the drafts and versions of apps, forms and views."""
    app = pref("app_key")
    read, write = "metadata:read", "metadata:write"
    paths: dict[str, dict] = {
        "/openapi.json": {"get": op("get", "openapi", "This document (shows each reader what "
                                    "the reader may see)", "metadata",
                                    {"200": answer({"type": "object",
                                                    "required": ["openapi", "paths"]})})},
        "/schemas/{kind}": {"get": op(
            "get", "getSchema", "The JSON Schema of a document kind", "metadata",
            {"200": answer({"type": "object"})},
            params=[param("kind", schema={"enum": ["app", "form", "view", "ruleset",
                                                    "workflow"]})])},
        "/apps": {
            "get": op("get", "listApps", "List apps and their forms", "metadata",
                      {"200": answer(ref("AppList"))}, scope=read),
            "post": op("post", "createApp", "Create and publish an app", "metadata",
                       {"201": answer(ref("AppDocument"), "created", "ETag", "Location")},
                       scope=write, body=ref("AppDocument.new"), errors=["409"])},
        "/apps/import": {"post": op(
            "post", "importPackage", "Import an app package (all or nothing)", "metadata",
            {"201": answer(ref("ImportResult"), "imported")}, scope=write, body=ref("Package"))},
        "/apps/{app_key}/export": {"get": op(
            "get", "exportPackage", "Export an app package", "metadata",
            {"200": answer(ref("Package"))}, scope=read, params=[app])},
        "/apps/{app_key}/forms": {"get": op(
            "get", "listForms", "List the app's forms", "metadata",
            {"200": answer(ref("FormList"))}, scope=read, params=[app])},
        "/apps/{app_key}/views": {"get": op(
            "get", "listViews", "List the app's views", "metadata",
            {"200": answer(ref("ViewList"))}, scope=read, params=[app])},
        "/apps/{app_key}/rulesets": {"get": op(
            "get", "listRulesets", "List the app's rulesets (designers)", "metadata",
            {"200": answer(ref("RulesetList"))}, scope=read, params=[app])},
        "/apps/{app_key}/workflows": {"get": op(
            "get", "listWorkflows", "List the app's workflows (designers)", "metadata",
            {"200": answer(ref("WorkflowList"))}, scope=read, params=[app])},
    }
    paths.update(document_paths("/apps/{app_key}", "App", "AppDocument", [app]))
    for kinds, (key, schema) in KIND_PATHS.items():
        base = f"/apps/{{app_key}}/{kinds}/{{{key}}}"
        name = kinds[:-1].title()
        paths.update(document_paths(base, name, schema, [app, pref(key)]))
        paths.update(version_paths(base, name, schema, [app, pref(key)]))
    return paths


def document_paths(base: str, name: str, schema: str, keys: list[dict]) -> dict[str, dict]:
    """Read, save and publish a document's draft."""
    read, write = "metadata:read", "metadata:write"
    saved = answer(ref(schema), "saved", "ETag")
    return {
        base: {
            "get": op("get", f"get{name}", f"Read the {name.lower()}'s draft (or ?version=N)",
                      "metadata", {"200": answer(ref(schema), "the document", "ETag")},
                      scope=read, params=[*keys, pref("doc_version")]),
            "put": op("put", f"save{name}", f"Save the {name.lower()}'s draft", "metadata",
                      {"200": saved, "201": {**saved, "description": "created"}}, scope=write,
                      body=ref(schema), params=[*keys, pref("if_match"), pref("base_version")],
                      errors=["409"])},
        base + "/publish": {"post": op(
            "post", f"publish{name}", f"Publish the {name.lower()}'s draft (?dry_run=1: plan "
                                      "only)", "metadata",
            {"200": answer({"oneOf": [ref("PublishResult"), ref("DryRun")]})}, scope=write,
            body=ref("PublishOptions"), body_required=False,
            params=[*keys, pref("dry_run"), pref("if_match"), pref("base_version")],
            errors=["409"])},
    }


def version_paths(base: str, name: str, schema: str, keys: list[dict]) -> dict[str, dict]:
    """Published versions of a form or view: list, read, diff, roll back."""
    read, write = "metadata:read", "metadata:write"
    number = {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER}
    to = {"type": "string", "pattern": "^([1-9][0-9]{0,9}|draft)$"}
    return {
        base + "/versions": {"get": op(
            "get", f"list{name}Versions", "List the published versions", "metadata",
            {"200": answer(ref("VersionList"))}, scope=read, params=keys)},
        base + "/versions/{number}": {"get": op(
            "get", f"get{name}Version", "Read a published version", "metadata",
            {"200": answer(ref(schema))}, scope=read, params=[*keys, pref("number")])},
        base + "/versions/{number}/rollback": {"post": op(
            "post", f"rollback{name}", "Publish a copy of an old version", "metadata",
            {"200": answer(ref("RollbackResult"))}, scope=write,
            params=[*keys, pref("number")], errors=["422"])},
        base + "/diff": {"get": op(
            "get", f"diff{name}", "The changes from one version to another (or the draft)",
            "metadata", {"200": answer(ref("Diff"))}, scope=read,
            params=[*keys, param("from", "query", number, "the older version", True),
                    param("to", "query", to, "a version number or draft (the default)")])},
    }


def ruleset_paths() -> dict[str, dict]:
    """The decision-table analysis and the dry run of a ruleset."""
    keys = [pref("app_key"), pref("ruleset_key")]
    base = "/apps/{app_key}/rulesets/{ruleset_key}"
    version = param("version", "query", {"type": "string", "pattern": "^([1-9][0-9]{0,9}|draft)$"},
                    "a published version's number, or draft (the default)")
    return {
        base + "/analysis": {"get": op(
            "get", "analyseRuleset", "Gaps, overlaps and shadowed rows of the decision tables",
            "metadata", {"200": answer(ref("RulesetAnalysis"))}, scope="metadata:read",
            params=[*keys, version])},
        base + "/dry-run": {"post": op(
            "post", "dryRunRuleset", "Which rules an event on a record would match, and what "
                                     "each would do (nothing changes)", "metadata",
            {"200": answer(ref("DryRunResult"))}, scope="metadata:read",
            body=ref("DryRunEvent"), params=keys)},
    }


def formula_paths() -> dict[str, dict]:
    keys = [pref("app_key"), pref("form_key")]
    return {
        "/formula/functions": {"get": op(
            "get", "listFunctions", "The formula functions", "formula",
            {"200": answer(ref("FunctionList"))}, scope="metadata:read")},
        "/apps/{app_key}/forms/{form_key}/formula/fields": {"get": op(
            "get", "formulaFields", "The fields a formula of the form may name", "formula",
            {"200": answer(ref("FormulaFields"))}, scope="metadata:read", params=keys)},
        "/apps/{app_key}/forms/{form_key}/formula": {"post": op(
            "post", "checkFormula", "Check a formula against the form's draft, and try it",
            "formula", {"200": answer(ref("FormulaResult"))}, scope="metadata:read",
            body=ref("FormulaCheck"), params=keys)},
    }


def file_paths() -> dict[str, dict]:
    return {
        "/files": {"post": op(
            "post", "uploadFile", "Upload a file for attachment fields", "files",
            {"201": answer(ref("File"), "stored")}, scope="records:write", body=ref("Upload"),
            media="multipart/form-data")},
        "/files/{file_id}": {"get": op(
            "get", "downloadFile",
            "Download a file you may read (you uploaded it, or may read a record that holds "
            "it). Always a download, except a verified PNG/JPEG/GIF/WebP image with ?inline=1; "
            "never kept by shared caches (private, revalidated by its ETag)", "files",
            {"200": answer({"type": "string", "format": "binary"}, "the file", media="*/*"),
             "304": {"description": "not modified (If-None-Match: the ETag you have)"}},
            scope="records:read", params=[pref("file_id"), param("inline", "query")])},
    }


def record_paths(base: str, ids: str, schemas: dict[str, dict], keys: list[dict],
                 tag: str = "records") -> dict[str, dict]:
    """The record endpoints of one form (``keys`` empty: ``base`` names it) or of any
    (``{app_key}``, ``{form_key}``); ``ids`` makes operation ids from a verb (``{verb}``);
    ``schemas`` holds read, new, changes, list, bulk, bulk_result."""
    read, write = "records:read", "records:write"
    one = [*keys, pref("record_id")]
    record = answer(schemas["read"], "the record", "ETag")
    return {
        base: {
            "get": op("get", ids.format(verb="list"),
                      "List records: filter, sort, search, pages", tag,
                      {"200": answer(schemas["list"])}, scope=read,
                      params=[*keys, *list_parameters()]),
            "post": op("post", ids.format(verb="create"), "Create a record (or, when the "
                       "form's identity rules match stored records, merge into the oldest)",
                       tag, {"201": answer(schemas["read"], "created", "ETag", "Location"),
                             "200": answer(schemas["read"], "merged: the surviving record",
                                           "ETag", "Location")},
                       scope=write, body=schemas["new"],
                       params=[*keys, pref("idempotency_key")], errors=["409"])},
        base + "/bulk": {"post": op(
            "post", ids.format(verb="bulk"), "Create up to 1000 records; a result per row", tag,
            {"200": answer(schemas["bulk_result"])}, scope=write, body=schemas["bulk"],
            params=[*keys, pref("idempotency_key")], errors=["409"])},
        base + "/{record_id}": {
            "get": op("get", ids.format(verb="read"), "Read a record", tag, {"200": record},
                      scope=read, params=one),
            "patch": op("patch", ids.format(verb="update"),
                        "Change fields (send the version you read)", tag, {"200": record},
                        scope=write, body=schemas["changes"],
                        params=[*one, pref("if_match"), pref("record_version")],
                        errors=["409"]),
            "delete": op("delete", ids.format(verb="delete"), "Delete a record (soft)", tag,
                         {"204": answer(None, "deleted")}, scope=write,
                         params=[*one, pref("if_match"), pref("record_version")],
                         errors=["409"])},
        base + "/{record_id}/history": {"get": op(
            "get", ids.format(verb="history"), "The record's audit trail", tag,
            {"200": answer(ref("History"))}, scope=read, params=one)},
        base + "/{record_id}/touches": {"get": op(
            "get", ids.format(verb="touches"),
            "How the record arrived, oldest first: each creation and each later submission "
            "merged into it, with its channel and campaign", tag,
            {"200": answer(ref("Touches"))}, scope=read, params=one)},
    }


def generic_record_paths() -> dict[str, dict]:
    schemas = {"read": ref("Record"), "new": {"type": "object"}, "changes": {"type": "object"},
               "list": ref("RecordList"), "bulk": ref("Bulk"), "bulk_result": ref("BulkResult")}
    return record_paths("/apps/{app_key}/forms/{form_key}/records", "{verb}Records", schemas,
                        [pref("app_key"), pref("form_key")])

"""The OpenAPI 3.1 document of the API, as the reader may see it: every endpoint, and a record
schema and record endpoints per published form whose records the reader may read."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from runtime.api.openapi_actions import action_schemas, export_paths, generic_action_paths
from runtime.api.openapi_capture import capture_paths, capture_schemas
from runtime.api.openapi_identity import identity_paths, identity_schemas
from runtime.api.openapi_imports import import_paths, import_schemas
from runtime.api.openapi_notify import outbox_paths, outbox_schemas
from runtime.api.openapi_paths import (
    file_paths,
    formula_paths,
    generic_record_paths,
    metadata_paths,
    parameters,
    pref,
    ruleset_paths,
)
from runtime.api.openapi_records import form_paths, form_schemas, readable_forms
from runtime.api.openapi_routing import assignment_paths, assignment_schemas
from runtime.api.openapi_rules import (
    rules_paths,
    rules_record_paths,
    rules_schemas,
    scoring_paths,
)
from runtime.api.openapi_schemas import common_schemas, document_schemas, ref
from runtime.api.openapi_workflows import workflow_paths, workflow_schemas
from runtime.permissions import Principal
from runtime.web import current_principal, current_runtime
from runtime.web.routes import GET, Route

DESCRIPTION = ("Metadata documents (apps, forms, views) with drafts and versions, and the "
               "records of published forms. Errors are {\"errors\": [{\"path\", \"message\"}]} "
               "with JSON Pointer paths. Besides the generic record endpoints, each published "
               "form the reader may read has its own, with its own record schemas.")


def spec(principal: Principal | None) -> dict[str, Any]:
    paths = {**metadata_paths(), **ruleset_paths(), **formula_paths(), **generic_record_paths(),
             **generic_action_paths(), **export_paths(), **file_paths(), **capture_paths(),
             **import_paths("/apps/{app_key}/forms/{form_key}", "{verb}",
                            [pref("app_key"), pref("form_key")], "records"),
             **identity_paths("/apps/{app_key}/forms/{form_key}",
                              [pref("app_key"), pref("form_key")], "identity"),
             **assignment_paths("/apps/{app_key}/forms/{form_key}/records", "{verb}Records",
                                [pref("app_key"), pref("form_key")]),
             **rules_record_paths("/apps/{app_key}/forms/{form_key}/records", "{verb}Records",
                                  [pref("app_key"), pref("form_key")]),
             **rules_paths(), **scoring_paths(), **outbox_paths(), **workflow_paths()}
    schemas = {**common_schemas(), **action_schemas(), **capture_schemas(), **import_schemas(),
               **identity_schemas(), **assignment_schemas(), **rules_schemas(),
               **outbox_schemas(), **workflow_schemas(),
               **document_schemas(current_runtime().schemas)}
    params = parameters()
    for plan, access in readable_forms(principal):
        schemas.update(form_schemas(plan, access))
        paths.update(form_paths(plan))
        params["app_key"].setdefault("example", plan.app_key)  # a form the reader may read
        params["form_key"].setdefault("example", plan.form_key)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Trellis API", "version": "1", "description": DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "an API token (trellis "
                                                          "create-token, /settings/tokens)"}},
            "parameters": params,
            "responses": {"Error": {"description": "an error: what is wrong, and where",
                                    "content": {"application/json": {
                                        "schema": ref("Errors")}}}},
            "schemas": schemas,
        },
    }


def openapi() -> Response:
    return jsonify(spec(current_principal()))


ROUTES: tuple[Route, ...] = (
    ("/openapi.json", "openapi", openapi, GET),
)

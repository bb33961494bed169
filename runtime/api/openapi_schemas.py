"""The schemas of the OpenAPI document: what every endpoint takes and answers, precisely enough
to be checked (a contract test sends generated requests and checks every answer against them).

The document kinds are described by the very JSON Schemas the store validates with (OpenAPI 3.1
speaks JSON Schema 2020-12), their ``$defs`` lifted into components of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metadata.keys import KEY_PATTERN
from metadata.orm import MAX_INTEGER
from metadata.package import FORMAT, FORMAT_VERSION
from runtime.arrivals import PART_LENGTH, PARTS
from runtime.rules.engine import TRIGGER_EVENTS

REF = "#/components/schemas/"
KINDS = {"app": "AppDocument", "form": "FormDocument", "view": "ViewDocument",
         "ruleset": "RulesetDocument", "workflow": "WorkflowDocument"}
UTC_TIME = {"type": "string", "format": "date-time",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER}
KEY = {"type": "string", "pattern": KEY_PATTERN}


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def obj(properties: Mapping[str, Any], required: Any = None, **extra: Any) -> dict[str, Any]:
    """An object of exactly ``properties``; all of them required unless ``required`` says."""
    return {"type": "object", "properties": dict(properties),
            "required": list(properties) if required is None else list(required),
            "additionalProperties": False, **extra}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def embed(name: str, schema: Mapping[str, Any]) -> dict[str, dict]:
    """A JSON Schema as components: ``name`` and ``name.<def>`` for each of its ``$defs``,
    with ``#/$defs/x`` references pointing at those."""
    local, prefix = "#/$defs/", f"{REF}{name}."

    def rewrite(node: Any) -> Any:
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for key, value in node.items():
            if key in ("$defs", "$id", "$schema"):
                continue  # lifted out; and an $id would re-base the references
            if key == "$ref" and isinstance(value, str) and value.startswith(local):
                out[key] = prefix + value[len(local):]
            else:
                out[key] = rewrite(value)
        return out

    out = {name: rewrite(schema)}
    out.update({f"{name}.{key}": rewrite(sub) for key, sub in schema.get("$defs", {}).items()})
    return out


def one_of_by_type(field: dict) -> dict:
    """The field schema with its ``allOf`` of ``if type = T then config: C`` pairs written as
    ``oneOf`` (type = T and config: C): the same constraint, since the types are an enum and
    exactly one pair applies. Generators expand a oneOf, not 19 if/then pairs; the store keeps
    if/then, whose errors point inside the right config."""
    pairs = field.get("allOf") or []
    if not pairs or not all(set(p) == {"if", "then"} for p in pairs):
        return field
    out = {k: v for k, v in field.items() if k != "allOf"}
    out["oneOf"] = [{"properties": {**p["if"].get("properties", {}),
                                    **p["then"].get("properties", {})},
                     "required": [*p["if"].get("required", []),
                                  *p["then"].get("required", [])]} for p in pairs]
    return out


def document_schemas(kind_schemas: Mapping[str, dict]) -> dict[str, dict]:
    """The document kinds, and what the endpoints built on them answer."""
    out: dict[str, dict] = {}
    for kind, name in KINDS.items():
        out.update(embed(name, kind_schemas[kind]))
    out["FormDocument.field"] = one_of_by_type(out["FormDocument.field"])
    if "WorkflowDocument.node" in out:
        out["WorkflowDocument.node"] = one_of_by_type(out["WorkflowDocument.node"])
    new_app = dict(out["AppDocument"])
    new_app["required"] = [k for k in new_app["required"] if k != "kind"]
    label = nullable({"anyOf": [{"type": "string"}, {"type": "object", "additionalProperties":
                                                     {"type": "string"}}]})
    summary = {"kind": {"enum": list(KINDS)}, "key": KEY, "label": label,
               "revision": {"type": "integer", "minimum": 1},
               "published_version": nullable({"type": "integer", "minimum": 1}),
               "updated_at": {"type": "string", "format": "date-time"}}
    out.update({
        "AppDocument.new": {**new_app, "description": "an app document; kind may be left out"},
        "DocumentSummary": obj(summary),
        "AppList": obj({"apps": {"type": "array", "items": obj({
            **summary, "forms": {"type": "array", "items": ref("DocumentSummary")}})}}),
        "FormList": obj({"forms": {"type": "array", "items": ref("DocumentSummary")}}),
        "ViewList": obj({"views": {"type": "array", "items": ref("DocumentSummary")}}),
        "RulesetList": obj({"rulesets": {"type": "array", "items": ref("DocumentSummary")}}),
        "WorkflowList": obj({"workflows": {"type": "array",
                                           "items": ref("DocumentSummary")}}),
        "Package": obj({"format": {"const": FORMAT}, "format_version": {"const": FORMAT_VERSION},
                        "app": ref("AppDocument"),
                        "documents": {"type": "array", "items": {"oneOf": [
                            ref("FormDocument"), ref("ViewDocument"),
                            ref("RulesetDocument")]}}}),
        "ImportResult": obj({"app": KEY, "export": {"type": "string"}}),
        "PublishOptions": obj({"note": {"type": "string", "maxLength": 500}}, required=[]),
    })
    out.update(version_schemas())
    out.update(ruleset_schemas())
    return out


def ruleset_schemas() -> dict[str, dict]:
    """What the decision-table analysis and the dry run take and answer."""
    text = {"type": "string"}
    finding = obj({"kind": {"enum": ["overlap", "gap", "shadowed", "never", "too_big"]},
                   "severity": {"enum": ["error", "warning"]}, "path": text, "message": text,
                   "rows": {"type": "array", "items": {"type": "integer", "minimum": 1}}})
    action = obj({"type": KEY, "sync": {"type": "boolean"}, "details": {"type": "object"}})
    outcome = obj({"rule": KEY, "status": {"enum": [
        "matched", "no_match", "not_triggered", "disabled", "own_write", "stopped", "error"]},
        "reason": text, "actions": {"type": "array", "items": action}})
    values = {"type": "object", "description": "field key → value, as the records API has them"}
    line = obj({"kind": {"enum": ["rule", "attribute", "behaviour", "clamp"]},
                "rule": {"anyOf": [KEY, {"type": "null"}]}, "points": {"type": "number"},
                "reason": {"anyOf": [text, {"type": "null"}]}})
    preview = obj({
        "model": KEY, "label": text, "before": {"type": "number"}, "score": {"type": "number"},
        "stage": {"anyOf": [text, {"type": "null"}]},
        "lines": {"type": "array", "items": line, "description": "what the ledger would book"},
        "crossings": {"type": "array", "items": obj({"threshold": KEY, "direction": {
            "enum": ["up", "down"]}})}},
        description="a scoring model: the lines the event would book, the score and stage "
                    "after them")
    return {
        "RulesetAnalysis": obj({"tables": {"type": "array", "items": obj({
            "key": KEY, "findings": {"type": "array", "items": finding}})}}),
        "DryRunEvent": obj({
            "event": {"enum": list(TRIGGER_EVENTS)}, "record": values,
            "record_id": {**ID, "description": "a stored record (its values, under "
                                               "those of record)"},
            "old": values, "changed": {"type": "array", "items": KEY},
            "rule": KEY, "model": KEY, "threshold": KEY,
            "direction": {"enum": ["up", "down"]}, "related_form": KEY, "link": KEY,
            "related": {**values, "description": "related_created: the new related record "
                                                 "(for the behaviour points)"},
            "version": {"type": "string", "pattern": "^([1-9][0-9]{0,9}|draft)$"}},
            required=[]),
        "DryRunResult": obj({"rules": {"type": "array", "items": outcome},
                             "scoring": {"type": "array", "items": preview}}),
    }


def version_schemas() -> dict[str, dict]:
    """What publishing, rolling back, listing and comparing versions answer."""
    keys = {"type": "array", "items": {"type": "string"}}
    count = {"type": "integer", "minimum": 0}
    conversion = obj({
        "field": {"type": "string"}, "from": {"type": "string"}, "to": {"type": "string"},
        "records": {**count, "description": "records whose stored value converts"},
        "failed": {**count, "description": "records whose stored value does not convert"},
        "examples": {"type": "array", "description": "the first records that do not convert",
                     "items": obj({"record": ID, "value": {}, "message": {"type": "string"}})}},
        required=["field", "from", "to"])
    shared = obj({
        "field": {"type": "string"},
        "values": {**count, "description": "values held by more than one live record"},
        "records": {**count, "description": "live records holding one of them"},
        "examples": {"type": "array", "items": obj({
            "value": {}, "count": count,
            "records": {"type": "array", "items": ID,
                        "description": "the first records holding the value"}})}},
        description="values live records share in a field the publish makes unique: the "
                    "publish goes ahead; those records keep their values (a record keeping "
                    "its value may still be saved), new and changed values must be unique")
    migration = nullable(obj({
        "table": {"type": "string"}, "creates_table": {"type": "boolean"}, "adds": keys,
        "archives": keys, "restores": keys, "converts": {"type": "array", "items": conversion},
        "duplicates": {"type": "array", "items": shared}}))
    return {
        "Migration": migration,
        "PublishResult": obj({"version": {"type": "integer", "minimum": 1},
                              "unchanged": {"type": "boolean"}, "migration": ref("Migration"),
                              "rescore": {**nullable(ID), "description": (
                                  "rulesets: the re-score the publish started (its scoring "
                                  "changed), else null")}},
                             required=["version", "unchanged", "migration"]),
        "DryRun": obj({"dry_run": {"const": True}, "migration": ref("Migration")}),
        "RollbackResult": obj({"version": {"type": "integer", "minimum": 1},
                               "migration": ref("Migration")}),
        "VersionList": obj({
            "published_version": nullable({"type": "integer", "minimum": 1}),
            "revision": {"type": "integer", "minimum": 1},
            "versions": {"type": "array", "items": obj({
                "number": {"type": "integer", "minimum": 1}, "note": {"type": "string"},
                "published_at": {"type": "string", "format": "date-time"},
                "published_by": nullable({"type": "integer"})})}}),
        "Diff": obj({"from": {"type": "integer", "minimum": 1}, "to": {"type": "string"},
                     "changes": {"type": "array", "items": obj(
                         {"op": {"enum": ["added", "removed", "changed", "moved"]},
                          "path": {"type": "string"}, "old": {}, "new": {},
                          "from": {"type": "string"}}, required=["op", "path"])}}),
    }


def formula_schemas() -> dict[str, dict]:
    """The formula editor's endpoints: functions, fields, a check."""
    formula_error = obj({"message": {"type": "string"},
                         "position": nullable({"type": "integer", "minimum": 0}),
                         "line": nullable({"type": "integer", "minimum": 1}),
                         "column": nullable({"type": "integer", "minimum": 1})})
    return {
        "FunctionList": obj({"functions": {"type": "array", "items": obj({
            "name": {"type": "string"}, "aliases": {"type": "array", "items": {"type": "string"}},
            "signature": {"type": "string"}, "description": {"type": "string"},
            "sql": {"type": "boolean"}})}}),
        "FormulaFields": obj({"fields": {"type": "array", "items": obj(
            {"ref": {"type": "string"}, "label": {"type": "string"},
             "name": {"type": "string", "description": (
                 "how a formula may name the field between braces for this reader: its label "
                 "where that names it alone, else its key")},
             "type": {"type": "string"}, "type_label": {"type": "string"},
             "choices": {"type": "array", "items": obj(
                 {"value": {"type": "string"}, "label": {"type": "string"}},
                 required=["value", "label"])},
             "system": {"const": True}, "rows": {"const": True}},
            required=["ref", "label", "name", "type", "type_label"])}}),
        "FormulaCheck": obj({"formula": {"type": "string", "minLength": 1, "maxLength": 4000,
                                         "pattern": r"\S"},
                             "expect": nullable({"enum": ["boolean", "value"]}),
                             "record": nullable({"type": "object"})}, required=["formula"]),
        "FormulaResult": {"oneOf": [
            obj({"ok": {"const": True}, "type": {"type": "string"},
                 "source": {"type": "string", "description": (
                     "the formula as stored: fields named by their keys")},
                 "type_label": {"type": "string"},
                 "refs": {"type": "array", "items": {"type": "string"}}, "value": {}},
                required=["ok", "type", "type_label", "refs"]),
            obj({"ok": {"const": False}, "error": formula_error})]},
    }


def common_schemas() -> dict[str, dict]:
    """Errors, formulas, files and the generic record (the per-form ones are in
    ``openapi_records``)."""
    problem = problem_schema()
    return {
        "Problem": problem,
        "Errors": obj({"errors": {"type": "array", "items": ref("Problem"), "minItems": 1}}),
        **formula_schemas(),
        "File": obj({"id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                     "name": {"type": "string"}, "size": {"type": "integer", "minimum": 0},
                     "content_type": {"type": "string", "description": (
                         "what the file is: for PNG, JPEG, GIF and WebP images read from its "
                         "bytes, otherwise from its name")},
                     "url": {"type": "string"}}),
        "Upload": {**obj({"file": {"type": "string", "format": "binary"}}),
                   "additionalProperties": True, "description": "other parts are ignored"},
        "Record": {**obj(system_fields()), "additionalProperties": True,
                   "description": "field key -> value; see the per-form record schemas"},
        "RecordList": record_list(ref("Record")),
        "Bulk": bulk_request(),
        "BulkResult": bulk_result(ref("Record")),
        "History": history(),
        "Touches": touches(),
    }


def problem_schema() -> dict:
    """One error: where, what, and for some where inside a formula or which other record."""
    return obj({"path": {"type": "string", "description": "a JSON Pointer, or /name of a "
                                                          "query parameter"},
                "message": {"type": "string", "minLength": 1},
                "position": {"type": "integer", "minimum": 0},
                "line": {"type": "integer", "minimum": 1},
                "column": {"type": "integer", "minimum": 1},
                "record": {**ID, "description": "the other record the problem is about: the "
                                                "one that already holds a value that must be "
                                                "unique"}},
               required=["path", "message"])


def system_fields() -> dict[str, dict]:
    return {"id": ID, "version": {"type": "integer", "minimum": 1},
            "created_at": UTC_TIME, "updated_at": UTC_TIME,
            "created_by": nullable(ID), "owner": nullable(ID)}


def record_list(record: dict) -> dict:
    return obj({"records": {"type": "array", "items": record},
                "total": nullable({"type": "integer", "minimum": 0}),
                "total_exact": {"type": "boolean",
                                "description": "false: there are more than total matches"},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": 1000},
                "next_cursor": nullable({"type": "string"})})


def bulk_request(new: str | None = None) -> dict:
    """Rows are objects, each checked as a create (``new``: its schema) and answered with a
    result of its own; a row that is not an object fails the whole request."""
    row = {"type": "object", "description": "a record as created" + (
        f" ({new})" if new else "") + ": checked row by row, each row has its result"}
    rows = {"type": "array", "items": row, "maxItems": 1000}
    return {"oneOf": [obj({"records": rows}), rows]}


def bulk_result(record: dict) -> dict:
    index = {"type": "integer", "minimum": 0}
    count = {"type": "integer", "minimum": 0}
    ids = {"type": "array", "items": ID, "description": "the stored records merged away "
                                                        "into this one"}
    return obj({"created": count, "merged": count, "failed": count,
                "results": {"type": "array", "items": {"oneOf": [
                    obj({"index": index, "outcome": {"enum": ["created", "merged"]},
                         "record": record, "merged": ids},
                        required=["index", "outcome", "record"]),
                    obj({"index": index, "errors": {"type": "array", "items": ref("Problem"),
                                                    "minItems": 1}})]}}})


def history() -> dict:
    change = obj({"field": {"type": "string"}, "old": {}, "new": {}})
    return obj({"entries": {"type": "array", "items": obj({
        "id": {"type": "integer"}, "at": UTC_TIME,
        "action": {"enum": ["create", "update", "delete"]},
        "version": {"type": "integer", "minimum": 1}, "user": nullable({"type": "integer"}),
        "user_name": nullable({"type": "string"}), "via": {"type": "string"},
        "changes": {"type": "array", "items": change}})}})


def arrival_schema() -> dict:
    """The optional ``_touch`` of a created record: the campaign that brought it."""
    parts = {name: {"type": "string", "maxLength": PART_LENGTH} for name in PARTS}
    return {**obj({**parts, **{names[0]: {"type": "string", "maxLength": PART_LENGTH}
                               for names in PARTS.values()}}, required=[]),
            "description": "where the record came from: source, medium, campaign, term, "
                           "content (or their utm_* names); kept as the record's first touch"}


def touches() -> dict:
    text = nullable({"type": "string"})
    return obj({"touches": {"type": "array", "items": obj({
        "at": UTC_TIME, "channel": {"type": "string"}, "channel_label": {"type": "string"},
        **{name: text for name in PARTS}, "ref": text,
        "detail": {"type": "object", "additionalProperties": {"type": "string"}},
        "arrived_as": {**ID, "description": "the record it arrived as (another one when "
                                            "that record was merged into this)"}})}})

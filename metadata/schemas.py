"""JSON Schemas (Draft 2020-12) of the document kinds, assembled from the field-type registry.

Each field type contributes the schema of its own ``config``; the form schema selects it with an
``if``/``then`` on the field's ``type`` so that errors point inside the right config object.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from metadata.keys import KEY_PATTERN
from metadata.ruleset_schema import ActionSpec, ruleset_schema
from metadata.todo_schema import todo_schema
from metadata.workflow_schema import NodeSpec, workflow_schema

DIALECT = "https://json-schema.org/draft/2020-12/schema"
BASE_ID = "https://trellis.invalid/schemas/"
SCOPES = ["none", "own", "team", "all"]


class FieldTypeSpec(Protocol):
    type: str
    label: dict[str, str]
    description: str
    config_schema: dict[str, Any]


class ChannelSpec(Protocol):
    """A capture channel (runtime.capture.channels): its key under ``capture`` and the JSON
    Schema of its configuration."""

    key: str
    description: str
    config_schema: dict[str, Any]


LABEL = {
    "title": "a text, or an object of texts per language ({\"zh\": ..., \"en\": ...})",
    "oneOf": [
        {"type": "string", "minLength": 1, "maxLength": 200},
        {
            "type": "object",
            "properties": {
                "zh": {"type": "string", "minLength": 1, "maxLength": 200},
                "en": {"type": "string", "minLength": 1, "maxLength": 200},
            },
            "minProperties": 1,
            "additionalProperties": False,
        },
    ],
}
TEXT = {
    "title": "a text, or an object of texts per language",
    "oneOf": [
        {"type": "string", "maxLength": 2000},
        {
            "type": "object",
            "properties": {"zh": {"type": "string", "maxLength": 2000},
                           "en": {"type": "string", "maxLength": 2000}},
            "additionalProperties": False,
        },
    ],
}


FORMULA = {"type": "string", "minLength": 1, "maxLength": 4000,
           "title": "a formula, e.g. {employees} > 500"}


def _common_defs() -> dict[str, Any]:
    return {
        "key": {"type": "string", "pattern": KEY_PATTERN, "title": "a key (a-z, 0-9, _)"},
        "label": LABEL,
        "text": TEXT,
        "formula": FORMULA,
    }


def default_schema() -> dict[str, Any]:
    """A field's default: a plain value, or ``{"formula": ...}`` computed for each new record."""
    return {
        "title": "a value, or {\"formula\": ...} computed for each new record",
        "anyOf": [
            {"not": {"type": "object"}},
            {"type": "object", "required": ["formula"],
             "properties": {"formula": {"$ref": "#/$defs/formula"}},
             "additionalProperties": False},
            {"type": "object", "not": {"required": ["formula"]}},
        ],
    }


def validate_schema() -> dict[str, Any]:
    return {
        "type": "array",
        "maxItems": 20,
        "items": {
            "type": "object",
            "required": ["formula", "message"],
            "properties": {"formula": {"$ref": "#/$defs/formula"},
                           "message": {"$ref": "#/$defs/label"}},
            "additionalProperties": False,
        },
    }


def cleaning_schema() -> dict[str, Any]:
    """Form-level cleaning rules: formulas whose results replace a field's value, in order,
    on every write, after each field's own cleaning and before the checks."""
    return {
        "type": "array",
        "maxItems": 50,
        "items": {
            "type": "object",
            "required": ["field", "formula"],
            "properties": {"field": {"$ref": "#/$defs/key"},
                           "formula": {"$ref": "#/$defs/formula"},
                           "if_blank": {"type": "boolean"}},
            "additionalProperties": False,
        },
    }


MERGE_POLICIES = ["fill_blanks", "keep_existing", "newest", "non_blank", "concatenate", "max",
                  "min", "sum"]


def identity_schema() -> dict[str, Any]:
    """How a form recognises the same person or company arriving again (runtime.identity):
    match rules tried in order, and how the fields of merged records survive."""
    rule = {
        "type": "object",
        "required": ["key"],
        "properties": {
            "key": {"$ref": "#/$defs/key"},
            "label": {"$ref": "#/$defs/label"},
            "fields": {"type": "array", "items": {"$ref": "#/$defs/key"}, "minItems": 1,
                       "maxItems": 5, "uniqueItems": True,
                       "description": "Exact rule: records whose cleaned values of all these "
                                      "fields are equal (and not blank) are the same."},
            "fuzzy": {"type": "object", "propertyNames": {"$ref": "#/$defs/key"},
                      "additionalProperties": {"type": "number", "minimum": 0.5,
                                               "maximum": 1},
                      "minProperties": 1, "maxProperties": 5,
                      "description": "Fuzzy rule: the similarity (0.5–1) each field must "
                                     "reach, e.g. {\"name\": 0.9, \"company\": 0.85}; names "
                                     "are compared with and without spaces and in pinyin."},
            "block": {"type": "array", "items": {"$ref": "#/$defs/key"}, "maxItems": 3,
                      "uniqueItems": True,
                      "description": "Fields whose exact values narrow the candidates of a "
                                     "fuzzy rule (derived from the fuzzy fields when left "
                                     "out)."},
            "then": {"enum": ["merge", "review"],
                     "description": "Merge at once (the default) or queue the pair for "
                                    "review."},
            "enabled": {"type": "boolean"},
        },
        "additionalProperties": False,
        # a rule has either `fields` or `fuzzy`: the semantic checks say so in words
    }
    policy = {"enum": MERGE_POLICIES}
    return {
        "type": "object",
        "properties": {
            "match": {"type": "array", "items": rule, "maxItems": 20},
            "merge": {
                "type": "object",
                "properties": {
                    "default": policy,
                    "fields": {"type": "object", "propertyNames": {"$ref": "#/$defs/key"},
                               "additionalProperties": policy, "maxProperties": 500},
                },
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
    }


def layout_schema() -> dict[str, Any]:
    """Tabs of sections of 1–4 columns; fields not placed are shown after the last section.
    A section's ``spans`` widens fields over several of its columns ({"notes": 3})."""
    section = {
        "type": "object",
        "properties": {
            "label": {"$ref": "#/$defs/label"},
            "columns": {"type": "integer", "minimum": 1, "maximum": 4,
                        "description": "Columns of the section's grid (1 when left out; one "
                                       "column on phones)."},
            "fields": {"type": "array", "items": {"$ref": "#/$defs/key"}, "maxItems": 500,
                       "description": "The keys of the fields in the section, in order."},
            "spans": {"type": "object", "propertyNames": {"$ref": "#/$defs/key"},
                      "additionalProperties": {"type": "integer", "minimum": 1, "maximum": 4},
                      "maxProperties": 500,
                      "description": "How many of the section's columns a field takes, by "
                                     "key, e.g. `{\"notes\": 3}` for a full row of three "
                                     "columns; 1 when left out, never more than `columns`."},
        },
        "additionalProperties": False,
    }
    tab = {
        "type": "object",
        "properties": {
            "label": {"$ref": "#/$defs/label"},
            "sections": {"type": "array", "items": section, "maxItems": 100},
        },
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {"tabs": {"type": "array", "items": tab, "maxItems": 20}},
        "additionalProperties": False,
    }


def field_schema(field_types: Iterable[FieldTypeSpec]) -> tuple[dict, dict]:
    """The schema of one field entry, and the ``$defs`` of every type's config."""
    types = list(field_types)
    defs = {f"config_{t.type}": t.config_schema for t in types}
    field = {
        "type": "object",
        "required": ["key", "type", "label"],
        "properties": {
            "key": {"$ref": "#/$defs/key"},
            "type": {"enum": [t.type for t in types]},
            "label": {"$ref": "#/$defs/label"},
            "help": {"$ref": "#/$defs/text"},
            "placeholder": {"$ref": "#/$defs/text"},
            "required": {"type": "boolean"},
            "unique": {"type": "boolean"},
            "default": default_schema(),
            "visible_if": {"$ref": "#/$defs/formula"},
            "required_if": {"$ref": "#/$defs/formula"},
            "readonly_if": {"$ref": "#/$defs/formula"},
            "validate": validate_schema(),
            "config": {"type": "object"},
        },
        "additionalProperties": False,
        "allOf": [
            {
                "if": {"properties": {"type": {"const": t.type}}, "required": ["type"]},
                "then": {"properties": {"config": {"$ref": f"#/$defs/config_{t.type}"}}},
            }
            for t in types
        ],
    }
    return field, defs


def permissions_schema() -> dict[str, Any]:
    scope = {"enum": SCOPES}
    role = {
        "type": "object",
        "properties": {
            "create": scope,
            "read": scope,
            "update": scope,
            "delete": scope,
            "hidden_fields": {"type": "array", "items": {"$ref": "#/$defs/key"},
                              "uniqueItems": True},
            "readonly_fields": {"type": "array", "items": {"$ref": "#/$defs/key"},
                                "uniqueItems": True},
        },
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {"roles": {"type": "object", "additionalProperties": role,
                                 "propertyNames": {"$ref": "#/$defs/key"}}},
        "additionalProperties": False,
    }


def capture_schema(channels: Iterable[ChannelSpec]) -> dict[str, Any]:
    """How records arrive from outside, one property per capture channel."""
    return {
        "type": "object",
        "description": "The capture channels the form opens: " + "; ".join(
            f"`{c.key}`: {c.description}" for c in channels),
        "properties": {c.key: c.config_schema for c in channels},
        "additionalProperties": False,
    }


def form_schema(field_types: Iterable[FieldTypeSpec], channels: Iterable[ChannelSpec] = ()
                ) -> dict[str, Any]:
    field, config_defs = field_schema(field_types)
    return {
        "$schema": DIALECT,
        "$id": BASE_ID + "form",
        "title": "Form",
        "description": "A form: its fields become the columns of a real table when published.",
        "type": "object",
        "required": ["kind", "key", "label", "fields"],
        "properties": {
            "kind": {"const": "form"},
            "key": {"$ref": "#/$defs/key"},
            "label": {"$ref": "#/$defs/label"},
            "description": {"$ref": "#/$defs/text"},
            "icon": {"type": "string", "maxLength": 64},
            "title_field": {"$ref": "#/$defs/key"},
            "fields": {"type": "array", "items": {"$ref": "#/$defs/field"}, "maxItems": 500},
            "layout": layout_schema(),
            "cleaning": cleaning_schema(),
            "permissions": {"$ref": "#/$defs/permissions"},
            "capture": capture_schema(list(channels)),
            "identity": identity_schema(),
        },
        "additionalProperties": False,
        "$defs": {**_common_defs(), "field": field, "permissions": permissions_schema(),
                  **config_defs},
    }


def view_schema() -> dict[str, Any]:
    return {
        "$schema": DIALECT,
        "$id": BASE_ID + "view",
        "title": "View",
        "description": "A list of a form's records: columns, sort, filters and page size.",
        "type": "object",
        "required": ["kind", "key", "form", "label"],
        "properties": {
            "kind": {"const": "view"},
            "key": {"$ref": "#/$defs/key"},
            "form": {"$ref": "#/$defs/key"},
            "label": {"$ref": "#/$defs/label"},
            "columns": {"type": "array", "items": {"$ref": "#/$defs/key"}, "uniqueItems": True,
                        "maxItems": 100},
            "sort": {
                "type": "array",
                "maxItems": 5,
                "items": {
                    "type": "object",
                    "required": ["field"],
                    "properties": {"field": {"$ref": "#/$defs/key"},
                                   "direction": {"enum": ["asc", "desc"]}},
                    "additionalProperties": False,
                },
            },
            "filters": {"type": "array", "items": {"$ref": "#/$defs/filter"}, "maxItems": 50},
            "filter": {"$ref": "#/$defs/formula"},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 1000},
        },
        "additionalProperties": False,
        "$defs": {**_common_defs(), "filter": filter_schema()},
    }


FILTER_OPS = ["eq", "ne", "lt", "lte", "gt", "gte", "in", "nin", "contains", "startswith",
              "isnull", "notnull", "flagged", "unflagged"]


def filter_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["field", "op"],
        "properties": {"field": {"$ref": "#/$defs/key"}, "op": {"enum": FILTER_OPS}, "value": {}},
        "additionalProperties": False,
    }


def notify_schema() -> dict[str, Any]:
    """The app document's ``notify``: what a click on a tracked link of an e-mail records."""
    values = {"type": "object", "propertyNames": {"$ref": "#/$defs/key"},
              "additionalProperties": {"type": ["string", "number", "boolean"]},
              "maxProperties": 50}
    clicks = {"type": "object", "required": ["form", "link"], "additionalProperties": False,
              "properties": {"form": {"$ref": "#/$defs/key"}, "link": {"$ref": "#/$defs/key"},
                             "values": values},
              "description": "A click on a tracked link of an e-mail creates a record of "
                             "`form` whose relation field `link` points at the message's "
                             "record (so scoring's behaviour rules can count it); `values`: "
                             "its other fields, where {url}, {subject} and {channel} in a "
                             "text stand for the click's."}
    def happened(what: str, words: str) -> dict[str, Any]:
        return {**clicks, "description": f"{what} creates a record of `form` whose relation "
                                          "field `link` points at the record the message was "
                                          f"about (a rule or a workflow's exit condition can "
                                          f"then see it); `values`: its other fields, where "
                                          f"{words} in a text stand for the message's."}

    return {"type": "object", "additionalProperties": False,
            "properties": {"clicks": clicks,
                           "bounces": happened("A message the receiving server refused for "
                                               "good", "{address}, {subject} and {channel}"),
                           "unsubscribes": happened(
                               "An unsubscribe (once per record the app's messages to the "
                               "address were about, the latest 100)",
                               "{address} and {channel}")},
            "description": "How the app's messages behave."}


def app_schema() -> dict[str, Any]:
    return {
        "$schema": DIALECT,
        "$id": BASE_ID + "app",
        "title": "App",
        "description": "An app: its name and navigation over its forms and views.",
        "type": "object",
        "required": ["kind", "key", "label"],
        "properties": {
            "kind": {"const": "app"},
            "key": {"$ref": "#/$defs/key"},
            "label": {"$ref": "#/$defs/label"},
            "description": {"$ref": "#/$defs/text"},
            "icon": {"type": "string", "maxLength": 64},
            "color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
            "rules": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"max_depth": {
                    "type": "integer", "minimum": 1, "maximum": 12,
                    "description": "How many rules may trigger each other in a chain (8 "
                                   "when left out); a deeper chain is stopped and reported "
                                   "as an incident."}},
                "description": "How the app's rules run.",
            },
            "notify": notify_schema(),
            "todo": todo_schema(),
            "navigation": {
                "type": "array",
                "maxItems": 200,
                "items": {
                    "type": "object",
                    "required": ["form"],
                    "properties": {"form": {"$ref": "#/$defs/key"},
                                   "view": {"$ref": "#/$defs/key"},
                                   "label": {"$ref": "#/$defs/label"}},
                    "additionalProperties": False,
                },
            },
        },
        "additionalProperties": False,
        "$defs": _common_defs(),
    }


def build_schemas(field_types: Iterable[FieldTypeSpec], channels: Iterable[ChannelSpec] = (),
                  actions: Iterable[ActionSpec] = (), nodes: Iterable[NodeSpec] = ()
                  ) -> dict[str, dict[str, Any]]:
    """Every kind's schema, keyed by kind (``actions``: the rule action types; ``nodes``:
    the workflow node types)."""
    return {"app": app_schema(), "form": form_schema(field_types, channels),
            "view": view_schema(),
            "ruleset": ruleset_schema(actions, _common_defs(), DIALECT, BASE_ID),
            "workflow": workflow_schema(nodes, _common_defs(), DIALECT, BASE_ID)}

"""The JSON Schema of the ``workflow`` kind: a graph of typed nodes and edges on a form's
records. Each node type (a registry of the runtime: ``runtime.workflows.nodes``) contributes
the schema of its own ``config``, selected by an ``if``/``then`` on the node's ``type``, so
errors point inside the node."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol


class NodeSpec(Protocol):
    type: str
    description: str
    config_schema: dict[str, Any]


def _node_schema(nodes: list[NodeSpec]) -> tuple[dict, dict]:
    defs = {f"node_{n.type}": n.config_schema for n in nodes}
    node = {
        "type": "object",
        "required": ["key", "type"],
        "additionalProperties": False,
        "properties": {
            "key": {"$ref": "#/$defs/key"},
            "type": {"enum": [n.type for n in nodes]},
            "label": {"$ref": "#/$defs/label"},
            "description": {"$ref": "#/$defs/text"},
            "config": {"type": "object"},
            "position": {"type": "object", "additionalProperties": False,
                         "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
                         "description": "Where the designer draws the node."},
        },
        "allOf": [{"if": {"properties": {"type": {"const": n.type}}, "required": ["type"]},
                   "then": {"properties": {"config": {"$ref": f"#/$defs/node_{n.type}"}},
                            # a type with required options needs its config
                            **({"required": ["config"]} if n.config_schema.get("required")
                               else {})}}
                  for n in nodes],
        "description": "A node: " + "; ".join(f"`{n.type}`: {n.description}" for n in nodes),
    }
    return node, defs


EDGE = {
    "type": "object",
    "required": ["from", "to"],
    "additionalProperties": False,
    "properties": {
        "from": {"$ref": "#/$defs/key"}, "to": {"$ref": "#/$defs/key"},
        "on": {"$ref": "#/$defs/key", "description": "The outcome of the node it leaves "
                                                     "(approved, rejected, timeout, ...)."},
        "when": {"$ref": "#/$defs/formula", "description": "TRUE/FALSE over the record."},
        "default": {"type": "boolean", "description": "A condition's edge taken when no "
                                                      "other holds."},
        "label": {"$ref": "#/$defs/label"},
    },
}


def workflow_schema(nodes: Iterable[NodeSpec], common: dict[str, Any], dialect: str,
                    base_id: str) -> dict[str, Any]:
    node, defs = _node_schema(list(nodes))
    return {
        "$schema": dialect,
        "$id": base_id + "workflow",
        "title": "Workflow",
        "description": "A durable workflow on a form's records: typed nodes and edges.",
        "type": "object",
        "required": ["kind", "key", "form", "label", "nodes", "edges"],
        "additionalProperties": False,
        "properties": {
            "kind": {"const": "workflow"},
            "key": {"$ref": "#/$defs/key"},
            "form": {"$ref": "#/$defs/key"},
            "label": {"$ref": "#/$defs/label"},
            "description": {"$ref": "#/$defs/text"},
            "enabled": {"type": "boolean"},
            "multiple": {"type": "boolean", "description": "Several instances may run on one "
                                                           "record at once (false: one)."},
            "on_merge": {"enum": ["follow", "cancel"],
                         "description": "When identity resolution merges the record into "
                                        "another: follow (the default: the instance goes on "
                                        "with that record) or cancel."},
            "exit": {"type": "array", "maxItems": 20, "items": {
                "type": "object", "required": ["when"], "additionalProperties": False,
                "properties": {"when": {"$ref": "#/$defs/formula"},
                               "label": {"$ref": "#/$defs/label"}}},
                "description": "Conditions that end a running instance at once when the "
                               "record comes to meet them (a score reaching a threshold)."},
            "nodes": {"type": "array", "items": {"$ref": "#/$defs/node"}, "minItems": 1,
                      "maxItems": 500},
            "edges": {"type": "array", "items": {"$ref": "#/$defs/edge"}, "maxItems": 2000},
        },
        "$defs": {**common, "node": node, "edge": EDGE, **defs},
    }

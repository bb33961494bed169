"""The JSON Schema of the ``ruleset`` kind: a form's rules, scoring models and decision tables.

Each action type (a registry of the runtime: ``runtime.rules.actions``) contributes the schema
of its own options; a rule's action selects it with an ``if``/``then`` on the action's
``type``, as a form's field selects its type's config, so errors point inside the action.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

TRIGGERS = ("created", "updated", "field_changed", "related_created", "schedule", "threshold",
            "manual")
HIT_POLICIES = ("unique", "any", "first", "priority", "rule_order", "output_order", "collect")
AGGREGATIONS = ("sum", "min", "max", "count")
EVERY = ("hourly", "daily", "weekly")
TIME = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
POINTS = {"type": "number", "minimum": -100000, "maximum": 100000}


class ActionSpec(Protocol):
    """A rule action type: its key, what it does, and the JSON Schema of its options."""

    type: str
    description: str
    config_schema: dict[str, Any]


def _trigger_schema() -> dict[str, Any]:
    options = _trigger_options()
    return _trigger_object(options)


def _trigger_options() -> dict[str, dict]:
    return {
        "field_changed": {"required": ["fields"], "properties": {
            "fields": {"type": "array", "items": {"$ref": "#/$defs/key"}, "minItems": 1,
                       "maxItems": 50, "uniqueItems": True,
                       "description": "The rule runs when any of these fields changes."}}},
        "related_created": {"required": ["form"], "properties": {
            "form": {"$ref": "#/$defs/key", "description": "The related form (e.g. activity)."},
            "link": {"$ref": "#/$defs/key",
                     "description": "Its relation field pointing at this form (needed only "
                                    "when it has several)."}}},
        "schedule": {"properties": {
            "every": {"enum": list(EVERY)},
            "at": {"type": "string", "pattern": TIME,
                   "description": "HH:MM on the installation's clock (daily, weekly)."},
            "weekday": {"type": "integer", "minimum": 1, "maximum": 7,
                        "description": "1 = Monday (weekly)."},
            "cron": {"type": "string", "minLength": 1, "maxLength": 100,
                     "description": "Five cron fields (minute hour day month weekday), "
                                    "instead of every/at."}}},
        "threshold": {"required": ["model", "threshold"], "properties": {
            "model": {"$ref": "#/$defs/key"},
            "threshold": {"$ref": "#/$defs/key"},
            "direction": {"enum": ["up", "down", "both"],
                          "description": "up (the default): the score reaches the threshold; "
                                         "down: it falls out of it."}}},
    }


def _trigger_object(options: dict[str, dict]) -> dict[str, Any]:
    known = {k: v for o in options.values() for k, v in o["properties"].items()}
    # an option of another trigger (fields on a created trigger): the semantic checks name it
    return {
        "type": "object",
        "required": ["on"],
        "description": "When the rule is considered.",
        "properties": {"on": {"enum": list(TRIGGERS)}, **dict(sorted(known.items()))},
        "additionalProperties": False,
        "allOf": [{"if": {"properties": {"on": {"const": on}}, "required": ["on"]},
                   "then": {"required": spec["required"]}}
                  for on, spec in options.items() if spec.get("required")],
    }


def trigger_options(on: str) -> frozenset[str]:
    """The options a trigger of kind ``on`` takes besides ``on``."""
    spec = _trigger_options().get(on)
    return frozenset(spec["properties"]) if spec else frozenset()


def _action_schema(actions: list[ActionSpec]) -> tuple[dict, dict]:
    defs = {f"action_{a.type}": a.config_schema for a in actions}
    action = {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": [a.type for a in actions]}},
        "allOf": [{"if": {"properties": {"type": {"const": a.type}}, "required": ["type"]},
                   "then": {"$ref": f"#/$defs/action_{a.type}"}} for a in actions],
        "description": "An action: " + "; ".join(f"`{a.type}`: {a.description}"
                                                 for a in actions),
    }
    return action, defs


def _rule_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["key", "trigger"],
        "properties": {
            "key": {"$ref": "#/$defs/key"},
            "label": {"$ref": "#/$defs/label"},
            "description": {"$ref": "#/$defs/text"},
            "enabled": {"type": "boolean", "description": "false: the rule is kept but never "
                                                          "runs (true when left out)."},
            "trigger": {"$ref": "#/$defs/trigger"},
            "condition": {"$ref": "#/$defs/formula",
                          "description": "TRUE/FALSE over the record; {old.<field>} is the "
                                         "value before the write (updated, field_changed)."},
            "actions": {"type": "array", "items": {"$ref": "#/$defs/action"}, "maxItems": 20},
            "stop": {"type": "boolean", "description": "When this rule matches, the rules "
                                                       "after it are not considered."},
        },
        "additionalProperties": False,
    }


def _scoring_schema() -> dict[str, Any]:
    cap = {"type": "number", "minimum": 0, "maximum": 100000}
    attribute = {"type": "object", "required": ["key"], "additionalProperties": False,
                 "properties": {"key": {"$ref": "#/$defs/key"}, "label": {"$ref": "#/$defs/label"},
                                "when": {"$ref": "#/$defs/formula"}, "points": POINTS,
                                "table": {"$ref": "#/$defs/key"},
                                "output": {"$ref": "#/$defs/key"}},
                 "description": "Points while the record is so: `when` + `points`, or the "
                                "points a decision `table` gives (its `output` column)."}
    behaviour = {"type": "object", "required": ["key", "form", "points"],
                 "additionalProperties": False,
                 "properties": {"key": {"$ref": "#/$defs/key"}, "label": {"$ref": "#/$defs/label"},
                                "form": {"$ref": "#/$defs/key"}, "link": {"$ref": "#/$defs/key"},
                                "when": {"$ref": "#/$defs/formula"}, "points": POINTS,
                                "cap": cap},
                 "description": "Points for each related record (an event) of `form` that "
                                "`when` accepts; `cap`: at most this many points in all."}
    threshold = {"type": "object", "required": ["key"], "additionalProperties": False,
                 "properties": {"key": {"$ref": "#/$defs/key"}, "label": {"$ref": "#/$defs/label"},
                                "min": {"type": "number"}, "max": {"type": "number"},
                                "stage": {"type": ["string", "null"], "maxLength": 100}}}
    decay = {"type": "object", "required": ["every_days"], "additionalProperties": False,
             "properties": {"every_days": {"type": "integer", "minimum": 1, "maximum": 3650},
                            "points": POINTS,
                            "percent": {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
                            "since": {"$ref": "#/$defs/key"}},
             "description": "Every `every_days` days without an interaction (`since`: a date "
                            "field; else the last behaviour point), add `points` (negative) or "
                            "take off `percent` of the score."}
    return {
        "type": "object",
        "required": ["key", "field"],
        "additionalProperties": False,
        "properties": {
            "key": {"$ref": "#/$defs/key"}, "label": {"$ref": "#/$defs/label"},
            "field": {"$ref": "#/$defs/key", "description": "The number field holding the score."},
            "stage_field": {"$ref": "#/$defs/key"},
            "min": {"type": "number"}, "max": {"type": "number"},
            "attributes": {"type": "array", "items": attribute, "maxItems": 200},
            "behaviours": {"type": "array", "items": behaviour, "maxItems": 200},
            "decay": decay,
            "thresholds": {"type": "array", "items": threshold, "maxItems": 20},
        },
    }


def _table_schema() -> dict[str, Any]:
    value = {"type": ["string", "number", "boolean", "null"]}
    cell = {"anyOf": [value, {"type": "object", "required": ["formula"], "additionalProperties":
                              False, "properties": {"formula": {"$ref": "#/$defs/formula"}}}]}
    column = {"key": {"$ref": "#/$defs/key"}, "label": {"$ref": "#/$defs/label"}}
    return {
        "type": "object",
        "required": ["key", "inputs", "outputs", "rows"],
        "additionalProperties": False,
        "properties": {
            "key": {"$ref": "#/$defs/key"}, "label": {"$ref": "#/$defs/label"},
            "hit_policy": {"enum": list(HIT_POLICIES)},
            "aggregation": {"enum": list(AGGREGATIONS)},
            "inputs": {"type": "array", "minItems": 1, "maxItems": 20, "items": {
                "type": "object", "required": ["key"], "additionalProperties": False,
                "properties": {**column, "field": {"$ref": "#/$defs/key"},
                               "formula": {"$ref": "#/$defs/formula"},
                               "table": {"$ref": "#/$defs/key"}, "output": {"$ref": "#/$defs/key"},
                               "values": {"type": "array", "items": value, "maxItems": 500}}}},
            "outputs": {"type": "array", "minItems": 1, "maxItems": 20, "items": {
                "type": "object", "required": ["key"], "additionalProperties": False,
                "properties": {**column, "values": {"type": "array", "items": value,
                                                    "maxItems": 500}}}},
            "rows": {"type": "array", "maxItems": 2000, "items": {
                "type": "object", "additionalProperties": False,
                "properties": {"when": {"type": "array", "items": value, "maxItems": 20},
                               "then": {"type": "array", "items": cell, "maxItems": 20},
                               "note": {"$ref": "#/$defs/text"}}}},
        },
    }


def ruleset_schema(actions: Iterable[ActionSpec], common: dict[str, Any],
                   dialect: str, base_id: str) -> dict[str, Any]:
    action, action_defs = _action_schema(list(actions))
    return {
        "$schema": dialect,
        "$id": base_id + "ruleset",
        "title": "Ruleset",
        "description": "A form's rules (trigger, condition, actions), scoring models and "
                       "decision tables.",
        "type": "object",
        "required": ["kind", "key", "form", "label"],
        "properties": {
            "kind": {"const": "ruleset"},
            "key": {"$ref": "#/$defs/key"},
            "form": {"$ref": "#/$defs/key"},
            "label": {"$ref": "#/$defs/label"},
            "description": {"$ref": "#/$defs/text"},
            "enabled": {"type": "boolean"},
            "stop_after_first_match": {"type": "boolean"},
            "rules": {"type": "array", "items": {"$ref": "#/$defs/rule"}, "maxItems": 500},
            "scoring": {"type": "array", "items": {"$ref": "#/$defs/score_model"},
                        "maxItems": 10},
            "tables": {"type": "array", "items": {"$ref": "#/$defs/decision_table"},
                       "maxItems": 50},
        },
        "additionalProperties": False,
        "$defs": {**common, "rule": _rule_schema(), "trigger": _trigger_schema(),
                  "action": action, "score_model": _scoring_schema(),
                  "decision_table": _table_schema(), **action_defs},
    }

"""The ``todo`` settings of an app document: how its tasks rank in each person's to-do list
(a priority formula per form, worked out on the record when the list is read), the hints
shown with them (the first rule whose conditions hold, its text filled from the record), and
the form a logged follow-up becomes a record of."""

from __future__ import annotations

from typing import Any

KEY = {"$ref": "#/$defs/key"}
FORMULA = {"$ref": "#/$defs/formula"}

RELATED = {
    "type": "object",
    "required": ["form", "link", "days"],
    "properties": {
        "form": KEY, "link": KEY, "when": FORMULA,
        "days": {"type": "integer", "minimum": 1, "maximum": 366},
        "per": {"enum": ["record", "day"],
                "description": "count the related records (record), or the days with one "
                               "(day, on the installation's calendar)"},
        "min": {"type": "integer", "minimum": 1, "maximum": 100000}},
    "additionalProperties": False,
    "description": "records of `form` whose relation field `link` points at the task's record, "
                   "created in the last `days` days and meeting `when`: at least `min` (1) of "
                   "them (or of days with one); `{related}` in the text is the count",
}

HINT = {
    "type": "object",
    "required": ["form", "text"],
    "properties": {"form": KEY, "when": FORMULA, "related": RELATED,
                   "text": {"$ref": "#/$defs/label"}},
    "additionalProperties": False,
    "description": "a hint for tasks on records of `form`: shown when `when` holds on the "
                   "record and the `related` count is reached; `{field}` and `{related}` in "
                   "the text are filled in",
}


def todo_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "description": "The to-do list: tasks rank overdue first, then by priority (higher "
                       "first), then by due time.",
        "properties": {
            "priority": {"type": "object", "maxProperties": 100,
                         "propertyNames": {"pattern": "^[a-z][a-z0-9_]{0,62}$"},
                         "additionalProperties": FORMULA,
                         "description": "a number formula per form key, over the record "
                                        "(e.g. {score}); without one, the task node's"},
            "hints": {"type": "array", "maxItems": 50, "items": HINT},
            "follow_up": {
                "type": "object", "required": ["form", "link", "note"],
                "properties": {"form": KEY, "link": KEY, "note": KEY,
                               "values": {"type": "object", "maxProperties": 20}},
                "additionalProperties": False,
                "description": "a follow-up logged from the to-do list becomes a record of "
                               "`form` linked to the task's record by its relation field "
                               "`link`, the text in `note`, plus fixed `values`"},
        },
    }

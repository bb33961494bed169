"""A contract every rule action type keeps: a valid JSON Schema of its options naming its own
type, a description, a place in the metadata reference, and options the ruleset schema takes."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from runtime.rules.actions import build_action_registry

ROOT = Path(__file__).resolve().parents[4]
ACTIONS = list(build_action_registry())


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.type)
def test_the_options_schema_is_valid_and_names_the_type(action):
    Draft202012Validator.check_schema(action.config_schema)
    assert action.config_schema["properties"]["type"] == {"const": action.type}
    assert action.config_schema["additionalProperties"] is False
    assert action.description


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.type)
def test_every_action_type_is_documented(action):
    assert f"#### Action `{action.type}`" in (ROOT / "docs" / "metadata.md").read_text("utf-8")


def test_sync_actions_are_the_ones_the_write_waits_for():
    assert {a.type for a in ACTIONS if a.sync} == {"set_fields", "add_points", "assign"}

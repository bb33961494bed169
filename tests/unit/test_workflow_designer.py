"""Pure parts of the workflow designer: the control each config option gets from its JSON
Schema, and the diff of a workflow's edges (matched by where they go, not by position)."""

from __future__ import annotations

from builder.workflows_vm import control
from metadata.diff import diff
from runtime.workflows.nodes.human import ApprovalNode
from runtime.workflows.nodes.wait import WaitNode


def test_options_get_controls_from_their_schema():
    approval = ApprovalNode.config_schema["properties"]
    assert control("assignees", approval["assignees"])["kind"] == "recipients"
    assert control("due", approval["due"]) == {"kind": "duration"}
    assert control("mode", approval["mode"]) == {"kind": "select", "options": ["any", "all"]}
    assert control("hint", approval["hint"]) == {"kind": "formula"}
    assert control("title", approval["title"]) == {"kind": "label"}
    assert control("editable", approval["editable"]) == {"kind": "fields"}
    wait = WaitNode.config_schema["properties"]
    assert control("until_field", wait["until_field"]) == {"kind": "pick", "from": "date_fields"}
    assert control("template", {"$ref": "#/$defs/key"}) == {"kind": "string"}


def test_edges_are_matched_by_where_they_go():
    old = {"edges": [{"from": "a", "to": "b"}, {"from": "b", "to": "c"}]}
    new = {"edges": [{"from": "b", "to": "c", "when": "TRUE"}, {"from": "a", "to": "b"}]}
    changes = diff(old, new)
    assert {"op": "added", "path": "/edges/0/when", "new": "TRUE"} in changes
    assert {"op": "moved", "path": "/edges/1", "from": "/edges/0"} in changes
    removed = diff(old, {"edges": [{"from": "a", "to": "b"}]})
    assert removed == [{"op": "removed", "path": "/edges/1", "old": {"from": "b", "to": "c"}}]

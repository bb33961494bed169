"""The checks at save, each problem at the path of its node or edge: one trigger, reachable
nodes, paths that end, joins that match splits, cycles with a wait, outcomes with edges,
formulas typed, fields and assignees that exist; and every node type's contract."""

from __future__ import annotations

import pytest

from metadata.schemas import build_schemas
from runtime.workflows.nodes import NODE_TYPES
from tests.unit.runtime.workflows.support import (
    FIELDS,
    NODES,
    edge,
    node,
    nurture,
    problems,
    workflow,
)


def test_the_nurture_track_is_valid():
    assert problems(nurture()) == []


def test_exactly_one_trigger():
    doc = workflow([node("a", "trigger", on="created"), node("b", "trigger", on="manual"),
                    node("e", "end")], [edge("a", "e"), edge("b", "e")])
    assert problems(doc) == [("/nodes", "a workflow has exactly one trigger node (it has 2)")]


def test_unreachable_nodes_and_paths_that_do_not_end():
    doc = workflow([node("s", "trigger", on="created"), node("w", "wait",
                                                              duration={"days": 1}),
                    node("lost", "end"), node("e", "end")],
                   [edge("s", "w"), edge("s", "e")])
    found = problems(doc)
    assert ("/nodes/2", "node 'lost' cannot be reached from the trigger") in found
    assert ("/nodes/1", "no edge leaves node 'w': connect it on to an end node") in found


def test_edges_name_nodes_and_outcomes_that_exist():
    doc = workflow([node("s", "trigger", on="created"), node("e", "end")],
                   [edge("s", "x"), edge("s", "e", on="approved")])
    assert problems(doc) == [
        ("/edges/0/to", "'x' is not a node of this workflow"),
        ("/edges/1/on", "a trigger node has no outcome 'approved' (it has: next)")]


def test_an_approval_needs_edges_for_approved_and_rejected():
    doc = workflow([node("s", "trigger", on="created"),
                    node("ok", "approval", assignees=[{"role": "manager"}]),
                    node("e", "end")], [edge("s", "ok"), edge("ok", "e")])
    assert problems(doc) == [("/nodes/1", "no edge takes the 'rejected' outcome of node "
                                          "'ok'")]


def test_a_join_must_match_a_split():
    doc = workflow([node("s", "trigger", on="created"), node("c", "condition"),
                    node("a", "update_record", values={"note": '"a"'}),
                    node("b", "update_record", values={"note": '"b"'}),
                    node("j", "parallel_join"), node("e", "end")],
                   [edge("s", "c"), edge("c", "a", when="{score} > 1"),
                    edge("c", "b", default=True), edge("a", "j"), edge("b", "j"),
                    edge("j", "e")])
    assert [p for p, _m in problems(doc)] == ["/nodes/4"]


def test_a_cycle_without_a_wait_is_refused_and_one_with_a_wait_is_not():
    loop = workflow([node("s", "trigger", on="created"), node("c", "condition"),
                     node("u", "update_record", values={"note": '"again"'}),
                     node("e", "end")],
                    [edge("s", "c"), edge("c", "u", when="{score} < 10"),
                     edge("c", "e", default=True), edge("u", "c")])
    assert any("has no wait" in m for _p, m in problems(loop))
    loop["nodes"][2] = node("u", "wait", duration={"days": 1})
    assert problems(loop) == []


def test_formulas_fields_and_assignees_are_checked_where_they_are():
    doc = workflow([node("s", "trigger", on="created", when="{nope} > 1"),
                    node("m", "send_message", to=[{"field": "name"}], title="hi"),
                    node("u", "update_record", values={"missing": "1"}),
                    node("e", "end")],
                   [edge("s", "m"), edge("m", "u"), edge("u", "e")])
    found = dict(problems(doc))
    assert set(found) == {"/nodes/1/config/to/0/field", "/nodes/2/config/values/missing"}
    doc["nodes"][1]["config"]["to"] = [{"field": "rep"}]
    doc["nodes"][2]["config"]["values"] = {"score": '"text"'}
    paths = [p for p, _m in problems(doc)]
    assert paths == ["/nodes/0/config/when", "/nodes/2/config/values/score"]


def test_the_schema_names_unknown_options_inside_the_node():
    from metadata.checks import Validators

    validators = Validators(build_schemas(FIELDS, (), (), NODES))
    doc = nurture()
    doc["nodes"][2]["config"]["weeks"] = 2
    found = validators.schema_problems("workflow", doc)
    assert [(p.path, p.message) for p in found] == [("/nodes/2/config/weeks",
                                                     "unknown property 'weeks'")]


@pytest.mark.parametrize("cls", NODE_TYPES, ids=lambda c: c.type)
def test_every_node_type_has_a_described_closed_config(cls):
    kind = cls()
    assert kind.type and kind.description
    assert kind.config_schema["type"] == "object"
    assert kind.config_schema["additionalProperties"] is False
    assert kind.ends == (kind.outcomes == ())

"""Which record events the workflows' consumer is owed, per form."""

from __future__ import annotations

import pytest

from runtime.workflows.interest import STARTS, needs
from tests.unit.runtime.workflows.support import NODES, node


def body(on: str, *more: dict, **extra) -> dict:
    return {"key": "w", "form": "lead", "nodes": [node("start", "trigger", on=on), *more,
                                                  node("end", "end")], **extra}


def test_a_manual_workflow_needs_only_deletes():
    assert needs([("crm", 1, 1, body("manual"))], NODES) == {
        ("crm", "lead"): frozenset({"delete", "merge"})}


@pytest.mark.parametrize("on", sorted(STARTS))
def test_the_published_trigger_names_what_starts_it(on):
    wanted = {"delete", "merge", *STARTS[on]}
    assert needs([("crm", 1, 1, body(on))], NODES)[("crm", "lead")] == wanted


def test_an_older_version_keeps_its_listeners_but_not_its_trigger():
    old = body("created", node("hold", "wait", until="{score} > 80"))
    new = body("manual")
    assert needs([("crm", 2, 1, old), ("crm", 2, 2, new)], NODES)[("crm", "lead")] == {
        "delete", "merge", "update"}


def test_exit_conditions_need_updates_and_a_disabled_workflow_starts_nothing():
    exits = body("created", exit=[{"when": "{stage} = \"sql\""}], enabled=False)
    assert needs([("crm", 1, 1, exits)], NODES)[("crm", "lead")] == {"delete", "merge", "update"}


def test_a_wait_for_a_time_does_not_listen():
    waits = body("manual", node("pause", "wait", duration={"days": 1}))
    assert needs([("crm", 1, 1, waits)], NODES)[("crm", "lead")] == {"delete", "merge"}

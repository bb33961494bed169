"""A worker's job does a step and the steps it owes in one transaction (the chain); a chain
that fails is undone and done again a step per transaction, so the failing step alone is
retried; a step that calls outside the database ends the chain before it."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

import runtime.workflows.runner as runner_module
from runtime.workflows.effects import Effects
from runtime.workflows.runner import Runner
from tests.integration.helpers import rows
from tests.integration.rules_executor_support import LEAD
from tests.integration.workflows_support import T0, edge, lead_app, node, publish, workflow


@pytest.fixture
def crm(admin_api, factory, runtime):
    return lead_app(admin_api, factory, runtime)


@pytest.fixture
def launched(monkeypatch):
    """The steps handed to the queue."""
    handed: list[str] = []
    monkeypatch.setattr(runner_module, "launcher", lambda rt: handed.extend)
    return handed


def two_updates(middle: dict) -> dict:
    return workflow("chain", [node("start", "trigger", on="manual"),
                              node("first", "update_record", values={"note": '"one"'}),
                              middle, node("end", "end")],
                    [edge("start", "first"), edge("first", middle["key"]),
                     edge(middle["key"], "end")])


def started(api, runtime) -> int:
    lead = api.create("crm", "lead", {"name": "链"})
    api.ok("POST", "/apps/crm/workflows/chain/start", 201, json={"record_id": lead["id"]})
    [step] = rows(runtime, "SELECT id FROM workflow_steps WHERE status = 'pending'")
    return lead["id"], step["id"]


def done_steps(runtime) -> Counter:
    return Counter(r["node"] for r in rows(runtime, "SELECT node FROM workflow_steps "
                                                    "WHERE status = 'done'"))


def test_a_job_runs_the_instance_to_its_end_in_one_go(crm, runtime, launched):
    publish(crm, two_updates(node("second", "update_record", values={"counter": "7"})))
    lead, step = started(crm, runtime)
    out = Runner(runtime, chain=True).run(step, T0)
    assert "and 3 step(s) after it" in out and launched == []
    assert done_steps(runtime) == Counter(start=1, first=1, second=1, end=1)
    record = crm.ok("GET", f"{LEAD}/{lead}")
    assert (record["note"], record["counter"]) == ("one", 7)
    assert rows(runtime, "SELECT status FROM workflow_instances")[0]["status"] == "completed"


def test_a_failing_step_in_the_chain_is_retried_alone(crm, runtime, launched, monkeypatch):
    publish(crm, two_updates(node("second", "update_record", values={"counter": "7"})))
    lead, step = started(crm, runtime)
    real = Effects.update_record

    def failing(self, step, details):
        if step.node == "second":
            raise RuntimeError("the database went away")
        return real(self, step, details)

    monkeypatch.setattr(Effects, "update_record", failing)
    Runner(runtime, chain=True).run(step, T0)
    assert done_steps(runtime) == Counter(start=1, first=1)  # done once, kept
    [second] = rows(runtime, "SELECT status, attempts, error FROM workflow_steps "
                             "WHERE node = 'second'")
    assert (second["status"], second["attempts"]) == ("pending", 1)
    assert "the database went away" in second["error"]
    assert crm.ok("GET", f"{LEAD}/{lead}")["note"] == "one"
    monkeypatch.setattr(Effects, "update_record", real)
    [again] = rows(runtime, "SELECT id FROM workflow_steps WHERE node = 'second'")
    runtime.clock.set(T0 + timedelta(minutes=1))  # after its backoff
    Runner(runtime, chain=True).run(again["id"], runtime.clock.now())
    assert done_steps(runtime) == Counter(start=1, first=1, second=1, end=1)
    audit = rows(runtime, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'update' AND "
                          "record_id = :r", r=lead)
    assert audit[0]["n"] == 2  # one write per update step, none from the undone chain


def test_a_call_outside_ends_the_chain_before_it(crm, runtime, launched):
    publish(crm, two_updates(node("call", "call_webhook", url="https://hooks.example.com/x")))
    _lead, step = started(crm, runtime)
    Runner(runtime, chain=True).run(step, T0)
    assert done_steps(runtime) == Counter(start=1, first=1)
    [call] = rows(runtime, "SELECT id, instance_id, status, attempts FROM workflow_steps "
                           "WHERE node = 'call'")
    assert (call["status"], call["attempts"]) == ("pending", 0)  # not tried: handed out
    assert launched == [f"{call['instance_id']}-{call['id']}-0"]

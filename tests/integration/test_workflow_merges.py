"""Workflows and identity resolution: when a record is merged into another, its running
instances go on with the record it was merged into (their open tasks too); when that record
runs the same workflow already, the merged one's instance ends, saying why."""

from __future__ import annotations

import pytest

from tests.integration.helpers import field, form_doc, publish, rows
from tests.integration.workflows_support import DAY, T0, edge, instances, node, tick, workflow
from tests.integration.workflows_support import publish as publish_workflow

BASE = "/apps/crm/forms/lead/records"


@pytest.fixture
def crm(admin_api, factory, runtime):
    runtime.clock.set(T0)
    factory.app_doc(admin_api)
    publish(admin_api, form_doc("lead", [field("name"), field("phone", "phone"),
                                         field("email", "email"), field("note")],
                                identity={"match": [{"key": "phone", "fields": ["phone"]},
                                                    {"key": "email", "fields": ["email"]}]}))
    publish_workflow(admin_api, track())
    return admin_api


def track(**extra) -> dict:
    return workflow(
        "track", [node("start", "trigger", on="manual"),
                  node("call", "task", assignees=[{"field": "owner"}], title="回访 {name}"),
                  node("mark", "update_record", values={"note": '"called"'}),
                  node("end", "end")],
        [edge("start", "call"), edge("call", "mark"), edge("mark", "end")], **extra)


def start(api, record_id: int) -> None:
    api.ok("POST", "/apps/crm/workflows/track/start", 201, json={"record_id": record_id})


def test_an_instance_follows_its_record_into_the_one_it_was_merged_into(crm, runtime):
    kept = crm.ok("POST", BASE, 201, json={"name": "王伟", "phone": "13800138000"})
    merged = crm.ok("POST", BASE, 201, json={"name": "W", "email": "w@example.com"})
    start(crm, merged["id"])
    tick(runtime, T0 + DAY / 24)
    crm.ok("POST", BASE, 200, json={"phone": "13800138000", "email": "w@example.com"})
    tick(runtime, T0 + DAY / 12)  # the merge's event delivered
    [one] = instances(crm, "track")
    assert (one["record"]["id"], one["status"]) == (kept["id"], "running")
    [task] = crm.ok("GET", "/todo")["tasks"]
    assert task["record"]["id"] == kept["id"]
    crm.ok("POST", f"/tasks/{task['id']}/complete")
    tick(runtime, T0 + DAY / 6)
    assert crm.ok("GET", f"{BASE}/{kept['id']}")["note"] == "called"
    assert instances(crm, "track")[0]["status"] == "completed"


def test_a_record_running_the_workflow_already_keeps_its_own(crm, runtime):
    kept = crm.ok("POST", BASE, 201, json={"name": "王伟", "phone": "13800138000"})
    merged = crm.ok("POST", BASE, 201, json={"name": "W", "email": "w@example.com"})
    start(crm, kept["id"])
    start(crm, merged["id"])
    tick(runtime, T0 + DAY / 24)
    crm.ok("POST", BASE, 200, json={"phone": "13800138000", "email": "w@example.com"})
    tick(runtime, T0 + DAY / 12)
    found = {i["record"]["id"]: i["status"] for i in instances(crm, "track")}
    assert found == {kept["id"]: "running", merged["id"]: "cancelled"}
    [reason] = rows(runtime, "SELECT reason FROM workflow_instances WHERE status = "
                             "'cancelled'")
    assert f"merged into #{kept['id']}" in reason["reason"]
    assert [t["record"]["id"] for t in crm.ok("GET", "/todo")["tasks"]] == [kept["id"]]


def test_a_workflow_may_end_its_instances_on_a_merge_instead(crm, runtime):
    publish_workflow(crm, track(on_merge="cancel"))
    kept = crm.ok("POST", BASE, 201, json={"name": "王伟", "phone": "13800138000"})
    merged = crm.ok("POST", BASE, 201, json={"name": "W", "email": "w@example.com"})
    start(crm, merged["id"])
    tick(runtime, T0 + DAY / 24)
    crm.ok("POST", BASE, 200, json={"phone": "13800138000", "email": "w@example.com"})
    tick(runtime, T0 + DAY / 12)
    [one] = instances(crm, "track")
    assert (one["record"]["id"], one["status"]) == (merged["id"], "cancelled")
    assert crm.ok("GET", "/todo")["tasks"] == [] and kept["id"] != merged["id"]

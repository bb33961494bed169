"""The workflow designer's pages (builder/workflows.py): an app's workflows (created from the
page, linked from the builder home, published version badges), the designer printing the
draft and what its scripts need (every node type of the registry with its name, icon and the
controls of its config schema), the instance view, the history of a workflow, and the
simulation: the draft run in memory with a virtual clock — timers, approvals decided as asked,
a condition's edges, effects in words — nothing written."""

from __future__ import annotations

import html as htmllib
import json
import re

import pytest

from builder.workflows_vm import control
from runtime.workflows.nodes import NODE_TYPES
from tests.integration.helpers import logged_in, rows
from tests.integration.rules_executor_support import activity_form, lead_form
from tests.integration.workflows_support import T0, WORKFLOWS, edge, node, nurture, workflow


@pytest.fixture
def crm(admin_api, factory, runtime):
    runtime.clock.set(T0)
    factory.app_doc(admin_api)
    factory.form(admin_api, lead_form())
    factory.form(admin_api, activity_form())
    factory.user("eve@example.com", ["designer"], locale="en")
    factory.user("zoe@example.com", ["designer"], locale="zh")
    factory.user("mo@example.com", ["member"], locale="en")
    return admin_api


def data_of(page: str, name: str) -> dict:
    found = re.search(name + r'="([^"]*)"', page)
    return json.loads(htmllib.unescape(found.group(1)))


def approval_flow() -> dict:
    return workflow("approve", [
        node("start", "trigger", on="created"),
        node("check", "condition"),
        node("ok", "approval", assignees=[{"field": "owner"}], title="批准 {name}",
             due={"days": 2}),
        node("mark", "update_record", values={"stage": '"sql"'}),
        node("wait", "wait", duration={"days": 3}),
        node("tell", "send_message", to=[{"field": "owner"}], title="Hello {name}"),
        node("no", "end", status="rejected"), node("end", "end")],
        [edge("start", "check"), edge("check", "ok", when="{employees} > 100"),
         edge("check", "tell", default=True), edge("ok", "mark", on="approved"),
         edge("ok", "no", on="rejected"), edge("mark", "wait"), edge("wait", "tell"),
         edge("tell", "end")])


def test_the_list_creates_a_workflow_that_checks_and_shows_its_version(crm, app):
    client = logged_in(app, "eve@example.com")
    home = client.get("/build/").get_data(True)
    assert 'href="/build/crm/workflows"' in home
    page = client.get("/build/crm/workflows").get_data(True)
    assert "data-empty" in page and '<option value="lead">' in page
    answer = client.post("/build/crm/workflows/new", data={"form": "lead", "label": "培育"})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/build/crm/workflows/lead_flow")
    doc = crm.ok("GET", f"{WORKFLOWS}/lead_flow")
    assert [n["type"] for n in doc["nodes"]] == ["trigger", "end"]
    assert doc["label"] == {"en": "培育"} and doc["nodes"][0]["position"] == {"x": 220, "y": 40}
    crm.ok("POST", f"{WORKFLOWS}/lead_flow/publish")
    listing = client.get("/build/crm/workflows").get_data(True)
    assert "published version 1" in listing and 'data-workflow="lead_flow"' in listing
    assert client.post("/build/crm/workflows/new", data={"form": "nope"}).status_code == 404
    assert logged_in(app, "mo@example.com").get("/build/crm/workflows").status_code == 403


def test_the_designer_prints_every_node_type_with_controls_from_its_schema(crm, app):
    crm.ok("PUT", f"{WORKFLOWS}/approve", json=approval_flow())
    text = logged_in(app, "zoe@example.com").get("/build/crm/workflows/approve").get_data(True)
    assert data_of(text, "data-doc") == crm.ok("GET", f"{WORKFLOWS}/approve")
    config = data_of(text, "data-config")
    palette = {p["type"]: p for p in config["palette"]}
    assert list(palette) == [t.type for t in NODE_TYPES]
    assert (palette["approval"]["label"], palette["wait"]["label"]) == ("审批", "等待")
    assert all(p["icon"] != "•" for p in palette.values())
    options = {o["name"]: o for o in palette["approval"]["options"]}
    assert options["assignees"]["kind"] == "recipients" and options["assignees"]["required"]
    assert "formula" in options["assignees"]["options"]
    assert (options["due"]["kind"], options["hint"]["kind"], options["mode"]["kind"]) == (
        "duration", "formula", "select")
    assert options["editable"]["kind"] == "fields"
    hook = {o["name"]: o["kind"] for o in palette["call_webhook"]["options"]}
    assert hook == {"url": "string", "method": "select", "body": "formulas", "secret": "string"}
    wait = {o["name"]: o for o in palette["wait"]["options"]}
    assert wait["until_field"] == {"name": "until_field", "label": "直到此日期",
                                   "required": False, "kind": "pick", "from": "date_fields"}
    assert "last_touch" in [f[0] for f in config["date_fields"]]
    assert palette["approval"]["outcomes"] == ["approved", "rejected", "returned"]
    assert config["t"]["values"]["approved"] == "已批准"


def test_every_option_of_every_node_type_has_a_control_and_a_name(crm, app):
    with app.test_request_context():
        from builder.workflows_words import option_words
        names = option_words()
    for kind in NODE_TYPES:
        for name, schema in kind.config_schema["properties"].items():
            assert name in names, (kind.type, name)
            assert control(name, schema)["kind"] in (
                "string", "text", "label", "formula", "select", "pick", "boolean", "number",
                "integer", "duration", "recipients", "formulas", "fields"), (kind.type, name)


def test_the_history_and_the_instance_view_of_a_workflow(crm, app):
    crm.ok("PUT", f"{WORKFLOWS}/nurture", json=nurture())
    crm.ok("POST", f"{WORKFLOWS}/nurture/publish")
    client = logged_in(app, "eve@example.com")
    history = client.get("/build/crm/workflows/nurture/history")
    assert history.status_code == 200
    assert "/build/crm/workflows/nurture" in history.get_data(True)
    page = client.get("/build/crm/workflows/nurture/instances").get_data(True)
    config = data_of(page, "data-config")
    assert config["published"]["nodes"][1]["key"] == "day1"
    assert config["publishedVersion"] == 1
    assert "/api/v1/apps/crm/workflows/nurture/instances" in page


def simulate(client, key: str, **body):
    return client.post(f"/build/crm/workflows/{key}/simulate", json=body,
                       headers={"X-CSRFToken": "x"})


def test_the_simulation_runs_the_draft_with_a_virtual_clock(crm, app, runtime):
    crm.ok("PUT", f"{WORKFLOWS}/approve", json=approval_flow())
    lead = crm.create("crm", "lead", {"name": "王芳", "employees": 800})
    before = rows(runtime, "SELECT count(*) AS n FROM workflow_instances")[0]["n"]
    client = logged_in(app, "eve@example.com")
    answer = simulate(client, "approve", record_id=lead["id"])
    assert answer.status_code == 200, answer.get_data(True)
    data = answer.get_json()
    assert data["status"] == "completed"
    assert data["path"] == ["start", "check", "ok", "mark", "wait", "tell", "end"]
    steps = {s["node"]: s for s in data["steps"]}
    assert steps["ok"]["does"] == ["opens “批准 王芳” for 1 assignee(s), due "
                                   "2026-03-04T01:00:00+00:00"]
    assert steps["mark"]["does"] == ["sets stage = 'sql'"]
    assert steps["tell"]["at"] == "2026-03-05T01:00:00+00:00"  # three days on the clock
    assert steps["tell"]["does"] == ["sends “Hello 王芳” (In the app) to 1 recipient(s)"]
    rejected = simulate(client, "approve", record_id=lead["id"], decisions={"ok": "rejected"},
                        start="2026-05-01T08:00:00").get_json()
    assert (rejected["status"], rejected["path"][-1]) == ("completed", "no")
    small = simulate(client, "approve", values={"name": "小", "employees": 5}).get_json()
    assert small["path"] == ["start", "check", "tell", "end"]
    assert rows(runtime, "SELECT count(*) AS n FROM workflow_instances")[0]["n"] == before
    assert crm.ok("GET", f"/apps/crm/forms/lead/records/{lead['id']}")["stage"] is None


def test_the_simulation_of_a_drawing_that_does_not_check_names_the_node(crm, app):
    crm.ok("PUT", f"{WORKFLOWS}/approve", json=approval_flow())
    client = logged_in(app, "eve@example.com")
    broken = approval_flow()
    broken["nodes"].append(node("lost", "wait", duration={"days": 1}))
    answer = simulate(client, "approve", doc=broken)
    assert answer.status_code == 422
    assert any(e["path"].startswith("/nodes/8") for e in answer.get_json()["errors"])
    assert simulate(client, "approve", start="yesterday").status_code == 422
    assert simulate(client, "approve", record_id=999999).status_code == 404
    assert simulate(client, "approve", values=[1]).status_code == 422
    assert simulate(client, "nope").status_code == 404


def test_versions_of_a_workflow_differ_in_words_and_roll_back(crm, app):
    crm.ok("PUT", f"{WORKFLOWS}/nurture", json=nurture())
    crm.ok("POST", f"{WORKFLOWS}/nurture/publish")
    changed = nurture()
    changed["nodes"][2]["config"]["duration"] = {"days": 5}
    changed["nodes"][2]["position"] = {"x": 300, "y": 40}
    changed["edges"][1]["when"] = "{score} < 50"
    crm.ok("PUT", f"{WORKFLOWS}/nurture", json=changed)
    crm.ok("POST", f"{WORKFLOWS}/nurture/publish")
    client = logged_in(app, "eve@example.com")
    page = htmllib.unescape(client.get("/build/crm/workflows/nurture/history?from=1&to=2")
                            .get_data(True))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert 'Changed Node "wait4" › config › duration › days 4 → 5' in text
    assert "Added Connection day1 → wait4 › when {score}" in text
    assert client.get("/build/crm/workflows/nurture/history/1/rollback").status_code == 200
    answer = client.post("/build/crm/workflows/nurture/history/1/rollback",
                         headers={"X-CSRFToken": "x"})
    assert answer.status_code == 303
    doc = crm.ok("GET", f"{WORKFLOWS}/nurture")
    assert doc["nodes"][2]["config"]["duration"] == {"days": 4}
    assert crm.ok("GET", f"{WORKFLOWS}/nurture/versions")["published_version"] == 3


def test_a_node_whose_type_requires_options_needs_its_config(crm):
    doc = approval_flow()
    del doc["nodes"][2]["config"]
    answer = crm.request("PUT", f"{WORKFLOWS}/approve", json=doc)
    assert answer.status_code == 422
    assert {"path": "/nodes/2", "message": "'config' is required"} in answer.get_json()["errors"]
    doc["nodes"][2]["config"] = {}
    errors = crm.request("PUT", f"{WORKFLOWS}/approve", json=doc).get_json()["errors"]
    assert {"path": "/nodes/2/config", "message": "'assignees' is required"} in errors
    assert "config" not in approval_flow()["nodes"][-1]
    crm.ok("PUT", f"{WORKFLOWS}/approve", json=approval_flow())  # an end needs none

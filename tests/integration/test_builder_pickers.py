"""The designers' pickers: the workflow designer offers the directory's roles and teams to
choose from and searches people by name; a user chosen before shows by name, in the workflow
designer and in the rules editor."""

from __future__ import annotations

import html as htmllib
import json
import re

import pytest

from builder.pickers import named_users
from tests.integration.helpers import logged_in
from tests.integration.rules_executor_support import lead_form
from tests.integration.test_builder_workflows import data_of
from tests.integration.workflows_support import T0, WORKFLOWS, edge, node, workflow


@pytest.fixture
def crm(admin_api, factory, runtime):
    runtime.clock.set(T0)
    factory.app_doc(admin_api)
    factory.form(admin_api, lead_form())
    factory.user("eve@example.com", ["designer"], locale="en")
    return admin_api


def test_named_users_finds_every_user_id_of_a_document():
    doc = {"nodes": [{"config": {"to": [{"user": 3}, {"role": "sales"}, {"user": True}]}}],
           "rules": [{"actions": [{"type": "assign", "fallback": {"user": "9"}},
                                  {"type": "notify", "to": [{"user": "ann@x.cn"}]}]}]}
    assert named_users(doc) == {3, 9}


def test_the_workflow_designer_offers_roles_teams_and_names_chosen_users(crm, factory, app):
    boss = factory.user("boss@example.com", ["manager"], name="王总", teams=["华东销售"])
    crm.ok("PUT", f"{WORKFLOWS}/tell", json=workflow("tell", [
        node("start", "trigger", on="created"),
        node("tell", "send_message", to=[{"user": boss}, {"role": "manager"}], title="新线索"),
        node("end", "end")], [edge("start", "tell"), edge("tell", "end")]))
    client = logged_in(app, "eve@example.com")
    page = client.get("/build/crm/workflows/tell").get_data(True)
    config = data_of(page, "data-config")
    urls = json.loads(htmllib.unescape(re.search("data-urls='([^']*)'", page).group(1)))
    assert config["people"] == {str(boss): "王总"}
    assert ["manager", "manager"] in [[k, k] for k, _label in config["roles"]]
    assert ["华东销售", "华东销售"] in config["teams"]
    found = client.get(urls["users"] + "?q=王").get_json()
    assert [p["id"] for p in found] == [boss]


def test_the_rules_editor_names_the_users_it_chose(crm, factory, app):
    rep = factory.user("li@example.com", ["member"], name="李雷")
    crm.ok("PUT", "/apps/crm/rulesets/route", json={
        "kind": "ruleset", "key": "route", "form": "lead", "label": "Route",
        "rules": [{"key": "r1", "label": "r1", "trigger": {"on": "created"},
                   "condition": "{score} > 80", "actions": [
                       {"type": "assign", "strategy": "round_robin", "team": "x",
                        "fallback": {"user": str(rep)}}]}]})
    page = logged_in(app, "eve@example.com").get("/build/crm/rulesets/route").get_data(True)
    assert data_of(page, "data-config")["people"] == {str(rep): "李雷"}

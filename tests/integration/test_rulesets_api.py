"""Rulesets over the API: saved, checked with paths, published, versioned, rolled back,
exported and imported in packages."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from tests.integration.helpers import assert_error
from tests.integration.rulesets_support import activity_form, lead_form, lead_rules

RULES = "/apps/crm/rulesets/lead_rules"


@pytest.fixture
def crm(admin_api, factory):
    factory.app_doc(admin_api)
    factory.form(admin_api, lead_form())
    factory.form(admin_api, activity_form())
    return admin_api


def test_the_schema_is_valid_and_names_every_action(client, runtime):
    schema = client.get("/api/v1/schemas/ruleset").get_json()
    Draft202012Validator.check_schema(schema)
    assert set(schema["$defs"]["action"]["properties"]["type"]["enum"]) == set(
        runtime.actions.keys())
    assert list(Draft202012Validator(schema).iter_errors(lead_rules())) == []


def test_save_publish_read_diff_and_roll_back(crm):
    saved = crm.put(RULES, json=lead_rules())
    assert saved.status_code == 201, saved.get_json()
    assert crm.ok("POST", RULES + "/publish")["version"] == 1
    doc = lead_rules()
    doc["rules"][0]["condition"] = "{source} = \"官网\""
    crm.ok("PUT", RULES, json=doc, headers={"If-Match": saved.headers["ETag"]})
    assert crm.ok("POST", RULES + "/publish")["version"] == 2
    changes = crm.ok("GET", RULES + "/diff?from=1&to=2")["changes"]
    assert changes == [{"op": "changed", "path": "/rules/0/condition",
                        "old": "{source} = \"行业峰会\"", "new": "{source} = \"官网\""}]
    assert crm.ok("POST", RULES + "/versions/1/rollback")["version"] == 3
    assert crm.ok("GET", RULES)["rules"][0]["condition"] == "{source} = \"行业峰会\""
    assert [r["key"] for r in crm.ok("GET", "/apps/crm/rulesets")["rulesets"]] == ["lead_rules"]


def test_a_package_carries_rulesets(crm, admin_api):
    crm.ok("PUT", RULES, json=lead_rules())
    crm.ok("POST", RULES + "/publish")
    package = crm.ok("GET", "/apps/crm/export")
    assert [d["kind"] for d in package["documents"]] == ["form", "form", "ruleset"]
    package["app"]["key"] = "crm2"
    for doc in package["documents"]:
        doc.pop("layout", None)
    crm.ok("POST", "/apps/import", 201, json=package)
    assert crm.ok("GET", "/apps/crm2/rulesets/lead_rules")["form"] == "lead"


def bad(crm, change, path, words, status=422):
    doc = lead_rules()
    change(doc)
    assert_error(crm.put(RULES, json=doc), status, path, words)


@pytest.mark.parametrize("change, path, words", [
    (lambda d: d.update(form="nope"), "/form", "does not exist"),
    (lambda d: d["rules"][1].update(key="summit_vip"), "/rules/1/key", "already used"),
    (lambda d: d["rules"][1]["trigger"].update(fields=["stage", "nope"]),
     "/rules/1/trigger/fields/1", "not a field"),
    (lambda d: d["rules"][0]["trigger"].update(threshold="hot"), "/rules/0/trigger/threshold",
     "not a threshold"),
    (lambda d: d["rules"][3]["trigger"].update(cron="0 8 * *"), "/rules/3/trigger",
     "either every"),
    (lambda d: d["rules"][3]["trigger"].pop("every") and d["rules"][3]["trigger"].update(
        cron="0 8 * *", at=None) or d["rules"][3]["trigger"].pop("at"),
     "/rules/3/trigger/cron", "five cron fields"),
    (lambda d: d["scoring"][0].update(field="name"), "/scoring/0/field", "number field"),
    (lambda d: d["scoring"][0]["thresholds"][1].update(stage="won"),
     "/scoring/0/thresholds/1/stage", "not a choice"),
    (lambda d: d["scoring"][0]["behaviours"][0].update(form="lead"),
     "/scoring/0/behaviours/0/form", "no relation"),
    (lambda d: d["scoring"][0]["decay"].update(points=5), "/scoring/0/decay/points", "below 0"),
    (lambda d: d["tables"][0]["inputs"][0].update(field="nope"), "/tables/0/inputs/0/field",
     "not a field"),
    (lambda d: d["tables"][0]["inputs"].append({"key": "x", "table": "fit", "output": "points"})
     or d["tables"][1]["inputs"].append({"key": "y", "table": "routing", "output": "team"}),
     "/tables/0", "circle"),
    (lambda d: d["tables"][1].update(hit_policy="first"), "/tables/1/aggregation",
     "only the collect"),
])
def test_document_problems_are_refused_with_paths(crm, change, path, words):
    bad(crm, change, path, words)


@pytest.mark.parametrize("change, path, words", [
    (lambda d: d["rules"][0].update(condition="{sorce} = 1"), "/rules/0/condition",
     "did you mean"),
    (lambda d: d["rules"][2].update(condition="{old.stage} = \"new\""), "/rules/2/condition",
     "updated"),
    (lambda d: d["rules"][2]["actions"][1]["values"].update(title="\"x\""),
     "/rules/2/actions/1/values/title", "cannot set"),
    (lambda d: d["rules"][2]["actions"][1]["values"].update(employees="\"many\""),
     "/rules/2/actions/1/values/employees", "must give"),
    (lambda d: d["rules"][0]["actions"][0].update(field="name"), "/rules/0/actions/0/field",
     "not a user field"),
    (lambda d: d["rules"][1]["actions"][0].update(table="nope"), "/rules/1/actions/0/table",
     "not a decision table"),
    (lambda d: d["rules"][2]["actions"][0].update(form="nope"), "/rules/2/actions/0/form",
     "does not exist"),
    (lambda d: d["rules"][0]["actions"][1].update(title="Hot {nme}"),
     "/rules/0/actions/1/title", "{nme}"),
    (lambda d: d["rules"][4]["actions"][0].update(model="nope"), "/rules/4/actions/0/model",
     "not a scoring model"),
    (lambda d: d["scoring"][0]["behaviours"][1].update(when="{kind} = \"demo\" AND {score}"),
     "/scoring/0/behaviours/1/when", "not a field of activity"),
    (lambda d: d["tables"][0]["rows"][0]["when"].__setitem__(0, "西部"),
     "/tables/0/rows/0/when/0", "not a choice"),
    (lambda d: d["tables"][1]["rows"][0]["when"].__setitem__(0, "[500..abc)"),
     "/tables/1/rows/0/when/0", "from one number to another"),
    (lambda d: d["tables"][0].update(hit_policy="unique"), "/tables/0/rows/1", "overlap"),
])
def test_formula_action_and_cell_problems_are_refused_with_paths(crm, change, path, words):
    bad(crm, change, path, words)


def test_a_cell_error_says_where_in_the_cell(crm):
    doc = lead_rules()
    doc["tables"][1]["rows"][1]["when"][0] = ">= 1000 5"
    errors = assert_error(crm.put(RULES, json=doc), 422, "/tables/1/rows/1/when/0")
    assert errors[0]["position"] == 8


def test_schema_problems_point_inside_the_action(crm):
    doc = lead_rules()
    doc["rules"][0]["actions"][0]["strategy"] = "Round Robin"
    doc["rules"][1]["trigger"]["every"] = "daily"
    errors = assert_error(crm.put(RULES, json=doc), 422)
    paths = {e["path"] for e in errors}
    assert "/rules/0/actions/0/strategy" in paths
    assert any(p.startswith("/rules/1/trigger") for p in paths)

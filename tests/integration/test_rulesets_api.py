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
    doc["rules"][1]["trigger"]["every"] = "monthly"
    doc["rules"][2]["actions"][1]["colour"] = "red"
    errors = assert_error(crm.put(RULES, json=doc), 422)
    assert {e["path"] for e in errors} >= {"/rules/0/actions/0/strategy",
                                          "/rules/1/trigger/every",
                                          "/rules/2/actions/1/colour"}


# -- analysis and dry run ------------------------------------------------------------------
def test_the_analysis_names_gaps_and_shadowed_rows(crm, app, factory):
    doc = lead_rules()
    doc["tables"][0]["rows"] = [{"when": ["华东", "-"], "then": ["east"]},
                                {"when": ["华东", "A产品"], "then": ["east_a"]},
                                {"when": ["华北", "-"], "then": ["north"]}]
    crm.ok("PUT", RULES, json=doc)
    tables = crm.ok("GET", RULES + "/analysis")["tables"]
    routing = tables[0]["findings"]
    assert [(f["kind"], f["path"], f["rows"]) for f in routing] == [
        ("shadowed", "/tables/0/rows/1", [2, 1]), ("gap", "/tables/0", [])]
    assert routing[1]["message"] == "No row covers South"
    assert tables[1] == {"key": "fit", "findings": []}
    # the designers' pages (a session, no token) read it in their language
    from tests.integration.helpers import logged_in
    factory.user("li@example.com", ["designer"], name="Li Lei", locale="zh")
    page = logged_in(app, "li@example.com")
    answer = page.get("/api/v1" + RULES + "/analysis")
    assert "没有任何行覆盖 华南" in answer.get_data(as_text=True)


def test_a_dry_run_explains_every_rule_and_changes_nothing(crm):
    crm.ok("PUT", RULES, json=lead_rules())
    lead = crm.create("crm", "lead", {"name": "Ada", "source": "行业峰会", "region": "east",
                                      "product": "a", "stage": "sql"})
    answer = crm.ok("POST", RULES + "/dry-run", json={
        "event": "updated", "record_id": lead["id"], "old": {"stage": "mql"},
        "changed": ["stage"]})
    by_rule = {r["rule"]: r for r in answer["rules"]}
    assert by_rule["route"]["status"] == "matched"
    assert by_rule["route"]["actions"] == [{"type": "assign", "sync": True, "details": {
        "strategy": "by_table", "table": "routing", "output": "team", "field": "owner",
        "team": "east_a"}}]
    assert by_rule["route"]["reason"] == "its condition is met"
    assert by_rule["nightly"]["status"] == "disabled"
    assert by_rule["todo"]["status"] == "not_triggered"
    assert crm.ok("GET", f"/apps/crm/forms/lead/records/{lead['id']}")["version"] == lead[
        "version"]
    sample = crm.ok("POST", RULES + "/dry-run", json={"event": "created",
                                                      "record": {"id": 5, "name": "Bo"}})
    todo = {r["rule"]: r for r in sample["rules"]}["todo"]
    assert todo["actions"][0]["details"] == {"form": "activity",
                                             "values": {"note": "call Bo", "lead": 5}}


def test_a_dry_run_refuses_a_bad_event_with_paths(crm):
    crm.ok("PUT", RULES, json=lead_rules())
    answer = crm.post(RULES + "/dry-run", json={"event": "deleted", "changed": "stage",
                                                "extra": 1})
    errors = assert_error(answer, 422)
    assert {e["path"] for e in errors} == {"/event", "/changed", "/extra"}
    assert_error(crm.post(RULES + "/dry-run", json={"record_id": "x"}), 422, "/record_id")
    assert_error(crm.post(RULES + "/dry-run", json={"record_id": 999}), 404)
    assert_error(crm.get("/apps/crm/rulesets/nope/analysis"), 404)


def test_a_dry_run_of_a_ruleset_its_form_no_longer_fits_is_refused_with_paths(crm):
    crm.ok("PUT", RULES, json=lead_rules())
    form = lead_form()
    form["fields"] = [f for f in form["fields"] if f["key"] != "industry"]
    crm.ok("PUT", "/apps/crm/forms/lead", json=form)
    assert_error(crm.post(RULES + "/dry-run", json={}), 422, "/scoring/0/attributes/0/when",
                 "{industry}")


def test_an_option_of_another_trigger_is_named(crm):
    doc = lead_rules()
    doc["rules"][2]["trigger"]["fields"] = ["stage"]
    doc["tables"][0]["outputs"].append({"key": "region"})
    errors = assert_error(crm.put(RULES, json=doc), 422)
    wanted = "'fields' does not belong to a created trigger"
    assert {"path": "/rules/2/trigger/fields", "message": wanted} in [
        {k: e[k] for k in ("path", "message")} for e in errors]
    doc["rules"][2]["trigger"].pop("fields")
    assert_error(crm.put(RULES, json=doc), 422, "/tables/0/outputs/1/key", "already used")


@pytest.mark.parametrize("kind", [{"a": 1}, ["ruleset"], "app", None])
def test_a_package_document_of_no_kind_is_refused(crm, kind):
    package = crm.ok("GET", "/apps/crm/export")
    package["documents"][0]["kind"] = kind
    assert_error(crm.post("/apps/import", json=package), 422, "/documents/0/kind",
                 "form, view, ruleset or workflow")

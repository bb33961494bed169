"""The rule editor's pages (builder/rules.py): a form's rulesets (a new one created from the
page, one alone opened straight away), the editor printing the draft and what its scripts need
(fields with their condition kinds and choices, forms linking back, teams, strategies, each
rule's condition read into rows), and formulas read back into condition rows."""

from __future__ import annotations

import html as htmllib
import json
import re

import pytest

from builder.rules_conditions import condition_tree
from runtime.rules.scoring import KINDS
from tests.integration.helpers import logged_in
from tests.integration.rulesets_support import activity_form, lead_form, lead_rules

RULES = "/apps/crm/rulesets/lead_rules"
FIELDS = {"region": {"label": "区域", "choices": [{"value": "east", "label": "华东"}]},
          "employees": {"label": "员工数"}, "decision_maker": {"label": "决策人"},
          "industry": {"label": "行业"}, "due": {"label": "到期"}}


@pytest.fixture
def crm(admin_api, factory):
    factory.app_doc(admin_api)
    factory.form(admin_api, lead_form())
    factory.form(admin_api, activity_form())
    factory.user("eve@example.com", ["designer"], locale="en")
    factory.user("mo@example.com", ["member"], locale="en")
    return admin_api


def data_of(page: str, name: str) -> dict:
    found = re.search(name + r'="([^"]*)"', page)
    return json.loads(htmllib.unescape(found.group(1)))


def test_a_form_without_rulesets_offers_one_and_creates_it(crm, app):
    client = logged_in(app, "eve@example.com")
    page = client.get("/build/crm/forms/lead/rules").get_data(True)
    assert "data-new-ruleset" in page and "data-empty" in page
    designer = client.get("/build/crm/forms/lead").get_data(True)
    assert 'href="/build/crm/forms/lead/rules"' in designer
    answer = client.post("/build/crm/forms/lead/rules/new")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/build/crm/rulesets/lead_rules")
    doc = crm.ok("GET", RULES)
    assert (doc["form"], doc["rules"], doc["label"]) == ("lead", [], {"en": "Lead rules"})
    # one ruleset: the form's rules open it; a second gets a key of its own
    assert client.get("/build/crm/forms/lead/rules").headers["Location"].endswith(
        "/build/crm/rulesets/lead_rules")
    client.post("/build/crm/forms/lead/rules/new")
    listing = client.get("/build/crm/forms/lead/rules").get_data(True)
    assert "lead_rules_2" in listing and "/build/crm/rulesets/lead_rules" in listing


def test_the_editor_prints_the_draft_and_what_the_scripts_need(crm, app):
    crm.ok("PUT", RULES, json=lead_rules())
    page = logged_in(app, "eve@example.com").get("/build/crm/rulesets/lead_rules")
    assert page.status_code == 200
    text = page.get_data(True)
    assert data_of(text, "data-doc") == crm.ok("GET", RULES)
    config = data_of(text, "data-config")
    fields = {f["key"]: f for f in config["fields"]}
    assert fields["region"]["kind"] == "choice"
    assert fields["region"]["choices"][0] == {"value": "east", "label": "East", "other": "华东"}
    assert (fields["employees"]["kind"], fields["decision_maker"]["kind"]) == ("number",
                                                                               "boolean")
    assert fields["title"]["settable"] is False and fields["score"]["settable"] is True
    assert fields["rep"]["users"] is True and fields["rep"]["kind"] is None
    assert {f["key"]: f["links"] for f in config["forms"]}["activity"] == ["lead"]
    strategies = dict(config["strategies"])  # keys with the words the page shows
    assert strategies["round_robin"] == "Round-robin" and "by_table" in strategies
    assert config["trees"][0] == {"group": "AND", "items": [
        {"field": "source", "op": "=", "value": "行业峰会"}]}
    assert config["trees"][1] is None  # {old.stage}: a formula rows cannot say
    assert config["t"]["ops"][">"] == "is more than"
    urls = json.loads(htmllib.unescape(re.search("data-urls='([^']*)'", text).group(1)))
    assert urls["dryRun"] == "/api/v1" + RULES + "/dry-run"
    assert (urls["fired"], urls["rescores"]) == ("/api/v1" + RULES + "/fired",
                                                  "/api/v1" + RULES + "/rescores")
    assert 'data-published-version=""' in text  # not published: no fired counts to read
    words = config["t"]
    assert words["rescore"]["running"] == "Re-scoring {n} records… {x}/{n}"
    assert words["rescore"]["done"] == "Re-scored {n} records, {m} changed."
    assert words["score"]["beforeAfter"] == "Score {b} → {a}"
    assert set(words["score"]["kinds"]) == set(KINDS)  # a word for every kind of line
    crm.ok("POST", RULES + "/publish")
    again = logged_in(app, "eve@example.com").get("/build/crm/rulesets/lead_rules")
    assert 'data-published-version="1"' in again.get_data(True)
    assert 'id="rescore-progress"' in again.get_data(True)


def test_the_editor_is_for_designers_and_knows_missing_rulesets(crm, app):
    crm.ok("PUT", RULES, json=lead_rules())
    assert logged_in(app, "mo@example.com").get("/build/crm/rulesets/lead_rules"
                                                ).status_code == 403
    assert logged_in(app, "eve@example.com").get("/build/crm/rulesets/nope").status_code == 404


def test_a_formula_is_read_back_into_rows_or_left_a_formula(crm, app):
    crm.ok("PUT", RULES, json=lead_rules())
    client = logged_in(app, "eve@example.com")
    url = "/build/crm/rulesets/lead_rules/condition"
    answer = client.post(url, json={"formula": '{region} = "华东" AND ({employees} > 500 OR '
                                               'NOT ISBLANK({industry}))'})
    assert answer.get_json() == {"tree": {"group": "AND", "items": [
        {"field": "region", "op": "=", "value": "east"},
        {"group": "OR", "items": [{"field": "employees", "op": ">", "value": 500},
                                  {"field": "industry", "op": "not_blank"}]}]}}
    assert client.post(url, json={"formula": "{employees} * 2 > 5"}).get_json() == {
        "tree": None}
    assert client.post(url, json={"formula": 5}).status_code == 400


@pytest.mark.parametrize("source, tree", [
    ("", {"group": "AND", "items": []}),
    ('{industry} IN ["金融", "制造"]',
     {"group": "AND", "items": [{"field": "industry", "op": "in", "value": ["金融", "制造"]}]}),
    ("{decision_maker}", {"group": "AND", "items": [{"field": "decision_maker", "op": "true"}]}),
    ("{decision_maker} = FALSE OR {employees} <= -3", {"group": "OR", "items": [
        {"field": "decision_maker", "op": "false"},
        {"field": "employees", "op": "<=", "value": -3}]}),
    ('{due} >= DATE("2025-01-01")',
     {"group": "AND", "items": [{"field": "due", "op": ">=", "value": "2025-01-01"}]}),
    ('CONTAINS({行业}, "金")',
     {"group": "AND", "items": [{"field": "industry", "op": "contains", "value": "金"}]}),
    ("{employees} > {due}", None), ("{nope} = 1", None), ("{employees} >", None),
    ("NOT {employees} > 1", None), ("{decision_maker} <> TRUE", None),
])
def test_condition_rows(source, tree):
    assert condition_tree(source, FIELDS) == tree

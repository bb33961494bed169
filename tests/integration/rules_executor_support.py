"""The seeds' scoring example as a ruleset over a lead form and an activity form: 目标行业 +10,
规模 > 500 +15, 决策者 +20; 浏览定价页 +15 (at most 30), 申请演示 +50; ≥ 80 is SQL, which a
threshold rule routes round-robin to the key-account team."""

from __future__ import annotations

import copy

from tests.integration.helpers import field, form_doc

STAGES = {"choices": [{"value": v, "label": v} for v in ("new", "nurture", "mql", "sql")]}
KINDS = {"choices": [{"value": v, "label": v} for v in ("page_view", "download", "demo")]}
POLICY = {"roles": {"member": {"create": "all", "read": "own", "update": "own",
                               "delete": "none"}}}
LEAD = "/apps/crm/forms/lead/records"
ACTIVITY = "/apps/crm/forms/activity/records"
RULES = "/apps/crm/rulesets/scoring"


def lead_form() -> dict:
    return form_doc("lead", [
        field("name"), field("source"), field("industry"), field("employees", "number"),
        field("decision_maker", "boolean"), field("score", "number"),
        field("stage", "select", config=STAGES), field("note"), field("counter", "number"),
        field("echo", "number"), field("last_touch", "datetime")],
        permissions=copy.deepcopy(POLICY))  # each its own: tests change theirs


def activity_form() -> dict:
    return form_doc("activity", [
        field("lead", "relation", config={"target_form": "lead"}),
        field("kind", "select", config=KINDS), field("page"), field("note")])


def scoring_rules(**model) -> dict:
    return copy.deepcopy({
        "kind": "ruleset", "key": "scoring", "form": "lead",
        "label": {"zh": "线索评分", "en": "Lead scoring"},
        "rules": [
            {"key": "route_sql", "label": {"zh": "SQL 分配", "en": "Route SQLs"},
             "trigger": {"on": "threshold", "model": "lead_score", "threshold": "sql"},
             "actions": [{"type": "assign", "strategy": "round_robin",
                          "team": "key_accounts"}]},
        ],
        "scoring": [{
            "key": "lead_score", "label": {"zh": "线索分", "en": "Lead score"},
            "field": "score", "stage_field": "stage",
            "attributes": [
                {"key": "industry", "label": {"zh": "目标行业", "en": "Target industry"},
                 "when": "{industry} IN [\"金融\", \"制造\"]", "points": 10},
                {"key": "size", "label": {"zh": "规模 > 500 人", "en": "Over 500 staff"},
                 "when": "{employees} > 500", "points": 15},
                {"key": "dm", "label": {"zh": "决策者", "en": "Decision maker"},
                 "when": "{decision_maker}", "points": 20}],
            "behaviours": [
                {"key": "pricing", "label": {"zh": "浏览定价页", "en": "Pricing page"},
                 "form": "activity", "when": "{kind} = \"page_view\" AND {page} = \"pricing\"",
                 "points": 15, "cap": 30},
                {"key": "demo", "label": {"zh": "申请演示", "en": "Demo asked"},
                 "form": "activity", "when": "{kind} = \"demo\"", "points": 50}],
            "thresholds": [{"key": "nurture", "min": 30, "max": 79, "stage": "nurture"},
                           {"key": "sql", "min": 80, "stage": "sql"}],
            **model}],
    })


def publish_rules(api, doc: dict) -> None:
    api.ok("PUT", RULES.replace("scoring", doc["key"]), json=doc)
    api.ok("POST", RULES.replace("scoring", doc["key"]) + "/publish")

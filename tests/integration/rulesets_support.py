"""A lead form, an activity form and the seeds' scoring-and-routing ruleset over them."""

from __future__ import annotations

import copy

from tests.integration.helpers import field, form_doc

REGIONS = {"choices": [{"value": "east", "label": {"zh": "华东", "en": "East"}},
                       {"value": "north", "label": {"zh": "华北", "en": "North"}},
                       {"value": "south", "label": {"zh": "华南", "en": "South"}}]}
PRODUCTS = {"choices": [{"value": "a", "label": {"zh": "A产品", "en": "Product A"}},
                        {"value": "b", "label": {"zh": "B产品", "en": "Product B"}}]}
STAGES = {"choices": [{"value": v, "label": v} for v in ("new", "nurture", "mql", "sql")]}
KINDS = {"choices": [{"value": v, "label": v} for v in ("page_view", "download", "demo")]}


def lead_form() -> dict:
    return form_doc("lead", [
        field("name"), field("source"), field("industry"),
        field("employees", "number"), field("decision_maker", "boolean"),
        field("region", "select", config=REGIONS), field("product", "select", config=PRODUCTS),
        field("score", "number"), field("stage", "select", config=STAGES),
        field("rep", "user"), field("last_touch", "datetime"),
        field("title", "formula", config={"formula": "{name} & \" \" & {source}"})])


def activity_form() -> dict:
    return form_doc("activity", [
        field("lead", "relation", config={"target_form": "lead"}),
        field("kind", "select", config=KINDS), field("page"), field("note")])


def lead_rules() -> dict:
    return copy.deepcopy({
        "kind": "ruleset", "key": "lead_rules", "form": "lead",
        "label": {"zh": "线索规则", "en": "Lead rules"},
        "rules": [
            {"key": "summit_vip", "label": "峰会大客户",
             "trigger": {"on": "threshold", "model": "lead_score", "threshold": "sql"},
             "condition": "{source} = \"行业峰会\"",
             "actions": [{"type": "assign", "strategy": "round_robin", "team": "key_accounts"},
                         {"type": "notify", "to": [{"field": "rep"}],
                          "title": {"zh": "高价值线索 {name}", "en": "Hot lead {name}"},
                          "priority": "high"}]},
            {"key": "route", "trigger": {"on": "field_changed", "fields": ["stage"]},
             "condition": "{stage} = \"sql\" AND {old.stage} <> \"sql\"",
             "actions": [{"type": "assign", "strategy": "by_table", "table": "routing",
                          "output": "team"}]},
            {"key": "todo", "trigger": {"on": "created"},
             "actions": [{"type": "create_record", "form": "activity", "link": "lead",
                          "values": {"note": "\"call \" & {name}"}},
                         {"type": "set_fields", "values": {"stage": "\"new\""}}]},
            {"key": "nightly", "enabled": False,
             "trigger": {"on": "schedule", "every": "daily", "at": "02:00"},
             "actions": [{"type": "webhook", "url": "https://example.com/hook",
                          "body": {"who": "{name}"}}]},
            {"key": "by_hand", "trigger": {"on": "manual"},
             "actions": [{"type": "add_points", "points": 5, "reason": "manual bonus"}]},
        ],
        "scoring": [{
            "key": "lead_score", "field": "score", "stage_field": "stage", "max": 200,
            "attributes": [
                {"key": "industry", "when": "{industry} IN [\"金融\", \"制造\"]", "points": 10},
                {"key": "size", "when": "{employees} > 500", "points": 15},
                {"key": "dm", "when": "{decision_maker}", "points": 20},
                {"key": "matrix", "table": "fit", "output": "points"}],
            "behaviours": [
                {"key": "pricing", "form": "activity",
                 "when": "{kind} = \"page_view\" AND {page} = \"pricing\"", "points": 15,
                 "cap": 30},
                {"key": "demo", "form": "activity", "link": "lead",
                 "when": "{kind} = \"demo\"", "points": 50},
                {"key": "jobs", "form": "activity", "when": "{page} = \"jobs\"", "points": -10}],
            "decay": {"every_days": 30, "points": -5, "since": "last_touch"},
            "thresholds": [{"key": "nurture", "min": 30, "max": 70, "stage": "nurture"},
                           {"key": "sql", "min": 80, "stage": "sql"}]}],
        "tables": [
            {"key": "routing", "hit_policy": "first",
             "inputs": [{"key": "region", "label": "区域", "field": "region"},
                        {"key": "product", "label": "产品线", "field": "product"}],
             "outputs": [{"key": "team"}],
             "rows": [{"when": ["华东", "A产品"], "then": ["east_a"]},
                      {"when": ["华东", "-"], "then": ["east"]},
                      {"when": ["-", "-"], "then": ["pool"]}]},
            {"key": "fit", "hit_policy": "collect", "aggregation": "sum",
             "inputs": [{"key": "size", "formula": "{employees}"},
                        {"key": "region", "field": "region"}],
             "outputs": [{"key": "points"}],
             "rows": [{"when": ["[500..1000)", "-"], "then": [5]},
                      {"when": [">= 1000", "-"], "then": [10]},
                      {"when": ["-", "华东"], "then": [{"formula": "2 * 3"}]}]}],
    })

"""The rule evaluation core: triggers, conditions with old values, ordering, stop, enable,
own writes and chain depth, and the actions each matching rule plans (data, not effects)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from runtime.fields.registry import build_field_registry
from runtime.formula.registry import build_function_registry
from runtime.rules.actions import build_action_registry
from runtime.rules.checks import RulesetCheck
from runtime.rules.engine import CompileContext, Event, RulesetError, compile_ruleset
from tests.integration.rulesets_support import activity_form, lead_form, lead_rules

LEAD = {"id": 7, "name": "Ada", "source": "行业峰会", "industry": "金融", "employees": 800,
        "decision_maker": True, "region": "east", "product": "b", "score": 85,
        "stage": "sql", "rep": 3}


@pytest.fixture(scope="module")
def context():
    forms = {"lead": lead_form(), "activity": activity_form()}
    check = RulesetCheck(build_function_registry(), build_action_registry())
    return CompileContext(forms, build_field_registry(), check,
                          lambda: datetime(2026, 12, 4, tzinfo=UTC), UTC, "crm")


def compiled(context, change=None):
    doc = lead_rules()
    if change:
        change(doc)
    return compile_ruleset(doc, context)


def outcomes(evaluation):
    return [(o.rule, o.status) for o in evaluation.outcomes]


def test_a_field_change_matches_on_old_and_new_values(context):
    rules = compiled(context)
    moved = Event("updated", LEAD, old={**LEAD, "stage": "mql"}, changed=frozenset({"stage"}))
    result = rules.evaluate(moved)
    assert result.matched == ["route"]
    [plan] = result.actions
    assert (plan.type, plan.sync) == ("assign", True)
    assert plan.details == {"strategy": "by_table", "table": "routing", "output": "team",
                            "field": "owner", "team": "east"}
    again = Event("updated", LEAD, old=LEAD, changed=frozenset({"stage"}))
    assert rules.evaluate(again).matched == []
    other = Event("updated", LEAD, old={**LEAD, "stage": "mql"}, changed=frozenset({"name"}))
    assert dict(outcomes(rules.evaluate(other)))["route"] == "not_triggered"


def test_created_plans_a_linked_record_and_field_values(context):
    result = compiled(context).evaluate(Event("created", LEAD))
    assert result.matched == ["todo"]
    create, set_fields = result.actions
    assert create.details == {"form": "activity", "values": {"note": "call Ada", "lead": 7}}
    assert (create.sync, set_fields.sync) == (False, True)
    assert set_fields.details == {"values": {"stage": "new"}}


def test_a_threshold_event_matches_its_direction(context):
    rules = compiled(context)
    up = Event("threshold", LEAD, model="lead_score", threshold="sql", direction="up")
    result = rules.evaluate(up)
    assert result.matched == ["summit_vip"]
    assign, notify = result.actions
    assert assign.details["team"] == "key_accounts"
    assert notify.details["title"] == {"zh": "高价值线索 Ada", "en": "Hot lead Ada"}
    assert notify.details["priority"] == "high" and notify.details["channels"] == ["in_app"]
    down = Event("threshold", LEAD, model="lead_score", threshold="sql", direction="down")
    assert rules.evaluate(down).matched == []
    other = Event("threshold", {**LEAD, "source": "官网"}, model="lead_score", threshold="sql")
    assert dict(outcomes(rules.evaluate(other)))["summit_vip"] == "no_match"


def test_manual_and_schedule_events_name_their_rule(context):
    rules = compiled(context)
    manual = rules.evaluate(Event("manual", LEAD, rule="by_hand"))
    assert manual.matched == ["by_hand"]
    assert manual.actions[0].details == {"model": "lead_score", "points": 5,
                                         "reason": "manual bonus"}
    assert dict(outcomes(rules.evaluate(Event("schedule", LEAD))))["nightly"] == "disabled"
    enabled = compiled(context, lambda d: d["rules"][3].update(enabled=True))
    [hook] = enabled.evaluate(Event("schedule", LEAD, rule="nightly")).actions
    assert hook.details == {"url": "https://example.com/hook", "method": "POST",
                            "body": {"who": "Ada"}, "secret": None, "retries": 5}


def test_stop_ends_the_pass_after_a_match(context):
    def two_created(doc):
        doc["rules"][0]["trigger"] = {"on": "created"}
        doc["rules"][0]["stop"] = True
    rules = compiled(context, two_created)
    result = rules.evaluate(Event("created", LEAD))
    assert result.matched == ["summit_vip"]
    assert dict(outcomes(result))["todo"] == "stopped"
    doc_level = compiled(context, lambda d: (two_created(d), d["rules"][0].pop("stop"),
                                             d.update(stop_after_first_match=True)))
    assert doc_level.evaluate(Event("created", LEAD)).matched == ["summit_vip"]
    no_stop = compiled(context, lambda d: (two_created(d), d["rules"][0].pop("stop")))
    assert no_stop.evaluate(Event("created", LEAD)).matched == ["summit_vip", "todo"]


def test_a_rule_never_fires_on_its_own_write_and_chains_are_bounded(context):
    rules = compiled(context)
    own = Event("updated", LEAD, old={**LEAD, "stage": "mql"}, changed=frozenset({"stage"}),
                caused_by=frozenset({"route"}))
    assert dict(outcomes(rules.evaluate(own)))["route"] == "own_write"
    deep = Event("created", LEAD, depth=9)
    assert {s for _r, s in outcomes(rules.evaluate(deep))} == {"stopped"}
    assert "deeper than 8" in rules.evaluate(deep).outcomes[0].reason


def test_related_created_matches_its_form(context):
    rules = compiled(context, lambda d: d["rules"].append(
        {"key": "touch", "trigger": {"on": "related_created", "form": "activity"},
         "actions": [{"type": "set_fields", "values": {"last_touch": "NOW()"}}]}))
    result = rules.evaluate(Event("related_created", LEAD, related_form="activity",
                                  link="lead"))
    assert result.matched == ["touch"]
    assert result.actions[0].details["values"]["last_touch"] == datetime(2026, 12, 4,
                                                                         tzinfo=UTC)


def test_a_rule_that_fails_says_why_and_the_others_go_on(context):
    # a save refuses such a table (rows that overlap under ANY); compiled all the same, the
    # record that falls into the overlap fails its rule with the rows named
    def conflicting(doc):
        doc["tables"][0].update(hit_policy="any", rows=[
            {"when": ["华东", "-"], "then": ["a"]}, {"when": ["-", "B产品"], "then": ["b"]}])
        doc["rules"].append({"key": "after", "trigger": {"on": "field_changed",
                                                         "fields": ["stage"]}})
    rules = compiled(context, conflicting)
    result = rules.evaluate(Event("updated", LEAD, old={**LEAD, "stage": "mql"},
                                  changed=frozenset({"stage"})))
    by_rule = {o.rule: o for o in result.outcomes}
    assert by_rule["route"].status == "error"
    assert "rows 1, 2 all match (hit policy ANY)" in by_rule["route"].reason
    assert by_rule["after"].status == "matched" and by_rule["after"].actions == ()


def test_decision_tables_chain_and_collect(context):
    rules = compiled(context)
    assert rules.table("fit").evaluate(LEAD) == 11
    assert rules.table("routing").evaluate({**LEAD, "product": "a"}) == {"team": "east_a"}
    assert rules.table("routing").evaluate({**LEAD, "region": "north"}) == {"team": "pool"}


def test_a_bad_document_does_not_compile(context):
    with pytest.raises(RulesetError, match="did you mean"):
        compiled(context, lambda d: d["rules"][0].update(condition="{sorce} = 1"))


def test_a_field_called_old_wins_over_the_old_values(context):
    forms = dict(context.forms)
    forms["lead"] = {**forms["lead"], "fields": [*forms["lead"]["fields"],
                                                 {"key": "old", "type": "boolean",
                                                  "label": "old"}]}
    ctx = CompileContext(forms, context.field_types, context.check, context.now, context.tz)
    doc = lead_rules()
    doc["rules"][1]["condition"] = "{old} AND {stage} = \"sql\""
    rules = compile_ruleset(doc, ctx)
    event = Event("updated", {**LEAD, "old": True}, old={"old": False},
                  changed=frozenset({"stage"}))
    assert rules.evaluate(event).matched == ["route"]
    assert rules.evaluate(replace(event, record={**LEAD, "old": False})).matched == []
    doc["rules"][1]["condition"] = "{old.stage} = \"mql\""
    with pytest.raises(RulesetError):
        compile_ruleset(doc, ctx)

"""Scoring lines without a database: attributes book differences, behaviours within caps,
clamp lines keep the sum equal to the clamped score, thresholds crossed up and down; and how
record events become the engine's events."""

from __future__ import annotations

from datetime import UTC, datetime

from runtime.events.event import Change, RecordEvent
from runtime.rules.consumer import engine_event, linked_ids
from runtime.rules.executor import routing_config
from runtime.rules.scoring import (
    Attribute,
    Behaviour,
    ScoreModel,
    Threshold,
    capped,
)


def model(**extra) -> ScoreModel:
    values = {
        "key": "m", "label": "m", "field": "score", "stage_field": "stage", "min": None,
        "max": None, "whole": True,
        "attributes": (Attribute("big", "Big", lambda r: r.get("n", 0) > 500, 15),
                       Attribute("dm", "DM", lambda r: r.get("dm") is True, 20)),
        "behaviours": (Behaviour("pricing", "Pricing", "activity", None,
                                 lambda r: r.get("page") == "pricing", 15, 30),
                       Behaviour("jobs", "Jobs", "activity", "lead",
                                 lambda r: r.get("page") == "jobs", -10, 15)),
        "thresholds": (Threshold("nurture", "N", 30, 79, "nurture"),
                       Threshold("sql", "S", 80, None, "sql"))}
    return ScoreModel(**{**values, **extra})


def points(lines) -> list[tuple]:
    return [(x.kind, x.key, x.points) for x in lines]


def test_attributes_book_what_changed_since_their_lines():
    m = model()
    assert points(m.attribute_lines({"n": 800, "dm": True}, {})) == [
        ("attribute", "big", 15), ("attribute", "dm", 20)]
    assert points(m.attribute_lines({"n": 800, "dm": False}, {"big": 15, "dm": 20})) == [
        ("attribute", "dm", -20)]
    assert m.attribute_lines({"n": 800}, {"big": 15}) == []


def test_a_failing_attribute_formula_gives_nothing():
    def boom(record):
        raise TypeError("blank")
    m = model(attributes=(Attribute("x", "X", boom, 5),))
    assert m.attribute_lines({}, {}) == []


def test_behaviours_within_their_caps_and_links():
    m = model()
    pricing = {"page": "pricing", "id": 9}
    assert points(m.behaviour_lines("activity", "lead", pricing, 9, {})) == [
        ("behaviour", "pricing", 15)]
    assert points(m.behaviour_lines("activity", "lead", pricing, 9, {"pricing": 20})) == [
        ("behaviour", "pricing", 10)]
    assert m.behaviour_lines("activity", "lead", pricing, 9, {"pricing": 30}) == []
    assert m.behaviour_lines("other", "lead", pricing, 9, {}) == []
    jobs = {"page": "jobs"}
    assert m.behaviour_lines("activity", "contact", jobs, 1, {}) == []  # another link
    assert points(m.behaviour_lines("activity", "lead", jobs, 1, {"jobs": -10})) == [
        ("behaviour", "jobs", -5)]  # negative points are capped by their amount


def test_capped():
    assert capped(15, None, 1000) == 15
    assert capped(15, 30, 25) == 5
    assert capped(-10, 15, -10) == -5
    assert capped(5, 10, 10) == 0


def test_clamp_lines_make_the_sum_the_clamped_score():
    m = model(max=100, min=0)
    assert m.clamp_line(125, 0).points == -25
    assert m.clamp_line(110, -25).points == 15  # raw fell: the clamp gives points back
    assert m.clamp_line(90, -25).points == 25
    assert m.clamp_line(90, 0) is None
    assert m.clamp_line(-20, 0).points == 20


def test_thresholds_crossed_up_and_down_and_the_stage():
    m = model()
    assert [(t.key, d) for t, d in m.crossings(20, 45)] == [("nurture", "up")]
    assert [(t.key, d) for t, d in m.crossings(45, 95)] == [("nurture", "down"),
                                                            ("sql", "up")]
    assert [(t.key, d) for t, d in m.crossings(95, 10)] == [("sql", "down")]
    assert m.crossings(85, 125) == []
    assert (m.stage(95), m.stage(45), m.stage(5)) == ("sql", "nurture", None)


def test_whole_number_scores_round_points():
    assert model().round(2.5) == 3 and model(whole=False).round(2.5) == 2.5


def event(kind: str, changes: dict, cause: int | None = None) -> RecordEvent:
    return RecordEvent(7, "crm", "lead", 3, 2, kind, datetime(2026, 1, 1, tzinfo=UTC), 1,
                       "api", {k: Change(*v) for k, v in changes.items()}, 1, cause)


def test_record_events_become_engine_events():
    record = {"id": 3, "stage": "sql", "name": "A"}
    created = engine_event(event("create", {"name": (None, "A")}), record, frozenset())
    assert (created.kind, created.old, created.changed, created.depth) == (
        "created", None, frozenset(), 1)
    updated = engine_event(event("update", {"stage": ("new", "sql")}), record,
                           frozenset({"route"}))
    assert updated.kind == "updated" and updated.changed == {"stage"}
    assert updated.old == {"id": 3, "stage": "new", "name": "A"}
    assert updated.caused_by == {"route"}


def test_linked_ids():
    assert list(linked_ids(5)) == [5]
    assert list(linked_ids([1, {"id": 2}, None, True])) == [1, 2]
    assert list(linked_ids(None)) == []


def test_assign_actions_become_routing_configs():
    strategies = {"round_robin": 1, "least_loaded": 1}
    assert routing_config({"strategy": "by_table", "team": "east", "field": "owner"}, {},
                          strategies) == {"strategy": "round_robin", "team": "east"}
    assert routing_config({"strategy": "least_loaded", "team": "t", "field": "rep",
                           "fallback": {"user": "7"}}, {"open": "{stage} <> \"won\""},
                          strategies) == {
        "strategy": "least_loaded", "team": "t", "assignee_field": "rep",
        "fallback": {"user": 7}, "open": "{stage} <> \"won\""}
    assert routing_config({"strategy": "user", "user": "4", "field": "owner"}, {},
                          strategies)["default"] == {"user": 4}

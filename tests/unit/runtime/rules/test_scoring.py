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


# -- decay -----------------------------------------------------------------------------------------
def days(n: float) -> datetime:
    from datetime import timedelta

    return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=n)


def test_decay_periods_count_from_the_anchor_and_each_is_booked_once():
    from runtime.rules.scoring import Decay

    decay = Decay(30, points=-5)
    anchor = days(0)
    assert decay.periods_due(anchor, None, days(29.9)) == 0
    assert decay.periods_due(anchor, None, days(30)) == 1
    assert decay.periods_due(anchor, days(30), days(30)) == 0  # the same tick again
    assert decay.periods_due(anchor, days(30), days(59)) == 0
    assert decay.periods_due(anchor, None, days(65)) == 2  # both missed periods
    assert decay.periods_due(anchor, days(31), days(95)) == 2  # 60 and 90
    # an interaction after the last decay starts the count again
    assert decay.periods_due(days(40), days(31), days(69)) == 0
    assert decay.periods_due(days(40), days(31), days(70)) == 1
    assert decay.periods_due(days(10), None, days(5)) == 0  # a since in the future


def test_decay_lines_take_points_or_a_percent_of_the_running_score_above_the_floor():
    from runtime.rules.scoring import Decay

    m = model()
    assert points(Decay(30, points=-5).lines(m, 45, 2)) == [("decay", None, -5)] * 2
    # 25 % of 45 is 11.25 → 11; then of 34 is 8.5 → 9 (half up)
    assert points(Decay(30, percent=25).lines(m, 45, 2)) == [("decay", None, -11),
                                                            ("decay", None, -9)]
    assert Decay(30, percent=25).lines(m, 0, 3) == []  # nothing to take from 0
    assert Decay(30, percent=25).lines(m, -10, 1) == []
    floor = model(min=0)
    assert points(Decay(30, points=-5).lines(floor, 7, 3)) == [("decay", None, -5),
                                                              ("decay", None, -2)]
    unrounded = model(whole=False)
    assert points(Decay(30, percent=10).lines(unrounded, 45, 1)) == [("decay", None, -4.5)]


def test_rescore_lines_move_each_attribute_to_what_the_version_gives():
    m = model()
    held = {"big": 10, "dm": 20, "gone": 7}  # big was worth 10; gone left the model
    assert points(m.rescore_lines({"n": 900, "dm": False}, held)) == [
        ("rescore", "big", 5), ("rescore", "dm", -20), ("rescore", "gone", -7)]
    assert m.rescore_lines({"n": 900, "dm": True}, {"big": 15, "dm": 20}) == []
    # raw 35 (dm 20 + 15 elsewhere) clamped to 30; the re-score makes raw 30: the clamp
    # line gives its 5 back
    capped_model = model(max=30)
    lines, score = capped_model.result(30, 35, -5, capped_model.rescore_lines(
        {"n": 900}, {"dm": 20}))
    assert points(lines) == [("rescore", "big", 15), ("rescore", "dm", -20), ("clamp", None, 5)]
    assert score == 30


def test_a_table_of_constant_points_scores_by_one_look_up():
    from tests.unit.runtime.rules.test_decisions import table

    fit = table("first", [(['"east"', "> 500"], [12.4]), (['"east"', "-"], [5]),
                          (["-", "[0..10)"], ["-3"])], [{"key": "points"}])
    assert fit.mapped is not None  # constants: looked up, never evaluated per record
    scored = model(attributes=(Attribute("fit", "Fit", None, 0, fit, "points"),))
    cases = [({"region": "east", "size": 900}, {"fit": 12}), ({"region": "east"}, {"fit": 5}),
             ({"region": "south", "size": 3}, {"fit": -3}), ({"region": "south"}, {}),
             ({"region": ["east"], "size": "x"}, {})]
    for values, wanted in cases:
        assert scored.points_now(values) == wanted, values
    formula = table("first", [(["-", "-"], [{"formula": "{size} * 2"}])], [{"key": "points"}])
    assert formula.mapped is None
    assert model(attributes=(Attribute("f", "F", None, 0, formula, "points"),)).points_now(
        {"size": 4}) == {"f": 8}

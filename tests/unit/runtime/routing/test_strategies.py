"""Each routing strategy: who it chooses, why, and why each other candidate was skipped."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest

from runtime.routing.choice import Choice, Cursor, Reason, RoutingState, availability
from runtime.routing.config import config_problems, team_names
from runtime.routing.members import Member, member_problems
from runtime.routing.registry import STRATEGIES, build_strategy_registry
from runtime.routing.strategies.weighted import weighted_order

# a Wednesday, 10:00 in the installation's time zone
WED_10 = datetime(2026, 12, 2, 10, 0)
WEEKDAYS_9_TO_6 = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
REGISTRY = build_strategy_registry()


def team(*ids: int, **attrs) -> list[Member]:
    return [Member(i, f"user {i}", team_id=1, **attrs) for i in ids]


def choose(key: str, members, state=None, record=None, **config) -> Choice:
    config = {"strategy": key, **({} if key == "by_field" else {"team": 1}), **config}
    assert config_problems(REGISTRY, config) == []
    return REGISTRY[key].choose(members, state or RoutingState(WED_10), record or {}, config)


def codes(choice: Choice) -> dict[int, str]:
    return {user: why.code for user, why in choice.skipped.items()}


def run(key: str, members, rounds: int, loads=None, **config) -> list[int]:
    """``rounds`` choices in a row, the cursor carried as the store carries it."""
    cursor, out = Cursor(), []
    for _ in range(rounds):
        choice = choose(key, members, RoutingState(WED_10, loads or {}, cursor), **config)
        out.append(choice.assignee)
        cursor = choice.cursor or cursor
    return out


# -- the registry -----------------------------------------------------------------------------
def test_the_registry_holds_every_built_in_strategy_once():
    assert REGISTRY.keys() == ["round_robin", "weighted_round_robin", "least_loaded",
                               "by_field"]
    with pytest.raises(ValueError, match="duplicate"):
        build_strategy_registry((*STRATEGIES, STRATEGIES[0]))


@pytest.mark.parametrize("strategy", list(REGISTRY), ids=lambda s: s.key)
def test_every_strategy_has_a_label_a_schema_and_chooses_nobody_from_nobody(strategy):
    assert strategy.label and strategy.config_schema["type"] == "object"
    config = {"strategy": strategy.key, "team": 1, "field": "x", "routes": {}}
    choice = strategy.choose([], RoutingState(WED_10), {}, config)
    assert choice.assignee is None and choice.reason.code == "nobody"


def test_configs_are_checked_with_paths():
    assert config_problems(REGISTRY, {"strategy": "dice"})[0].path == "/strategy"
    assert config_problems(REGISTRY, []) [0].path == ""
    bad = config_problems(REGISTRY, {"strategy": "by_field", "field": "province",
                                     "routes": {"广东": {"team": 0}}, "fallback": {"x": 1}})
    assert {p.path for p in bad} == {"/routes/广东/team", "/fallback"}
    config = {"strategy": "by_field", "field": "p", "routes": {"a": {"team": "South"},
                                                               "b": {"user": 3}},
              "fallback": {"team": 9}, "default": {"team": "North"}}
    assert team_names(config) == ["South", "North", 9]


# -- round-robin ------------------------------------------------------------------------------
def test_round_robin_takes_turns_in_id_order_and_wraps():
    assert run("round_robin", team(3, 1, 2), 7) == [1, 2, 3, 1, 2, 3, 1]


def test_round_robin_says_who_was_next_and_why_the_others_were_not():
    state = RoutingState(WED_10, cursor=Cursor(last_user=1))
    choice = choose("round_robin", team(1, 2, 3), state)
    assert choice.assignee == 2 and choice.cursor == Cursor(2, 0)
    assert choice.reason == Reason("round_robin", {"after": 1})
    assert choice.reason.text == "next in turn after user 1"
    assert codes(choice) == {1: "not_next", 3: "not_next"}


def test_round_robin_skips_the_inactive_the_paused_and_a_member_who_left():
    members = [Member(1), Member(2, active=False), Member(3, routing=False), Member(4)]
    state = RoutingState(WED_10, cursor=Cursor(last_user=1))
    choice = choose("round_robin", members, state)
    assert choice.assignee == 4
    assert codes(choice) == {1: "not_next", 2: "inactive", 3: "paused"}
    # the last one given a record left the team: the turn goes on from their place
    gone = RoutingState(WED_10, cursor=Cursor(last_user=2))
    assert choose("round_robin", team(1, 3, 4), gone).assignee == 3


# -- working hours and days off ----------------------------------------------------------------
def test_members_outside_their_hours_or_on_a_day_off_are_skipped():
    members = [Member(1, hours=WEEKDAYS_9_TO_6), Member(2, hours={"wed": [["13:00", "18:00"]]}),
               Member(3, days_off=("2026-12-01/2026-12-03",)), Member(4, hours={})]
    choice = choose("round_robin", members)
    assert choice.assignee == 1
    assert codes(choice) == {2: "outside_hours", 3: "day_off", 4: "outside_hours"}
    assert choice.skipped[2].text == "outside working hours (today: 13:00-18:00)"
    assert choice.skipped[3].text == "on a day off (2026-12-01/2026-12-03)"
    assert choice.skipped[4].text == "outside working hours (today: none)"
    saturday = RoutingState(datetime(2026, 12, 5, 10, 0))
    assert choose("round_robin", members[:1], saturday).assignee is None
    # the end of a span is not in it; respect_hours: false routes at any time
    evening = RoutingState(datetime(2026, 12, 2, 18, 0))
    assert choose("round_robin", members[:1], evening).assignee is None
    assert choose("round_robin", members, evening, respect_hours=False).assignee == 1


def test_member_attributes_are_checked_with_paths():
    assert member_problems({"weight": 2, "capacity": None, "regions": ["华东"],
                            "hours": WEEKDAYS_9_TO_6, "days_off": ["2026-12-24"]}) == []
    bad = member_problems({"weight": -1, "capacity": "x", "regions": "华东",
                           "hours": {"wed": [["18:00", "09:00"]], "xyz": []},
                           "days_off": ["2026-02-30", "2026-12-31/2026-12-01"]})
    assert [p for p, _ in bad] == ["/weight", "/capacity", "/regions", "/hours",
                                   "/days_off/0", "/days_off/1"]


# -- regions and product lines -----------------------------------------------------------------
def test_members_who_do_not_cover_the_records_region_or_product_line_are_skipped():
    members = [Member(1, regions=("华南",)), Member(2, regions=("华东",), product_lines=("B",)),
               Member(3, regions=("华东",), product_lines=("A",)), Member(4)]
    record = {"province": "华东", "product": "A"}
    match = {"regions": "province", "product_lines": "product"}
    choice = choose("round_robin", members, record=record, match=match)
    assert choice.assignee == 3  # 4 covers everything (no list), but 3 is first in turn
    assert codes(choice) == {1: "region", 2: "product_line", 4: "not_next"}
    assert choice.skipped[1].text == "does not cover the region 华东"


# -- weighted round-robin ----------------------------------------------------------------------
def test_weighted_turns_follow_the_weights_spread_out():
    members = [Member(1, weight=3), Member(2, weight=1), Member(3, weight=0)]
    assert weighted_order(members) == [1, 1, 2, 1]
    picks = run("weighted_round_robin", members, 40)
    assert Counter(picks) == {1: 30, 2: 10}
    assert picks[:4] == [1, 1, 2, 1]


def test_weighted_skips_the_unavailable_and_says_why():
    members = [Member(1, weight=3, active=False), Member(2, weight=1), Member(3, weight=0)]
    choice = choose("weighted_round_robin", members)
    assert choice.assignee == 2
    assert codes(choice) == {1: "inactive", 3: "zero_weight"}
    assert choice.reason.text == "next in the weighted turn (weight 1, slot 3 of 4)"
    assert choice.cursor == Cursor(2, 3)


# -- least loaded ------------------------------------------------------------------------------
def test_least_loaded_takes_the_fewest_open_records():
    loads = {1: 4, 2: 1, 3: 2}
    choice = choose("least_loaded", team(1, 2, 3), RoutingState(WED_10, loads))
    assert choice.assignee == 2 and choice.reason.text == "fewest open records (1)"
    assert codes(choice) == {1: "more_load", 3: "more_load"}
    assert choice.skipped[1].text == ("holds more open records (4) than the one chosen (1)")


def test_least_loaded_breaks_ties_by_turn_and_honours_capacity():
    members = [Member(1, capacity=2), Member(2), Member(3)]
    state = RoutingState(WED_10, {1: 2, 2: 0, 3: 0}, Cursor(last_user=2))
    choice = choose("least_loaded", members, state)
    assert choice.assignee == 3 and choice.reason.code == "least_loaded_tie"
    assert codes(choice) == {1: "at_capacity", 2: "not_next"}
    assert choice.skipped[1].text == "at capacity: 2 open of 2"
    full = RoutingState(WED_10, {1: 2})
    assert choose("least_loaded", members[:1], full).assignee is None
    assert run("least_loaded", team(1, 2, 3), 3) == [1, 2, 3]  # equal loads take turns


# -- by field value ----------------------------------------------------------------------------
ROUTES = {"广东": {"team": "华南组"}, "北京": {"user": 7}}


def test_by_field_maps_a_value_to_a_team_or_a_user():
    strategy = REGISTRY["by_field"]
    config = {"strategy": "by_field", "field": "province", "routes": ROUTES}
    assert strategy.target(config, {"province": "广东"}).team == "华南组"
    to_user = strategy.target(config, {"province": "北京"})
    assert to_user.user == 7 and to_user.reason.text == "the value 北京 is routed to this user"
    assert strategy.target(config, {"province": "上海"}) is None
    assert strategy.no_target(config, {"province": "上海"}).text == (
        "the value 上海 is routed nowhere and there is no default")
    assert strategy.target({**config, "default": {"team": 2}}, {}).team == 2
    assert strategy.target(config, {"province": ["北京", "广东"]}).user == 7


def test_by_field_chooses_within_the_team_by_the_strategy_it_names():
    members = team(1, 2, 3)
    state = RoutingState(WED_10, {1: 5, 2: 0, 3: 1})
    record = {"province": "广东"}
    turn = choose("by_field", members, state, record, field="province", routes=ROUTES)
    assert turn.assignee == 1 and turn.reason.code == "round_robin_first"
    loaded = choose("by_field", members, state, record, field="province", routes=ROUTES,
                    within="least_loaded")
    assert loaded.assignee == 2 and codes(loaded) == {1: "more_load", 3: "more_load"}
    assert REGISTRY["by_field"].needs_load({"within": "least_loaded"})
    assert not REGISTRY["by_field"].needs_load({})


def test_by_field_to_a_user_who_is_away_chooses_nobody():
    record = {"province": "北京"}
    here = choose("by_field", [Member(7)], record=record, field="province", routes=ROUTES)
    assert here.assignee == 7 and here.reason.code == "mapped_user"
    away = choose("by_field", [Member(7, days_off=("2026-12-02",))], record=record,
                  field="province", routes=ROUTES)
    assert away.assignee is None and codes(away) == {7: "day_off"}


def test_reasons_round_trip_through_json():
    nested = Reason("fallback_team", {"inner": Reason("round_robin", {"after": 3})})
    assert Reason.from_json(nested.as_json()) == nested
    assert nested.text == "nobody qualified: next in turn after user 3 in the fallback team"
    assert availability(Member(1), RoutingState(WED_10), {}, {}) is None


def test_the_routing_core_imports_no_flask_and_no_sql():
    import ast
    from pathlib import Path

    core = Path(__file__).resolve().parents[4] / "runtime" / "routing"
    adapters = {"store.py", "models.py", "service.py"}
    for path in core.rglob("*.py"):
        if path.name in adapters:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in {"flask", "sqlalchemy", "werkzeug"}, path


def test_every_strategy_and_reason_is_documented():
    from pathlib import Path

    from runtime.routing.choice import REASONS

    text = (Path(__file__).resolve().parents[4] / "docs" / "routing.md").read_text("utf-8")
    assert [s.key for s in REGISTRY if f"| `{s.key}` |" not in text] == []
    skips = ("inactive", "paused", "day_off", "outside_hours", "at_capacity", "zero_weight",
             "more_load", "not_next")
    assert set(skips) <= set(REASONS)
    assert [code for code in skips if f"`{code}`" not in text] == []


def test_teams_a_config_names_are_checked_against_the_directorys():
    from runtime.routing.service import Router

    router = Router(REGISTRY, None)
    config = {"strategy": "by_field", "field": "p", "default": {"team": 9},
              "routes": {"a/b": {"team": "South"}, "c": {"team": 1}, "d": {"user": 3}},
              "fallback": {"team": "Queue"}}
    teams = {1: "North", 2: "Queue"}
    assert [(p.path, p.message) for p in router.check(config, teams)] == [
        ("/routes/a~1b/team", "there is no team 'South'"),
        ("/default/team", "there is no team 9")]
    assert router.check({"strategy": "round_robin", "team": "North"}, teams) == []
    assert router.check({"strategy": "round_robin"}, teams)[0].path == ""

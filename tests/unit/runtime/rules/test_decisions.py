"""Decision tables: every hit policy, the equality index, label cells, output formulas."""

from __future__ import annotations

import pytest

from runtime.rules.decisions import Column, DecisionError, compile_table, field_reader

REGIONS = (("east", {"zh": "华东", "en": "East"}), ("north", {"zh": "华北", "en": "North"}),
           ("south", {"zh": "华南", "en": "South"}))


def columns():
    return [Column("region", {"zh": "区域"}, field_reader("region", "choice"), "choice",
                   REGIONS),
            Column("size", {"zh": "规模"}, field_reader("size", "number"), "number")]


def no_formulas(source):
    raise AssertionError(source)


def table(policy, rows, outputs=None, aggregation=None):
    out = {"key": "t", "hit_policy": policy,
           "inputs": [{"key": "region"}, {"key": "size"}],
           "outputs": outputs or [{"key": "team"}],
           "rows": [{"when": when, "then": then} for when, then in rows]}
    if aggregation:
        out["aggregation"] = aggregation
    return compile_table(out, columns(), lambda source: (lambda record: record["size"] * 2))


ROWS = [(["华东", ">= 500"], ["ka_east"]), (["east", "-"], ["smb_east"]),
        (['IN ["north", "south"]', "[0..500)"], ["smb"]), (["-", "-"], ["pool"])]


def test_first_takes_the_first_matching_row():
    t = table("first", ROWS)
    assert t.evaluate({"region": "east", "size": 800}) == {"team": "ka_east"}
    assert t.evaluate({"region": "east", "size": "12"}) == {"team": "smb_east"}
    assert t.evaluate({"region": "north", "size": 12}) == {"team": "smb"}
    assert t.evaluate({"region": "west", "size": 12}) == {"team": "pool"}
    assert t.matches({"region": "east", "size": 800}) == [0, 1, 3]


def test_unique_refuses_two_matches_and_gives_none_for_no_match():
    t = table("unique", ROWS[:3])
    assert t.evaluate({"region": "north", "size": 100}) == {"team": "smb"}
    assert t.evaluate({"region": "north", "size": 900}) is None
    with pytest.raises(DecisionError, match="rows 1, 2 all match"):
        t.evaluate({"region": "east", "size": 800})


def test_any_accepts_matches_that_agree():
    t = table("any", [(["east", "-"], ["a"]), (["-", "> 10"], ["a"]), (["-", "> 100"], ["b"])])
    assert t.evaluate({"region": "east", "size": 50}) == {"team": "a"}
    with pytest.raises(DecisionError):
        t.evaluate({"region": "east", "size": 500})


def test_priority_and_output_order_rank_by_the_output_values():
    outputs = [{"key": "team", "values": ["pool", "smb", "ka_east", "smb_east"]}]
    assert table("priority", ROWS, outputs).evaluate(
        {"region": "east", "size": 800}) == {"team": "pool"}
    assert table("output_order", ROWS, outputs).evaluate({"region": "east", "size": 800}) == [
        {"team": "pool"}, {"team": "ka_east"}, {"team": "smb_east"}]


def test_rule_order_lists_every_match_in_row_order():
    assert table("rule_order", ROWS).evaluate({"region": "east", "size": 800}) == [
        {"team": "ka_east"}, {"team": "smb_east"}, {"team": "pool"}]


@pytest.mark.parametrize("aggregation, expected", [
    (None, [{"points": 10}, {"points": 15}, {"points": 1000}]), ("sum", 1025),
    ("min", 10), ("max", 1000), ("count", 3)])
def test_collect_with_each_aggregation(aggregation, expected):
    rows = [(["east", "-"], [10]), (["-", "> 100"], [15]), (["south", "-"], [99]),
            (["-", "-"], [{"formula": "{size} * 2"}])]
    t = table("collect", rows, [{"key": "points"}], aggregation)
    assert t.evaluate({"region": "east", "size": 500}) == expected


def test_collect_sum_of_no_match_is_zero():
    t = table("collect", [(["east", "-"], [10])], [{"key": "points"}], "sum")
    assert t.evaluate({"region": "north", "size": 1}) == 0


def test_a_table_without_an_equality_column_scans_in_order():
    t = table("first", [(["-", "> 500"], ["big"]), (["-", "-"], ["small"])])
    assert t.evaluate({"region": "east", "size": 501}) == {"team": "big"}
    assert t.evaluate({"region": ["x"], "size": None}) == {"team": "small"}


def test_an_unhashable_value_still_finds_its_rows():
    t = table("first", ROWS)
    assert t.evaluate({"region": ["east"], "size": 1}) == {"team": "pool"}


def test_a_cell_that_does_not_parse_stops_the_compile():
    with pytest.raises(DecisionError, match="row 1, column 2"):
        table("first", [(["east", "> east"], ["a"])])


def test_numbers_as_text_decimals_and_blanks():
    from decimal import Decimal
    t = table("first", [(["-", "[0.5..2.5]"], ["mid"]), (["-", "<> 7"], ["not7"])])
    assert t.evaluate({"region": "east", "size": "1.5"}) == {"team": "mid"}
    assert t.evaluate({"region": "east", "size": Decimal("2.5")}) == {"team": "mid"}
    assert t.evaluate({"region": "east", "size": None}) == {"team": "not7"}
    assert t.evaluate({"region": "east", "size": "abc"}) == {"team": "not7"}
    assert t.evaluate({"region": "east", "size": 7}) is None
    assert t.evaluate({"region": "east", "size": True}) == {"team": "not7"}


def three_columns(rows, policy="first", integer=False, extra_choices=0):
    choices = tuple((f"c{i}", None) for i in range(extra_choices))
    cols = [Column("a", "a", field_reader("a", "text"), "text", field="a"),
            Column("b", "b", field_reader("b", "boolean"), "boolean"),
            Column("c", "c", field_reader("c", "choice"), "choice", choices, field="c")]
    doc = {"hit_policy": policy, "inputs": [{}, {}, {}], "outputs": [{"key": "x"}],
           "rows": [{"when": w, "then": [x]} for w, x in rows]}
    return compile_table(doc, cols, no_formulas)


@pytest.mark.parametrize("extra_choices", [0, 30_000])  # listed combinations, or bit masks
def test_three_columns_with_booleans_negations_and_many_choices(extra_choices):
    rows = [(['NOT IN ["x", "y"]', "TRUE", "-"], 1), (["x", "-", "c1"], 2),
            (["-", "FALSE", "-"], 3)]
    t = three_columns(rows, extra_choices=extra_choices)
    assert t.evaluate({"a": "z", "b": True, "c": "c5"}) == {"x": 1}
    assert t.evaluate({"a": None, "b": True}) == {"x": 1}
    assert t.evaluate({"a": "x", "b": True, "c": "c1"}) == {"x": 2}
    assert t.evaluate({"a": "x", "b": None, "c": "c2"}) is None
    assert t.evaluate({"a": ["x"], "b": False, "c": ["c1"]}) == {"x": 3}
    assert t.matches({"a": "q", "b": False, "c": None}) == [2]


def test_unique_errors_survive_the_precomputed_path():
    t = three_columns([(["-", "-", "-"], 1), (["x", "-", "-"], 2)], policy="unique")
    assert t.evaluate({"a": "y"}) == {"x": 1}
    with pytest.raises(DecisionError, match="rows 1, 2 all match"):
        t.evaluate({"a": "x"})

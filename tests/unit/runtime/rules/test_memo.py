"""Scoring kept per kind of record (runtime.rules.memo) gives exactly what working every
attribute out on every record gives: on the constants the formulas compare with, on the
doubles either side of them, on blanks, missing fields, decimals and numbers written as text;
and what a formula reads decides whether it can be kept at all."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.fields.registry import build_field_registry
from runtime.formula.registry import build_function_registry
from runtime.rules.actions import build_action_registry
from runtime.rules.checks import RulesetCheck
from runtime.rules.engine import CompileContext, compile_ruleset
from runtime.rules.memo import cuts
from runtime.rules.scoring import compile_models
from tests.integration.helpers import field, form_doc

ATTRIBUTES = {
    "big": ("{n} > 500", 15),
    "small": ("500 >= {n}", -5),  # the constant on the left
    "fifty": ("{n} = 50", 7),
    "not_seven": ("{m} <> 7", 2),
    "m_low": ("{m} < 3.5", 4),
    "m_high": ("{m} >= 10", 6),
    "k_band": ("AND({k} > 0, {k} <= 100)", 3),
    "twice": ("{n} * 2 > 300", 1),  # arithmetic: n kept as it is
    "money": ("{amount} > 1000", 9),  # a decimal field
    "finance": ('{industry} IN ["金融", "制造"]', 10),
    "initial": ('LEFT({industry}, 1) = "教"', -3),
    "dm": ("{dm}", 20),
    "blank": ("ISBLANK({industry})", -1),
    "today": ('TODAY() > DATE("2026-01-01")', 5),  # the clock: never kept
}
EDGES = [0, 3.5, 7, 10, 50, 100, 300, 500, 1000]
NUMBERS = st.one_of(
    st.none(), st.sampled_from(EDGES),
    st.sampled_from(EDGES).map(lambda c: math.nextafter(c, math.inf)),
    st.sampled_from(EDGES).map(lambda c: math.nextafter(c, -math.inf)),
    st.sampled_from(EDGES).map(float), st.integers(-2000, 2000),
    st.floats(-2000, 2000, allow_nan=False), st.sampled_from(["500", "x", "1000.5"]),
    st.sampled_from([Decimal("500"), Decimal("1000.0000000001"), Decimal("7")]))
RECORDS = st.fixed_dictionaries(
    {"industry": st.sampled_from([None, "金融", "制造", "教育", "零售", ""])},
    optional={"n": NUMBERS, "m": NUMBERS, "k": NUMBERS, "amount": NUMBERS,
              "dm": st.sampled_from([None, True, False]),
              "region": st.sampled_from([None, "east", "south", "nowhere"]),
              "size": NUMBERS})


def ruleset() -> dict:
    rows = [{"when": ['"east"', "[0..500)"], "then": [4]},
            {"when": ['"east"', ">= 500"], "then": [8]},
            {"when": ["-", "= 50"], "then": [-2]}]
    return {"kind": "ruleset", "key": "s", "form": "f", "label": "s",
            "scoring": [{"key": "m", "field": "score", "attributes": [
                {"key": k, "when": w, "points": p} for k, (w, p) in ATTRIBUTES.items()]
                + [{"key": "fit", "table": "fit", "output": "points"}]}],
            "tables": [{"key": "fit", "hit_policy": "first",
                        "inputs": [{"key": "region", "field": "region"},
                                   {"key": "size", "field": "size"}],
                        "outputs": [{"key": "points"}], "rows": rows}]}


@pytest.fixture(scope="module")
def models():
    form = form_doc("f", [field("industry"), field("n", "number"), field("m", "number"),
                          field("k", "number"), field("amount", "decimal"),
                          field("dm", "boolean"), field("size", "number"),
                          field("region", "select", config={"choices": [
                              {"value": "east", "label": "East"},
                              {"value": "south", "label": "South"}]}),
                          field("score", "number")])
    check = RulesetCheck(build_function_registry(), build_action_registry())
    ctx = CompileContext({"f": form}, build_field_registry(), check,
                         lambda: datetime(2026, 12, 4, tzinfo=UTC), UTC, "app")
    doc = ruleset()
    compiled = compile_ruleset(doc, ctx)
    [kept] = compile_models(doc, compiled.formulas, compiled.tables, lambda f: True,
                            compiled.reads)
    direct = replace(kept, attributes=tuple(replace(a, reads=None) for a in kept.attributes))
    return kept, direct


def test_what_each_formula_reads(models):
    kept, _direct = models
    reads = {a.key: a.reads for a in kept.attributes}
    assert reads["big"].raw == frozenset() and reads["big"].bounds == {
        "n": frozenset({math.nextafter(500.0, math.inf)})}
    assert reads["small"].bounds == {"n": frozenset({math.nextafter(500.0, math.inf)})}
    assert reads["fifty"].bounds == {"n": frozenset({50.0, math.nextafter(50.0, math.inf)})}
    assert reads["m_high"].bounds == {"m": frozenset({10.0})}
    assert reads["twice"].raw == {"n"} and reads["twice"].bounds == {}
    assert reads["initial"].raw == {"industry"}
    assert reads["today"] is None  # depends on the clock
    assert reads["fit"].raw == {"region"} and reads["fit"].bounds["size"] >= {500.0, 50.0}


@settings(max_examples=600, deadline=None)
@given(RECORDS)
def test_kept_scores_are_the_scores_worked_out(models, record):
    kept, direct = models
    assert kept.fresh(record) == direct.fresh(record)
    assert kept.fresh(record) == kept.fresh(dict(record))  # twice: the second from the keep


def test_the_same_kind_of_record_is_worked_out_once(models):
    kept, _direct = models
    calls = []
    seen = kept.attributes[0].when
    first = replace(kept.attributes[0], when=lambda r: calls.append(r) or seen(r))
    others = tuple(a for a in kept.attributes[1:] if a.key != "twice")  # reads n as it is
    counted = replace(kept, attributes=(first, *others))
    base = {"industry": "金融", "n": 600, "m": 1, "k": 5, "amount": None, "dm": True,
            "region": "east", "size": 10}
    for n in (600, 700, 501, 900.5):  # all above 500, below nothing else: one kind
        counted.fresh({**base, "n": n})
    assert len(calls) == 1
    counted.fresh({**base, "n": 500})  # on the constant: another kind
    assert len(calls) == 2


@pytest.mark.parametrize(("op", "c", "below", "on", "above"), [
    (">", 5.0, False, False, True), ("<=", 5.0, True, True, False),
    ("<", 5.0, True, False, False), (">=", 5.0, False, True, True),
    ("=", 5.0, False, True, False), ("<>", 5.0, True, False, True)])
def test_cuts_tell_apart_what_the_comparison_does(op, c, below, on, above):
    from bisect import bisect_right
    points = sorted(cuts(op, c))
    where = {v: bisect_right(points, v) for v in (math.nextafter(c, -math.inf), c,
                                                   math.nextafter(c, math.inf), 4, 6)}
    compare = {">": float.__gt__, "<=": float.__le__, "<": float.__lt__, ">=": float.__ge__,
               "=": float.__eq__, "<>": float.__ne__}[op]
    for v, i in where.items():
        for w, j in where.items():
            if i == j:  # the same interval: the comparison cannot tell them apart
                assert compare(float(v), c) == compare(float(w), c), (v, w)
    assert (compare(c - 1, c), compare(c, c), compare(c + 1, c)) == (below, on, above)

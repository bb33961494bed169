"""Decision-table benchmark: a 20-row routing/scoring table (region × company size → team and
points, hit policy FIRST) and a COLLECT-sum scoring matrix, compiled by runtime.rules versus the
same lookups hand-written in Python, over 100k records, same run.

    .venv/bin/python bench/decisions.py [--records 100000] [--rounds 5] [--quick]

Both sides must agree on every record before anything is timed; the figure is the best of
``--rounds``. (The issue's bench/rules.py adds a 10-rule scoring model and the write path.)
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ratio_line, timed  # noqa: E402
from runtime.rules.decisions import Column, compile_table, field_reader  # noqa: E402

REGIONS = ["east", "north", "south", "west", "central"]
SIZES = ["[0..50)", "[50..500)", "[500..1000)", ">= 1000"]
INDUSTRIES = ["金融", "制造", "零售", "教育", "医疗", "互联网"]
POINTS = {r: [i * 4 + j for j in range(4)] for i, r in enumerate(REGIONS)}


def first_table() -> dict:
    rows = [{"when": [region, size], "then": [f"{region}_{j}", POINTS[region][j]]}
            for region in REGIONS for j, size in enumerate(SIZES)]
    return {"key": "routing", "hit_policy": "first",
            "inputs": [{"key": "region"}, {"key": "employees"}],
            "outputs": [{"key": "team"}, {"key": "points"}], "rows": rows}


def collect_table() -> dict:
    rows = [{"when": ['IN ["金融", "制造"]', "-"], "then": [10]},
            {"when": ["-", "> 500"], "then": [15]},
            {"when": ['"互联网"', "[100..500]"], "then": [5]},
            {"when": ['"教育"', "-"], "then": [-10]}]
    return {"key": "fit", "hit_policy": "collect", "aggregation": "sum",
            "inputs": [{"key": "industry"}, {"key": "employees"}],
            "outputs": [{"key": "points"}], "rows": rows}


def columns(first: str, first_kind: str) -> list[Column]:
    choices = tuple((r, None) for r in REGIONS) if first_kind == "choice" else ()
    return [Column(first, first, field_reader(first, first_kind), first_kind, choices,
                   field=first),
            Column("employees", "employees", field_reader("employees", "number"), "number",
                   integer=True, field="employees")]


def hand_first(record: dict) -> dict | None:
    region, size = record.get("region"), record.get("employees")
    row = POINTS.get(region)
    if row is None or size is None or size < 0:
        return None
    j = 0 if size < 50 else 1 if size < 500 else 2 if size < 1000 else 3
    return {"team": f"{region}_{j}", "points": row[j]}


def hand_collect(record: dict) -> int:
    industry, size = record.get("industry"), record.get("employees")
    total = 0
    if industry in ("金融", "制造"):
        total += 10
    if size is not None and size > 500:
        total += 15
    if industry == "互联网" and size is not None and 100 <= size <= 500:
        total += 5
    if industry == "教育":
        total -= 10
    return total


def records(n: int) -> list[dict]:
    rng = random.Random(11)
    return [{"region": rng.choice(REGIONS + [None]), "industry": rng.choice(INDUSTRIES),
             "employees": rng.choice([None, rng.randint(0, 3000)])} for _ in range(n)]


def best(fn, data: list[dict], rounds: int) -> float:
    return min(timed(lambda: [fn(r) for r in data]) for _ in range(rounds))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    n, rounds = (2000, 1) if args.quick else (args.records, args.rounds)
    data = records(n)
    first = compile_table(first_table(), columns("region", "choice"), lambda s: None)
    collect = compile_table(collect_table(), columns("industry", "text"), lambda s: None)
    for name, ours, hand in (("decisions first (20 rows)", first.evaluate, hand_first),
                             ("decisions collect sum", collect.evaluate, hand_collect)):
        mismatch = next((r for r in data if ours(r) != hand(r)), None)
        if mismatch is not None:
            raise SystemExit(f"{name}: the sides disagree on {mismatch}: {ours(mismatch)} "
                             f"versus {hand(mismatch)}")
        t_ours, t_hand = best(ours, data, rounds), best(hand, data, rounds)
        print(ratio_line(name, n / t_ours, n / t_hand, "records/s", "≥ 0.5"))


if __name__ == "__main__":
    main()

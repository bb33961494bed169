"""Formula benchmark: a 10-formula lead-scoring set compiled to Python closures versus the same
logic hand-written in Python, over 100k records; and list filters compiled to SQL versus
hand-written SQL WHERE clauses, over a 1M-row table, same database, same run.

    .venv/bin/python bench/formula.py [--records 100000] [--rows 1000000] [--rounds 3]
                                      [--database URL] [--quick]

A record/s figure counts a record scored by all ten formulas (the sum of each formula's best
time). The hand-written functions read the record with ``.get`` and treat NULL as the formula
language does; both sides must agree on every record before anything is timed, and both filters
must find the same ids. SQLite (a temporary file) by default; PostgreSQL with
--database postgresql://... or TRELLIS_DATABASE_URL. --quick is a smoke run for the tests.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import random
import sys
import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from bench.common import ratio_line, timed  # noqa: E402

NOW = datetime(2026, 3, 5, 8, 30, tzinfo=UTC)
TABLE = "bench_formula_leads"
BATCH = 20_000

INDUSTRIES = ["金融", "制造", "零售", "教育", "医疗", "互联网"]
SOURCES = ["官网", "展会", "微信", "抖音", "转介绍", "API"]
TITLES = ["CEO", "CTO", "总经理", "销售经理", "市场经理", "采购经理", "工程师", "总监", "专员"]
CITIES = ["上海", "北京", "深圳", "杭州", "成都"]


def _choices(values: list[str]) -> dict:
    return {"choices": [{"value": v, "label": v} for v in values]}


FORM = {
    "kind": "form", "key": "lead", "label": {"zh": "线索", "en": "Lead"},
    "fields": [
        {"key": "name", "type": "text", "label": "姓名", "required": True},
        {"key": "company", "type": "text", "label": "公司"},
        {"key": "title", "type": "text", "label": "职位"},
        {"key": "city", "type": "text", "label": "城市"},
        {"key": "industry", "type": "select", "label": "行业", "config": _choices(INDUSTRIES)},
        {"key": "source", "type": "select", "label": "来源", "config": _choices(SOURCES)},
        {"key": "employees", "type": "number", "label": "人数"},
        {"key": "visits", "type": "number", "label": "访问次数"},
        {"key": "budget", "type": "decimal", "label": "预算", "config": {"precision": 2}},
        {"key": "email", "type": "email", "label": "邮箱"},
        {"key": "phone", "type": "phone", "label": "电话"},
        {"key": "last_visit", "type": "date", "label": "最近访问"},
        {"key": "created", "type": "date", "label": "创建日期"},
    ],
}


# -- the records ------------------------------------------------------------------------------

def _maybe(rng: random.Random, value: Any, blank: float = 0.15) -> Any:
    return None if rng.random() < blank else value


def leads(n: int, seed: int = 11) -> list[dict]:
    """Records as the runtime holds them: numbers, Decimals, text, dates and None."""
    rng = random.Random(seed)
    start = date(2025, 6, 1)
    out = []
    for i in range(n):
        mobile = rng.random() < 0.7
        out.append({
            "name": f"客户{i}",
            "company": _maybe(rng, f"公司{i % 7919}", 0.3),
            "title": _maybe(rng, rng.choice(TITLES)),
            "city": _maybe(rng, rng.choice(CITIES), 0.4),
            "industry": _maybe(rng, rng.choice(INDUSTRIES)),
            "source": _maybe(rng, rng.choice(SOURCES), 0.1),
            "employees": _maybe(rng, rng.randrange(2000)),
            "visits": _maybe(rng, rng.randrange(15), 0.3),
            "budget": _maybe(rng, Decimal(rng.randrange(10**8)) / 100, 0.25),
            "email": _maybe(rng, f"{rng.choice(['sales', 'info', 'user'])}{i}@example.com"),
            "phone": _maybe(rng, f"1{rng.randrange(3, 9)}{rng.randrange(10**9):09d}" if mobile
                            else f"{rng.randrange(10**7, 10**8)}", 0.2),
            "last_visit": _maybe(rng, NOW.date() - timedelta(days=rng.randrange(60)), 0.2),
            "created": start + timedelta(days=rng.randrange(300)),
        })
    return out


# -- part 1: scoring formulas in Python -----------------------------------------------------

def _today() -> date:
    return NOW.date()  # what the formula's clock says; both sides ask once per record


ONE = Decimal(1)
BIG_INDUSTRIES = frozenset({"金融", "制造"})
TOP_TITLES = frozenset({"CEO", "CTO", "总经理"})


def industry_fit(r: Mapping) -> Any:
    employees = r.get("employees")
    return 25 if r.get("industry") in BIG_INDUSTRIES and employees is not None \
        and employees > 500 else 0


def seniority(r: Mapping) -> Any:
    title = r.get("title")
    if title in TOP_TITLES:
        return 20
    return 10 if title is not None and "经理" in title else 0


def has_email(r: Mapping) -> Any:
    return 0 if not r.get("email") else 5


def recent_visit(r: Mapping) -> Any:
    seen = r.get("last_visit")
    return 15 if seen is not None and (_today() - seen).days <= 7 else 0


def budget_points(r: Mapping) -> Any:
    budget = r.get("budget")
    return None if budget is None else float((budget / 10000).quantize(ONE, ROUND_HALF_UP))


def has_mobile(r: Mapping) -> Any:
    phone = r.get("phone")
    return 5 if phone is not None and len(phone) >= 11 else 0


def from_website(r: Mapping) -> Any:
    return 10 if r.get("source") == "官网" else 0


def size_band(r: Mapping) -> Any:
    employees = r.get("employees")
    if employees is None:
        return 0
    if employees >= 1000:
        return 30
    if employees >= 200:
        return 20
    return 10 if employees >= 50 else 0


def engagement(r: Mapping) -> Any:
    visits = r.get("visits")
    return 0 if visits is None else min(max(visits * 2, 0), 20)


def label(r: Mapping) -> Any:
    company = r.get("company")
    if company is None:
        company = r.get("name") or ""
    city = r.get("city")
    return f"{company} · {'未知' if city is None else city}"


SCORING: list[tuple[str, Callable[[Mapping], Any]]] = [
    ('IF(AND({industry} IN ["金融", "制造"], {employees} > 500), 25, 0)', industry_fit),
    ('IF({title} IN ["CEO", "CTO", "总经理"], 20, IF(CONTAINS({title}, "经理"), 10, 0))',
     seniority),
    ("IF(ISBLANK({email}), 0, 5)", has_email),
    ("IF(DAYS_BETWEEN({last_visit}, TODAY()) <= 7, 15, 0)", recent_visit),
    ("ROUND({budget} / 10000, 0)", budget_points),
    ("IF(LEN({phone}) >= 11, 5, 0)", has_mobile),
    ('IF({source} = "官网", 10, 0)', from_website),
    ("IFS({employees} >= 1000, 30, {employees} >= 200, 20, {employees} >= 50, 10, TRUE, 0)",
     size_band),
    ("MIN(MAX({visits} * 2, 0), 20)", engagement),
    ('COALESCE({company}, {name}) & " · " & COALESCE({city}, "未知")', label),
]


def scope():
    from runtime.fields.registry import build_field_registry
    from runtime.formula.types import scope_of_form

    return scope_of_form(FORM, lambda key: None, build_field_registry())


def functions():
    from runtime.formula.registry import build_function_registry

    return build_function_registry()


def run_python(n: int, rounds: int) -> float:
    from runtime.formula.checker import check
    from runtime.formula.python import compile_python

    form_scope, registry = scope(), functions()
    compiled = [compile_python(check(source, form_scope, registry), now=lambda: NOW,
                               registry=registry) for source, _ in SCORING]
    handwritten = [fn for _, fn in SCORING]
    records = leads(n)
    for (source, fn), ours in zip(SCORING, compiled, strict=True):
        for record in records:
            expected, got = fn(record), ours(record)
            assert got == expected, (source, record, got, expected)
    gc.collect()
    gc.freeze()  # the records are not part of either path

    def evaluate(fns: list) -> Callable[[], None]:
        return lambda: [[f(r) for r in records] for f in fns]

    per_formula = {i: [math.inf, math.inf] for i in range(len(SCORING))}
    for _ in range(rounds):  # best of a few rounds, interleaved: the machine is noisy
        for i in range(len(SCORING)):
            best = per_formula[i]
            best[1] = min(best[1], timed(evaluate([handwritten[i]])))
            best[0] = min(best[0], timed(evaluate([compiled[i]])))
    gc.unfreeze()
    ours = sum(b[0] for b in per_formula.values())
    raw = sum(b[1] for b in per_formula.values())
    print(f"python: {len(SCORING)} scoring formulas, records: {n:,}, best of {rounds} rounds")
    for i, (source, fn) in enumerate(SCORING):
        our_s, raw_s = per_formula[i]
        print(f"  {raw_s / our_s:5.2f}  {fn.__name__:<13} {source}")
    print(ratio_line("formula python", n / ours, n / raw, "records/s", ">= 0.50"))
    return raw / ours


# -- part 2: list filters in SQL --------------------------------------------------------------

FILTERS = [
    ("choices, numbers, dates",
     'AND({industry} IN ["金融", "制造"], {employees} > 500, {created} >= DATE(2026, 1, 1))',
     "industry IN ('金融', '制造') AND employees > 500 AND created >= '2026-01-01'"),
    ("text functions",
     'AND(CONTAINS({title}, "经理"), LEN({phone}) >= 11, STARTSWITH({email}, "sales"))',
     "title LIKE '%经理%' AND length(phone) >= 11 AND email LIKE 'sales%'"),
]


def lead_table(metadata: sa.MetaData) -> sa.Table:
    """The table with the columns the runtime's field types give these fields."""
    from runtime.fields.registry import build_field_registry

    field_types = build_field_registry()
    columns = [c for fld in FORM["fields"] for c in field_types[fld["type"]].columns(fld)]
    return sa.Table(TABLE, metadata, sa.Column("id", sa.Integer, primary_key=True), *columns)


def fill(engine: sa.Engine, table: sa.Table, rows: int) -> None:
    table.metadata.drop_all(engine)
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        for first in range(0, rows, BATCH):
            batch = leads(min(BATCH, rows - first), seed=first)
            for i, row in enumerate(batch, first + 1):
                row["id"] = i
            conn.execute(table.insert(), batch)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f"ANALYZE {TABLE}"))


def run_sql(rows: int, database_url: str | None, rounds: int) -> list[float]:
    from runtime.formula.checker import check
    from runtime.formula.sql import compile_sql

    folder = tempfile.TemporaryDirectory(prefix="trellis-bench-")
    engine = sa.create_engine(database_url or f"sqlite:///{folder.name}/formula.db")
    dialect = engine.dialect.name
    table = lead_table(sa.MetaData())
    form_scope, registry = scope(), functions()
    ratios = []
    try:
        fill(engine, table, rows)
        print(f"sql: database: {dialect}, rows: {rows:,}, best of {rounds} rounds")
        for name, source, where in FILTERS:
            compiled = compile_sql(check(source, form_scope, registry), dict(table.c), dialect,
                                   now=lambda: NOW, registry=registry)
            ratios.append(compare_filter(engine, table, name, compiled, sa.text(where), rounds))
    finally:
        table.metadata.drop_all(engine)
        engine.dispose()
        folder.cleanup()
    return ratios


def compare_filter(engine: sa.Engine, table: sa.Table, name: str, ours: sa.ColumnElement,
                   raw: sa.TextClause, rounds: int) -> float:
    queries = {
        "count": lambda where: sa.select(sa.func.count()).select_from(table).where(where),
        "ids": lambda where: sa.select(table.c.id).where(where),
    }
    with engine.connect() as conn:
        our_ids = conn.execute(queries["ids"](ours)).scalars().all()
        raw_ids = conn.execute(queries["ids"](raw)).scalars().all()
        our_count = conn.execute(queries["count"](ours)).scalar_one()
        raw_count = conn.execute(queries["count"](raw)).scalar_one()
        assert our_count == raw_count == len(raw_ids) > 0, (name, our_count, raw_count)
        assert sorted(our_ids) == sorted(raw_ids), name
        our_total = raw_total = 0.0
        for kind, query in queries.items():
            def run(where, query=query):
                return lambda: conn.execute(query(where)).all()
            our_s = raw_s = math.inf
            for _ in range(rounds):
                raw_s = min(raw_s, timed(run(raw)))
                our_s = min(our_s, timed(run(ours)))
            our_total, raw_total = our_total + our_s, raw_total + raw_s
            print(f"  {name}, {kind}: trellis {our_s * 1000:,.1f} ms, hand-written "
                  f"{raw_s * 1000:,.1f} ms, time ratio {our_s / raw_s:.2f}")
    ratio = our_total / raw_total
    print(f"formula sql ({name}): {raw_count:,} of the rows match, time ratio {ratio:.2f} "
          f"(target <= 1.20)")
    return ratio


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", "--database-url", dest="database", default=None)
    parser.add_argument("--only", choices=("python", "sql"), default=None)
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and one round: a smoke run, not a measurement")
    args = parser.parse_args(argv)
    if args.quick:
        args.records, args.rows, args.rounds = 2_000, 5_000, 1
    database = args.database or os.environ.get("TRELLIS_DATABASE_URL") or None
    if args.only != "sql":
        run_python(args.records, args.rounds)
    if args.only != "python":
        run_sql(args.rows, database, args.rounds)


if __name__ == "__main__":
    main()

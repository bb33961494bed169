"""Identity benchmark: matching one incoming record against many stored records (1M by
default) with exact rules (phone, e-mail) and a fuzzy rule (name + company, blocked by the
name's pinyin) on — cleaning the arrival, computing its keys, looking them up, reading and
scoring the fuzzy candidates. Prints the p50/p95/p99 latency (target: p95 <= 50 ms).

The stored records, their keys and block keys are written with SQLAlchemy Core executemany
(the keys exactly as runtime.identity computes them), so the set-up takes a minute, not hours.

    .venv/bin/python bench/identity.py [--records 1000000] [--queries 500]
                                       [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import make_app, publish  # noqa: E402

CHUNK = 20_000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华玉萍红鹏建晶"
FORM = {
    "kind": "form", "key": "lead", "label": "Lead",
    "fields": [{"key": "name", "type": "text", "label": "Name"},
               {"key": "company", "type": "text", "label": "Company"},
               {"key": "phone", "type": "phone", "label": "Mobile"},
               {"key": "email", "type": "email", "label": "Email"}],
    "identity": {"match": [{"key": "phone", "fields": ["phone"]},
                           {"key": "email", "fields": ["email"]},
                           {"key": "name_company", "fuzzy": {"name": 0.9, "company": 0.85},
                            "then": "review"}]},
}


def person(i: int, rng: random.Random) -> dict:
    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
    return {"name": name, "company": f"公司{i % 50_000}有限公司",
            "phone": f"+86{('13', '15', '18')[i % 3]}{i:09d}", "email": f"lead{i}@example.com"}


def fill(runtime, plan, n: int, rng: random.Random) -> list[dict]:
    """Write ``n`` records with their identity keys; returns a sample of them."""
    import sqlalchemy as sa

    from runtime.identity.models import IdentityBlock, IdentityKey
    from runtime.identity.store import rules_of, stored

    rules = rules_of(plan)
    now = datetime.now(UTC)
    blocks_of: dict[str, list] = {}
    sample = []
    with runtime.engine.begin() as conn:
        for start in range(0, n, CHUNK):
            people = [person(i, rng) for i in range(start, min(n, start + CHUNK))]
            rows = [{"id": start + k + 1, "created_at": now, "updated_at": now, "version": 1,
                     "created_by": None, "owner_id": None, "deleted_at": None, **p}
                    for k, p in enumerate(people)]
            conn.execute(plan.table.insert(), rows)
            keys, blocks = [], []
            for row in rows:
                base = {"app_key": "bench", "form_key": "lead", "record_id": row["id"]}
                keys += [{**base, "rule": r.key, "value": stored(v)}
                         for r, v in rules.keys(row) if not r.review]
                name = row["name"]
                if name not in blocks_of:
                    blocks_of[name] = rules.block_keys(row)
                blocks += [{**base, "rule": r.key, "value": stored(v)}
                           for r, v in blocks_of[name]]
            conn.execute(IdentityKey.__table__.insert(), keys)
            conn.execute(IdentityBlock.__table__.insert(), blocks)
            sample += rng.sample(people, 5)
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text(f"ANALYZE identity_keys; ANALYZE identity_blocks; "
                                 f'ANALYZE "{plan.table.name}"'))
    return sample


def arrivals(sample: list[dict], count: int, rng: random.Random) -> list[dict]:
    """Half: a stored person again, written another way; half: someone new whose name and
    company resemble a stored one's (the fuzzy rule's work)."""
    out = []
    for i in range(count):
        p = rng.choice(sample)
        if i % 2:
            digits = p["phone"][3:]
            out.append({"name": " ".join(p["name"]), "company": p["company"],
                        "phone": f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}",
                        "email": p["email"].upper()})
        else:
            out.append({"name": p["name"], "company": p["company"].replace("有限公司", ""),
                        "phone": f"1590000{i:04d}", "email": f"new{i}@example.org"})
    return out


def run(n: int, queries: int, database_url: str | None) -> None:
    from runtime.identity.resolver import Resolver
    from runtime.permissions import Principal

    app = make_app(database_url, REDIS_URL=None)
    runtime = app.extensions["trellis"]
    publish(app, {"kind": "app", "key": "bench", "label": "Bench"}, [FORM])
    rng = random.Random(11)
    with runtime.session() as session:
        plan = runtime.plan(session, "bench", "lead")
    began = time.perf_counter()
    sample = fill(runtime, plan, n, rng)
    print(f"database: {runtime.engine.dialect.name}; {n:,} records with keys written in "
          f"{time.perf_counter() - began:.0f} s")
    principal = Principal(user_id=None, roles=frozenset({"admin"}), name="bench")
    times, merged, flagged = [], 0, 0
    with runtime.session() as session, session.begin():
        records = runtime.records(session, plan, principal, via="api")
        resolver = Resolver(records)
        for payload in arrivals(sample, queries + 20, rng):
            start = time.perf_counter()
            [checked] = records.check_new([payload])
            assert "values" in checked, (payload, checked)
            match = resolver.match(checked["values"])
            times.append(time.perf_counter() - start)
            merged += bool(match.merge)
            flagged += bool(match.review)
        session.rollback()
    times = sorted(times[20:])  # the first ones warm caches (pinyin, plans)
    p95 = times[int(len(times) * 0.95) - 1] * 1000
    print(f"match one arrival against {n:,} records: p50 {statistics.median(times) * 1000:.1f}"
          f" ms, p95 {p95:.1f} ms, p99 {times[int(len(times) * 0.99) - 1] * 1000:.1f} ms "
          f"(target p95 <= 50 ms); {merged} matched exactly, {flagged} flagged for review")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    run(args.records, args.queries, args.database_url)


if __name__ == "__main__":
    main()

"""Find-duplicates benchmark: a scan of a whole form (100k records by default) whose records
were stored before its match rules — about 10% of them a stored person again: the same phone,
the same e-mail with a company, or an alike name at the same company — with exact rules
(phone, e-mail: merge) and a fuzzy rule (name + company: review) on. The scan keys
every record again, then matches them in batches, merging and queueing as the rules say.
Prints records/s for the whole scan and for each phase, and checks the counts against the
generator's truth (merged = the phone and e-mail duplicates; queued >= the alike names).

The records are written with SQLAlchemy Core executemany (values as cleaning stores them),
without keys: the scan makes them.

    .venv/bin/python bench/identity_scan.py [--records 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import make_app, publish  # noqa: E402
from bench.identity import FORM, person  # noqa: E402

CHUNK = 20_000
SHARE = 0.10  # of the records: a person stored before, again


def dataset(n: int, rng: random.Random) -> tuple[list[dict], dict[str, int]]:
    """``n`` records as stored, and how many duplicates of each kind they hold."""
    rows: list[dict] = []
    people: list[dict] = []
    kinds = {"phone": 0, "email": 0, "alike": 0}
    for i in range(n):
        if people and rng.random() < SHARE:
            p = rng.choice(people)
            kind = rng.choice(list(kinds))
            kinds[kind] += 1
            if kind == "phone":
                rows.append({"name": p["name"], "phone": p["phone"]})
            elif kind == "email":
                rows.append({"email": p["email"], "company": p["company"]})
            else:
                rows.append({"name": " ".join(p["name"]),
                             "company": p["company"].replace("有限公司", ""),
                             "phone": f"+86199{i:08d}", "email": f"alike{i}@example.org"})
            continue
        p = person(i, rng)
        people.append(p)
        rows.append(dict(p))
    return rows, kinds


def fill(runtime, plan, rows: list[dict]) -> None:
    import sqlalchemy as sa

    now = datetime.now(UTC)
    with runtime.engine.begin() as conn:
        for start in range(0, len(rows), CHUNK):
            conn.execute(plan.table.insert(), [
                {"id": start + k + 1, "created_at": now, "updated_at": now, "version": 1,
                 "created_by": None, "owner_id": None, "deleted_at": None,
                 **{f: None for f in ("name", "company", "phone", "email")}, **row}
                for k, row in enumerate(rows[start:start + CHUNK])])
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text(f'ANALYZE "{plan.table.name}"'))


def run(n: int, database_url: str | None) -> None:
    from app.auth import service as people_service
    from runtime.identity import scans
    from runtime.identity.scan_job import ScanJob

    app = make_app(database_url, REDIS_URL=None)
    runtime = app.extensions["trellis"]
    publish(app, {"kind": "app", "key": "bench", "label": "Bench"}, [FORM])
    with runtime.session() as session:
        plan = runtime.plan(session, "bench", "lead")
    rows, kinds = dataset(n, random.Random(13))
    began = time.perf_counter()
    fill(runtime, plan, rows)
    print(f"database: {runtime.engine.dialect.name}; {n:,} records written in "
          f"{time.perf_counter() - began:.0f} s; duplicates: {kinds}")
    with runtime.session() as session, session.begin():
        user = people_service.create_user(session, "bench@example.com", "password-123",
                                          ["admin"], runtime.clock.now())
        session.flush()
        principal = runtime.directory.principal(session, user.id)
        scan_id = scans.start(runtime.records(session, plan, principal, via="scan"), "en")
    marks: list[float] = []
    began = time.perf_counter()
    ScanJob(runtime, scan_id, on_progress=lambda _p: marks.append(time.perf_counter())).run()
    took = time.perf_counter() - began
    keyed = marks[0] - began
    with runtime.session() as session, session.begin():
        done = scans.get(runtime.records(session, plan, principal), scan_id)
    print(f"scan of {n:,} records: {took:.1f} s, {n / took:,.0f} records/s (keying "
          f"{keyed:.1f} s, {n / keyed:,.0f} records/s; matching {took - keyed:.1f} s, "
          f"{n / (took - keyed):,.0f} records/s)")
    print(f"merged {done['merged']:,} (expected {kinds['phone'] + kinds['email']:,}), "
          f"queued {done['queued']:,} for review (alike names stored: {kinds['alike']:,})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    run(args.records, args.database_url)


if __name__ == "__main__":
    main()

"""Capture benchmark: messy leads (about 10 % of them the same person again through another
channel, written another way: spaced and +86/0086 phones, upper-case e-mails, 北京/北京市/
Beijing, names with spaces) through the whole import path — a CSV file read, mapped, cleaned,
matched and merged by the form's identity rules, inserted with touches, audit entries and
events, in batches, by the import job — versus SQLAlchemy Core executemany of the already clean
rows into the same table, same database, same run. Then the dedup's pairwise precision and
recall against the generator's ground truth (which rows are one person).

    .venv/bin/python bench/capture.py [--leads 100000] [--duplicates 0.1]
                                      [--database-url URL]
"""

from __future__ import annotations

import argparse
import csv
import gc
import random
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from bench.common import make_app, publish, ratio_line, timed  # noqa: E402

CHUNK = 1000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红鹏建华晶"
CITIES = [("北京", ["北京", "北京市", "Beijing", "北京 朝阳区"], "北京市"),
          ("上海", ["上海", "上海市", "Shanghai", "上海 浦东新区"], "上海市"),
          ("深圳", ["广东深圳", "深圳市", "广东省 深圳市", "Shenzhen"], "广东省"),
          ("杭州", ["浙江杭州", "杭州市", "浙江省杭州市", "Hangzhou"], "浙江省")]
CHANNELS = ["website", "wechat", "douyin", "event", "baidu"]

FORM = {
    "kind": "form", "key": "lead", "label": {"zh": "线索", "en": "Lead"},
    "fields": [
        {"key": "name", "type": "text", "label": {"zh": "姓名", "en": "Name"}, "required": True},
        {"key": "company", "type": "text", "label": {"zh": "公司", "en": "Company"}},
        {"key": "phone", "type": "phone", "label": {"zh": "手机", "en": "Mobile"},
         "config": {"default_region": "CN"}},
        {"key": "email", "type": "email", "label": {"zh": "邮箱", "en": "Email"}},
        {"key": "area", "type": "region", "label": {"zh": "地区", "en": "Region"}},
        {"key": "first_source", "type": "touch", "label": {"zh": "首次来源", "en": "Source"},
         "config": {"touch": "first", "part": "source"}},
    ],
    "identity": {"match": [{"key": "phone", "fields": ["phone"]},
                           {"key": "email", "fields": ["email"]}],
                 "merge": {"default": "fill_blanks"}},
}


def people(n: int, rng: random.Random) -> list[dict]:
    out = []
    for i in range(n):
        city = CITIES[i % len(CITIES)]
        out.append({"name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    "company": f"公司{i % 20000}", "mobile": f"13{i:09d}",
                    "email": f"lead{i}@example.com", "city": city})
    return out


def messy(person: dict, rng: random.Random, again: bool) -> list[str]:
    """A row as a channel sends it: a second arrival is written another way."""
    mobile, email, name = person["mobile"], person["email"], person["name"]
    if again:
        mobile = rng.choice([f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}", f"0086{mobile}",
                             f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}", f"86{mobile}"])
        email = rng.choice([email.upper(), f" {email} ", email.capitalize()])
        name = rng.choice([" ".join(name), name, f" {name}"])
        if rng.random() < 0.3:
            email = ""  # known by the phone alone
    return [name, person["company"], mobile, email, rng.choice(person["city"][1]),
            rng.choice(CHANNELS)]


def dataset(n: int, share: float, seed: int = 7) -> tuple[list[list[str]], list[int]]:
    """Rows and, per row, the person it is (the ground truth)."""
    rng = random.Random(seed)
    unique = int(n / (1 + share))
    crowd = people(unique, rng)
    rows, truth = [], []
    for pid, person in enumerate(crowd):
        rows.append(messy(person, rng, False))
        truth.append(pid)
    while len(rows) < n:
        pid = rng.randrange(unique)
        rows.append(messy(crowd[pid], rng, True))
        truth.append(pid)
    order = list(range(n))
    rng.shuffle(order)
    return [rows[i] for i in order], [truth[i] for i in order]


def clean_rows(rows: list[list[str]], truth: list[int]) -> list[dict]:
    """What the raw path inserts: one clean row per person, prepared before timing."""
    now = datetime.now(UTC)
    seen, out = set(), []
    for row, pid in zip(rows, truth, strict=True):
        if pid in seen:
            continue
        seen.add(pid)
        out.append({"created_at": now, "updated_at": now, "created_by": 1, "owner_id": 1,
                    "version": 1, "deleted_at": None, "name": row[0].replace(" ", ""),
                    "company": row[1], "phone": f"+86{row[2][-11:]}", "email": None,
                    "area_country": "CN", "first_source": row[5]})
    return out


def pairwise(truth: list[int], found: list[int]) -> tuple[float, float]:
    """Precision and recall of "same record" over pairs of rows, against "same person"."""
    def pairs(labels: list[int]) -> set[tuple[int, int]]:
        groups: dict[int, list[int]] = defaultdict(list)
        for row, label in enumerate(labels):
            groups[label].append(row)
        return {p for members in groups.values() for p in combinations(members, 2)}
    true, got = pairs(truth), pairs(found)
    hits = len(true & got)
    return (hits / len(got) if got else 1.0), (hits / len(true) if true else 1.0)


def final(record_id: int | None, gone: dict[int, int]) -> int | None:
    """The record a row's record ended up in, following merges."""
    seen = set()
    while record_id in gone and record_id not in seen:
        seen.add(record_id)
        record_id = gone[record_id]
    return record_id


def run(n: int, share: float, database_url: str | None) -> None:
    from metadata.errors import TrellisError
    from runtime.capture.imports import service
    from runtime.capture.imports.job import ImportJob
    from runtime.capture.imports.models import ImportRow

    app = make_app(database_url, REDIS_URL=None)
    runtime = app.extensions["trellis"]
    try:
        publish(app, {"kind": "app", "key": "bench", "label": "Bench"}, [FORM])
    except TrellisError as exc:  # a build without identity resolution: imports without it
        print(f"identity rules refused ({exc.problems[0].path}: {exc.problems[0].message}); "
              "importing without them")
        publish(app, {"kind": "app", "key": "bench", "label": "Bench"},
                [{k: v for k, v in FORM.items() if k != "identity"}])
    with runtime.session() as session:
        plan = runtime.plan(session, "bench", "lead")
    rows, truth = dataset(n, share)
    folder = Path(tempfile.mkdtemp(prefix="trellis-capture-"))
    path = folder / "leads.csv"
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["姓名", "公司", "手机号", "邮箱", "地区", "来源"])
        writer.writerows(rows)
    clean = clean_rows(rows, truth)
    columns = {c.name for c in plan.table.columns}
    clean = [{k: v for k, v in r.items() if k in columns} for r in clean]
    # the generated leads (the benchmark's, not the import's: a worker never holds them) out
    # of the garbage collector's full passes, for both paths alike
    gc.collect()
    gc.freeze()

    def raw() -> None:
        with runtime.engine.begin() as conn:
            for i in range(0, len(clean), CHUNK):
                conn.execute(plan.table.insert(), clean[i:i + CHUNK])
    raw_cpu = time.process_time()
    raw_time = timed(raw)
    raw_cpu = time.process_time() - raw_cpu
    with runtime.engine.begin() as conn:
        conn.execute(plan.table.delete())

    from app.auth import service as people_service

    with runtime.session() as session, session.begin():
        user = people_service.create_user(session, "bench@example.com", "password-123",
                                          ["admin"], runtime.clock.now())
        session.flush()
        principal = runtime.directory.principal(session, user.id)
    mapping = {"姓名": "name", "公司": "company", "手机号": "phone", "邮箱": "email",
               "地区": "area", "来源": "_touch.source"}

    def ours() -> str:
        with runtime.session() as session, session.begin():
            records = runtime.records(session, plan, principal, via="import")
            with open(path, "rb") as stream:
                imp = service.start(runtime, records, service.Upload("leads.csv", stream),
                                    mapping, False, "en")
            import_id = imp.id
        ImportJob(runtime, import_id).run()
        return import_id
    import_id = ""

    def timed_import() -> None:
        nonlocal import_id
        import_id = ours()
    our_cpu = time.process_time()
    our_time = timed(timed_import)
    our_cpu = time.process_time() - our_cpu
    with runtime.engine.connect() as conn:
        outcome = dict(conn.execute(sa.select(ImportRow.row, ImportRow.record_id)
                                    .where(ImportRow.import_id == import_id)).all())
        stored = conn.execute(sa.select(sa.func.count()).select_from(plan.table)
                              .where(plan.table.c.deleted_at.is_(None))).scalar_one()
        # a record merged away later (a row carrying two keys) is its survivor's
        gone = dict(conn.execute(sa.text(
            "SELECT record_id, survivor FROM identity_tombstones")).all()) if \
            sa.inspect(conn).has_table("identity_tombstones") else {}
    # a failed row is a record of its own (it merged with nothing)
    found = [final(outcome.get(line), gone) or -line for line in range(2, n + 2)]
    precision, recall = pairwise(truth, found)
    print(f"database: {runtime.engine.dialect.name}, leads: {n:,} ({share:.0%} repeats), "
          f"people: {len(clean):,}, live records after the import: {stored:,}")
    print(ratio_line("capture", n / our_time, n / raw_time, "rows/s", ">= 0.15"))
    with runtime.engine.connect() as conn:
        reasons = conn.execute(sa.select(ImportRow.errors).where(
            ImportRow.import_id == import_id, ImportRow.outcome == "failed").limit(3)).scalars()
        for errors in reasons:
            print("a failed row:", errors)
    # the process's CPU (the database server's, on PostgreSQL, not counted): steadier than the
    # wall time on a machine that runs other work
    print(f"CPU of this process: import {our_cpu:.1f} s, raw inserts {raw_cpu:.2f} s "
          f"(wall {raw_time:.2f} s)")
    print(f"import of {n:,} rows: {our_time:.1f} s; dedup pairwise precision "
          f"{precision:.4f}, recall {recall:.4f} (target >= 0.99 each)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--duplicates", type=float, default=0.1)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    run(args.leads, args.duplicates, args.database_url)


if __name__ == "__main__":
    main()

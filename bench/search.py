"""Search benchmark: a lead form of 1M records searched through its search index, against the
scan the search was before (ILIKE over each searchable column, the count capped, newest first)
on the same data, same database, same run.

Records go in with SQLAlchemy Core (the form's table only, as a restore would), then the index is
built the way ``trellis init-db`` builds it for tables published before search had one. Each
search is a whole list request in process (``list_records``: the capped count, the page of 50,
the records as JSON) in a read-only transaction, as a GET runs it; p50 and p95 per kind of term.

    .venv/bin/python bench/search.py [--records 1000000] [--database-url URL] [--runs 3]

Given the URL of a database an earlier run seeded, it measures again without seeding.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from bench.common import make_app, publish  # noqa: E402

CHUNK = 10_000
OWNERS = 100  # records spread over this many owners: a member with "own" scope sees 1 %
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋"
            "蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红梅鑫波斌宇浩凯健俊帆帅旭宁"
         "龙林欣怡佳琪雪慧晨阳婷颖思文博")
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "南京", "成都", "武汉", "西安", "苏州"]
WORDS = "华盛达远星恒瑞博创智联通信安泰鼎嘉新宏德"
INDUSTRIES = [("tech", "科技", "Technology"), ("trade", "贸易", "Trading"),
              ("make", "制造", "Manufacturing"), ("consult", "咨询", "Consulting"),
              ("edu", "教育", "Education"), ("health", "医疗", "Healthcare"),
              ("logistics", "物流", "Logistics"), ("finance", "金融", "Finance"),
              ("media", "传媒", "Media"), ("build", "建设", "Construction")]
DOMAINS = ["qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "sina.com", "corp.cn"]
PLACES = [("广东省", "深圳市"), ("北京市", "北京市"), ("上海市", "上海市"),
          ("浙江省", "杭州市"), ("四川省", "成都市"), ("湖北省", "武汉市")]
NOTES = ["客户对产品很感兴趣", "需要再次跟进", "报价已发送", "预算不足，下季度再联系",
         "约了下周拜访"]

FORM = {
    "kind": "form", "key": "lead", "label": {"zh": "线索", "en": "Lead"},
    "fields": [
        {"key": "name", "type": "text", "label": "姓名", "required": True},
        {"key": "company", "type": "text", "label": "公司"},
        {"key": "phone", "type": "phone", "label": "手机", "config": {"default_region": "CN"}},
        {"key": "email", "type": "email", "label": "邮箱"},
        {"key": "industry", "type": "select", "label": "行业", "config": {"choices": [
            {"value": v, "label": {"zh": zh, "en": en}} for v, zh, en in INDUSTRIES]}},
        {"key": "place", "type": "region", "label": "地区", "config": {"levels": 2}},
        {"key": "notes", "type": "textarea", "label": "备注"},
        {"key": "employees", "type": "number", "label": "人数"},
    ],
    "permissions": {"roles": {"member": {"create": "all", "read": "own", "update": "own",
                                         "delete": "own"}}},
}


class Leads:
    """Deterministic lead data, and the terms people search it by."""

    def __init__(self, seed: int = 8):
        self.rng = random.Random(seed)

    def name(self) -> str:
        rng = self.rng
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN)
                                              for _ in range(rng.choice((1, 1, 2))))

    def record(self, i: int, start: datetime) -> dict:
        rng = self.rng
        industry = rng.choice(INDUSTRIES)
        province, city = rng.choice(PLACES)
        local = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4,
                                                                                            8)))
        return {
            "created_at": start + timedelta(seconds=i), "owner_id": i % OWNERS + 1,
            "name": self.name(), "employees": rng.randrange(5000),
            "company": f"{rng.choice(CITIES)}{rng.choice(WORDS)}{rng.choice(WORDS)}"
                       f"{industry[1]}有限公司",
            "phone": f"+861{rng.choice('3456789')}{rng.randrange(10**9):09d}",
            "email": f"{local}{rng.randrange(1000)}@{rng.choice(DOMAINS)}",
            "industry": industry[0],
            "place": {"country": "CN", "province": province, "city": city},
            "notes": None if rng.random() < 0.7 else f"{rng.choice(NOTES)}，{self.name()}负责",
        }


def seed(runtime, plan, n: int) -> float:
    """Insert n records with Core (typed rows through the field types' to_row)."""
    from runtime.storage.bulk import BulkInsert

    table, leads, start = plan.table, Leads(), datetime(2025, 1, 1, tzinfo=UTC)
    fields = [(f, plan.types[f["type"]]) for f in plan.fields]
    columns = [c.name for c in table.columns]
    insert = BulkInsert(table, columns)
    began = time.perf_counter()
    for first in range(1, n + 1, CHUNK):
        rows = []
        for i in range(first, min(first + CHUNK, n + 1)):
            lead = leads.record(i, start)
            row = {"id": i, "created_at": lead["created_at"], "updated_at": lead["created_at"],
                   "created_by": 1, "owner_id": lead["owner_id"], "version": 1,
                   "deleted_at": None}
            for fld, ftype in fields:
                row.update(ftype.to_row(lead.get(fld["key"]), fld))
            rows.append({c: row.get(c) for c in columns})
        with runtime.engine.begin() as conn:
            insert.run(conn, rows)
    with runtime.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                 f"{n})")
    return time.perf_counter() - began


def build_index(runtime, plan) -> float:
    """Drop the form's search index and let init-db's step build it again."""
    from runtime.storage.search_index import index_for

    with runtime.engine.begin() as conn:
        index_for(conn.dialect).drop(conn, plan.tables.search)
    began = time.perf_counter()
    with runtime.session() as session, session.begin():
        assert runtime.ensure_search_indexes(session) == [plan.table.name]
    took = time.perf_counter() - began
    raw = runtime.engine.raw_connection()  # outside a transaction
    try:
        if runtime.engine.dialect.name == "postgresql":  # statistics, as autovacuum gathers
            raw.cursor().execute("ANALYZE")
        else:  # the write-ahead log into the database, as SQLite's checkpoints do in time
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.commit()
    finally:
        raw.close()
    return took


def terms(n: int) -> dict[str, list[str]]:
    """Search terms by kind, drawn from the data itself."""
    leads, start, rng = Leads(), datetime(2025, 1, 1, tzinfo=UTC), random.Random(3)
    sample = [leads.record(i, start) for i in range(1, min(n, 200_000) + 1)]
    picked = rng.sample(sample, 20)
    phones = [p["phone"][3:] for p in picked]
    return {
        "common (1-15 %: 科技有限, qq.com...)": ["科技有限", "贸易有限", "qq.com", "163.com",
                                                "咨询有限", "gmail"],
        "choice label (10 %: 金融, Finance)": ["金融", "finance", "教育", "Healthcare"],
        "rare (1-3 records: e-mail)": [p["email"].split("@")[0] for p in picked],
        "phone typed with spaces": [f"{p[:3]} {p[3:7]} {p[7:]}" for p in phones],
        "2-char Chinese name (王芳)": [s + g for s, g in zip(rng.sample(SURNAMES, 20),
                                                              rng.sample(GIVEN, 20),
                                                              strict=True)],
        "1-char Chinese (王)": list("王李张刘陈"),
        "no match": ["zzqqxx", "不存在的", "987654321"],
        "common, own records (1 % of rows)": ["科技有限", "qq.com", "金融"],
    }


def indexed(runtime, plan, principal):
    """A list request with ``q``, as the API runs it."""
    from runtime.storage.query import ListQuery, list_records

    def search(q: str) -> int:
        with runtime.session(read_only=True, timeout=0) as session:
            records = runtime.records(session, plan, principal)
            return list_records(records, ListQuery(q=q, per_page=50)).total
    return search


def old_scan(runtime, plan, principal):
    """The search as it was: ILIKE '%q%' over each column of the searchable types of then
    (text, textarea, phone, e-mail, url, auto number, region), count capped, newest first."""
    from runtime.fields.roles.query import like_escape
    from runtime.storage.query import COUNT_CAP, count_matches

    table = plan.table
    columns = [table.c[c] for c in ("name", "company", "phone", "email", "notes",
                                    "place__province", "place__city", "place__district",
                                    "place__text")]

    def search(q: str) -> int:
        pattern = f"%{like_escape(q.strip())}%"
        with runtime.session(read_only=True, timeout=0) as session:
            records = runtime.records(session, plan, principal)
            where = [records.visible("read"),
                     sa.or_(*(c.ilike(pattern, escape="\\") for c in columns))]
            total = count_matches(records.conn, table, where, COUNT_CAP)
            page = (sa.select(table).where(*where)
                    .order_by(table.c.created_at.desc(), table.c.id.desc()).limit(51))
            records.to_json(records.conn.execute(page).mappings().all()[:50])
            return total
    return search


def measure(search, words: list[str], runs: int) -> tuple[list[float], list[int]]:
    """Milliseconds of each search of each word (``runs`` times), and the totals found."""
    times, totals = [], []
    for word in words:
        search(word)  # warm: plans compiled, pages cached
        for _ in range(runs):
            began = time.perf_counter()
            totals.append(search(word))
            times.append((time.perf_counter() - began) * 1000)
    return times, totals


def p(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(kind: str, ours: tuple, old: tuple | None) -> str:
    times, totals = ours
    found = f"{statistics.median(totals):,.0f}".rjust(7)
    line = f"{kind:38s} {found}  {p(times, .5):8.1f} {p(times, .95):8.1f}"
    if old is not None:
        line += f"   {p(old[0], .5):8.1f} {p(old[0], .95):8.1f}  {statistics.median(old[1]):>7,.0f}"
    return line


def run(n: int, database_url: str | None, runs: int, old_words: int) -> None:
    from runtime.permissions import SYSTEM, Principal

    app = make_app(database_url, REDIS_URL=None)
    runtime = app.extensions["trellis"]
    publish(app, {"kind": "app", "key": "bench", "label": "Bench"}, [FORM])
    with runtime.session() as session:
        plan = runtime.plan(session, "bench", "lead")
    with runtime.engine.connect() as conn:
        there = conn.execute(sa.select(sa.func.count()).select_from(plan.table)).scalar_one()
    if there:  # a database seeded by an earlier run (--database-url): measure again
        n = there
        began = time.perf_counter()
        with runtime.session() as session, session.begin():  # as init-db: if out of shape
            built = runtime.ensure_search_indexes(session)
        print(f"database: {runtime.engine.dialect.name}, records: {n:,} (seeded before"
              + (f"; search index rebuilt in {time.perf_counter() - began:.0f} s)"
                 if built else ")"))
    else:
        seeded = seed(runtime, plan, n)
        built = build_index(runtime, plan)
        print(f"database: {runtime.engine.dialect.name}, records: {n:,}; seeded with Core in "
              f"{seeded:.0f} s, search index built (as init-db does) in {built:.0f} s")
    member = Principal(user_id=1, roles=frozenset({"member"}))
    print(f"{'kind of term':38s} {'found':>7}  {'p50 ms':>8} {'p95 ms':>8}   "
          f"{'old p50':>8} {'old p95':>8}  {'found':>7}")
    for kind, words in terms(n).items():
        principal = member if "own records" in kind else SYSTEM
        ours = measure(indexed(runtime, plan, principal), words, runs)
        old = measure(old_scan(runtime, plan, principal), words[:old_words], 1) \
            if old_words else None
        print(report(kind, ours, old), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--runs", type=int, default=3, help="searches of each term")
    parser.add_argument("--old-words", type=int, default=3,
                        help="terms of each kind the old scan searches (0: none)")
    args = parser.parse_args()
    run(args.records, args.database_url, args.runs, args.old_words)


if __name__ == "__main__":
    main()

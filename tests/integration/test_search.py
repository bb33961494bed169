"""Search (``q``) through the form's search index: it finds what the old scan found and what
people type (phone numbers with spaces, Chinese of any length, choices by their labels,
e-mails in capitals), never through a hidden field or outside the row scope, follows every
write and publish, is built by init-db, and the database answers it from its index."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import sqlalchemy as sa

from runtime.storage.search_index import index_for
from tests.integration.helpers import field, form_doc, publish
from tests.support import ApiClient, Factory

BASE = "/apps/crm/forms/lead/records"
INDUSTRY = {"choices": [{"value": "fin", "label": {"zh": "金融", "en": "Finance"}},
                        {"value": "edu", "label": {"zh": "教育", "en": "Education"}}]}
TAGS = {"choices": [{"value": "vip", "label": {"zh": "重要客户", "en": "VIP"}},
                    {"value": "cold", "label": "Cold"}]}
POLICY = {"roles": {"member": {"create": "all", "read": "own", "update": "own",
                               "delete": "own", "hidden_fields": ["secret"]}}}


def lead_form(*extra: dict, industry: dict = INDUSTRY) -> dict:
    return form_doc("lead", [
        field("name", required=True), field("company"),
        field("phone", "phone", config={"default_region": "CN"}), field("email", "email"),
        field("industry", "select", config=industry), field("tags", "multiselect", config=TAGS),
        field("notes", "textarea"), field("place", "region"), field("secret"),
        field("size", "number"), *extra], permissions=POLICY)


LEADS = [
    {"name": "王芳", "company": "北京华盛科技有限公司", "phone": "138 0013 8000",
     "email": "Wang.Fang@Example.com", "industry": "fin", "tags": ["vip"],
     "notes": "客户对产品很感兴趣", "place": "广东深圳南山", "secret": "zebra 机密"},
    {"name": "李娜", "company": "上海远星贸易有限公司", "phone": "010 1234 5678",
     "email": "lina@qq.com", "industry": "edu", "size": 13800},
    {"name": "王芳芳", "company": "ACME Trading", "phone": "+1 212 555 0100",
     "email": "ff@acme.example", "tags": ["cold"]},
    {"name": "Zhang Wei", "company": "50% off_shop", "notes": "met at the fair"},
]


class Crm:
    def __init__(self, app, admin: ApiClient, member: ApiClient):
        self.app, self.admin, self.member = app, admin, member

    def names(self, q: str, api: ApiClient | None = None, **params) -> set[str]:
        page = (api or self.admin).records("crm", "lead", q=quote(q), per_page=1000, **params)
        assert page["total"] == len(page["records"]), page
        return {r["name"] for r in page["records"]}


@pytest.fixture
def crm(app, admin_api, factory) -> Crm:
    factory.app_doc(admin_api)
    publish(admin_api, lead_form())
    mia = factory.user("mia@example.com", ["member"])
    for lead in LEADS:
        admin_api.create("crm", "lead", lead)
    admin_api.create("crm", "lead", {"name": "王芳 (mine)", "secret": "zebra", "owner": mia})
    member = factory.api(mia)
    return Crm(app, admin_api, member)


def test_finds_what_the_scan_found(crm):
    assert crm.names("华盛") == {"王芳"}
    assert crm.names("acme") == crm.names("ACME") == {"王芳芳"}
    assert crm.names("qq.com") == {"李娜"}
    assert crm.names("感兴趣") == {"王芳"}  # textarea
    assert crm.names("深圳") == {"王芳"}  # region, by its names
    assert crm.names("0013800") == {"王芳"}  # phone digits
    assert crm.names("50%") == crm.names("off_") == {"Zhang Wei"}  # LIKE's own characters
    assert crm.names("nobody") == set()
    assert crm.names("e", filter={"industry": "edu"}) == {"李娜"}  # one Latin letter: a scan
    assert crm.names("  ")  # blank: no search


def test_phone_numbers_as_people_type_them(crm):
    for typed in ("138 0013 8000", "138-0013-8000", "+86 138 0013 8000", "0086 13800138000",
                  "(138) 0013-8000", "１３８００１３８０００", "0013 8000"):
        assert crm.names(typed) == {"王芳"}, typed
    for typed in ("010 1234 5678", "(010) 12345678", "+86 10 1234 5678", "1234 5678"):
        assert crm.names(typed) == {"李娜"}, typed
    assert crm.names("212-555-0100") == {"王芳芳"}
    assert crm.names("13800") == {"王芳"}  # 李娜's size is 13800: numbers are not searched


def test_chinese_of_any_length(crm):
    assert crm.names("华盛科技") == {"王芳"}
    assert crm.names("王芳") == {"王芳", "王芳芳", "王芳 (mine)"}  # two characters
    assert crm.names("芳芳") == {"王芳芳"}
    assert crm.names("盛科") == {"王芳"}  # two in the middle of a text
    assert crm.names("公司") == {"王芳", "李娜"}  # the last two of a text
    assert crm.names("娜") == {"李娜"}  # one character
    assert crm.names("芳王") == crm.names("司北") == set()  # across two texts: no


def test_choices_by_their_labels_in_both_languages(crm):
    assert crm.names("金融") == crm.names("finance") == crm.names("FIN") == {"王芳"}
    assert crm.names("教育") == crm.names("Education") == {"李娜"}
    assert crm.names("重要客户") == crm.names("vip") == {"王芳"}  # multiple choice
    assert crm.names("cold") == {"王芳芳"}


def test_emails_in_any_case(crm):
    assert crm.names("WANG.FANG@EXAMPLE.COM") == {"王芳"}
    assert crm.names("wang.fang@example") == {"王芳"}
    assert crm.names("ＷＡＮＧ．ＦＡＮＧ") == {"王芳"}  # typed full-width


def test_never_through_a_hidden_field_nor_outside_the_row_scope(crm):
    assert crm.names("zebra") == {"王芳", "王芳 (mine)"}
    assert crm.names("zebra", crm.member) == set()  # the member does not see the secret
    assert crm.names("王芳", crm.member) == {"王芳 (mine)"}  # own records only
    assert crm.names("fang", crm.member) == set()
    lina = crm.admin.records("crm", "lead", q="qq.com")["records"][0]
    crm.admin.ok("PATCH", f"{BASE}/{lina['id']}", json={"owner": crm.member.user_id})
    assert crm.names("qq.com", crm.member) == {"李娜"}  # given to the member: now hers
    assert crm.names("李娜", crm.member) == {"李娜"}


def test_the_index_follows_every_write(crm):
    first = crm.admin.records("crm", "lead", q="zhang")["records"][0]
    crm.admin.ok("PATCH", f"{BASE}/{first['id']}", json={"name": "赵敏", "notes": None})
    assert crm.names("zhang") == crm.names("fair") == set()
    assert crm.names("赵敏") == {"赵敏"}
    crm.admin.ok("PATCH", f"{BASE}/{first['id']}", json={"size": 5})  # nothing searched
    assert crm.names("赵敏") == {"赵敏"}
    crm.admin.ok("DELETE", f"{BASE}/{first['id']}")
    assert crm.names("赵敏") == set()
    made = crm.admin.ok("POST", f"{BASE}/bulk", json=[
        {"name": f"批量 {i}", "phone": f"139 0000 {i:04d}"} for i in range(30)])
    assert made["created"] == 30
    assert crm.names("批量") == {f"批量 {i}" for i in range(30)}
    assert crm.names("139 0000 0007") == {"批量 7"}


def test_publishing_changes_what_is_searched(crm):
    renamed = {"choices": [{"value": "fin", "label": {"zh": "银行", "en": "Banking"}},
                           *INDUSTRY["choices"][1:]]}
    publish(crm.admin, lead_form(industry=renamed))  # the same fields: changed rows rewritten
    assert crm.names("金融") == set() and crm.names("银行") == crm.names("banking") == {"王芳"}
    assert crm.names("教育") == {"李娜"} and crm.names("138 0013 8000") == {"王芳"}
    publish(crm.admin, lead_form(field("city"), industry=renamed))  # a new field: rebuilt
    assert crm.names("银行") == {"王芳"}
    one = crm.admin.records("crm", "lead", q="李娜")["records"][0]
    crm.admin.ok("PATCH", f"{BASE}/{one['id']}", json={"city": "杭州"})
    assert crm.names("杭州") == {"李娜"}  # a new field is searched at once
    # a text field becomes a select: found by its choices' labels
    converted = lead_form(industry=renamed)
    converted["fields"][1] = field("company", "select", config={"choices": [
        {"value": "北京华盛科技有限公司", "label": {"zh": "华盛", "en": "Huasheng"}},
        {"value": "上海远星贸易有限公司", "label": "远星"}, {"value": "ACME Trading",
                                                      "label": "ACME"},
        {"value": "50% off_shop", "label": "shop"}]})
    publish(crm.admin, converted)
    assert crm.names("huasheng") == {"王芳"} and crm.names("科技") == set()
    assert crm.names("杭州") == set()  # the removed field is no longer searched


def test_init_db_builds_a_missing_index(crm):
    from app.bootstrap import init_db

    runtime = crm.app.extensions["trellis"]
    with runtime.session() as session:
        search = runtime.plan(session, "crm", "lead").tables.search
    with runtime.engine.begin() as conn:
        index_for(conn.dialect).drop(conn, search)
        assert not sa.inspect(conn).has_table(search.name)
    init_db(crm.app)
    assert crm.names("138 0013 8000") == {"王芳"}
    assert crm.names("王芳", crm.member) == {"王芳 (mine)"}
    if runtime.engine.dialect.name == "postgresql":  # statistics at once, not at autovacuum's
        with runtime.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT last_analyze FROM pg_stat_user_tables WHERE "
                                        "relname = :name"), {"name": search.name}).scalar()
    # the texts are there but not their index (PostgreSQL gained pg_trgm since): indexed
    with runtime.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(f"DROP TABLE {search.fts_name}")
        else:
            for ix in sa.inspect(conn).get_indexes(search.name):
                conn.exec_driver_sql(f'DROP INDEX "{ix["name"]}"')
        assert not index_for(conn.dialect).present(conn, search)
    init_db(crm.app)
    with runtime.engine.begin() as conn:
        assert index_for(conn.dialect).present(conn, search)
    assert crm.names("华盛科技") == {"王芳"}


def statements(app, api: ApiClient, **params) -> list[tuple[str, object]]:
    """The SELECT statements (and their parameters) a list request runs."""
    engine, seen = app.extensions["trellis"].engine, []

    def remember(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", remember)
    try:
        api.records("crm", "lead", **params)
    finally:
        sa.event.remove(engine, "before_cursor_execute", remember)
    return seen


def explain(engine: sa.Engine, statement: str, parameters) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return "\n".join(str(r[-1]) for r in rows)
        conn.exec_driver_sql("SET enable_seqscan = off")  # a tiny table: else it scans
        return "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters))


@pytest.mark.parametrize("q", ["华盛科技", "王芳", "138 0013 8000"])
def test_the_database_answers_from_the_index(crm, q):
    engine = crm.app.extensions["trellis"].engine
    index = "___fts" if engine.dialect.name == "sqlite" else "___search"
    lookups = [s for s in statements(crm.app, crm.admin, q=quote(q)) if index in s[0]]
    assert lookups
    plan = explain(engine, *lookups[0])
    if engine.dialect.name == "sqlite":
        assert "VIRTUAL TABLE INDEX" in plan and ":M" in plan, plan  # FTS5's MATCH
    else:
        assert "Bitmap Index Scan on sx_" in plan, plan  # a pg_trgm index


def test_many_matches_are_read_in_the_list_order(fresh_app):
    app = fresh_app(LIST_COUNT_CAP=3)
    factory = Factory(app)
    admin = factory.api(factory.user("admin@example.com", ["admin"]))
    factory.app_doc(admin)
    publish(admin, lead_form())
    for i in range(8):
        admin.create("crm", "lead", {"name": f"客户 {i}", "company": "华盛" if i % 2 else ""})
    page = admin.records("crm", "lead", q=quote("客户"), per_page=2)
    assert (page["total"], page["total_exact"]) == (3, False)  # more than 3
    assert [r["name"] for r in page["records"]] == ["客户 7", "客户 6"]  # newest first
    every = admin.records("crm", "lead", q=quote("华盛"), per_page=50, total="exact")
    assert [r["name"] for r in every["records"]] == ["客户 7", "客户 5", "客户 3", "客户 1"]
    assert (every["total"], every["total_exact"]) == (4, True)
    page = admin.records("crm", "lead", q=quote("华盛"), per_page=3, sort="name")
    assert [r["name"] for r in page["records"]] == ["客户 1", "客户 3", "客户 5"]
    assert admin.records("crm", "lead", q=quote("华盛"), per_page=3, cursor=page[
        "next_cursor"], sort="name")["records"][0]["name"] == "客户 7"
    engine = app.extensions["trellis"].engine
    ordered = [s for s in statements(app, admin, q=quote("客户"), per_page=2)
               if "ORDER BY" in s[0] and "___search" in s[0]]
    plan = explain(engine, *ordered[0])
    if engine.dialect.name == "sqlite":
        assert "USING INDEX" in plan and "TEMP B-TREE" not in plan, plan
    else:
        assert "Index Scan Backward" in plan and "Sort" not in plan, plan


def test_a_search_counts_up_to_a_thousand(crm):
    for start in (0, 1000):
        made = crm.admin.ok("POST", f"{BASE}/bulk", json=[
            {"name": f"客户 {i}", "company": "远星物流"} for i in range(start, start + 600)])
        assert made["created"] == 600
    page = crm.admin.records("crm", "lead", q=quote("远星"), per_page=5)
    assert (page["total"], page["total_exact"]) == (1000, False)  # more than 1,000
    assert [r["name"] for r in page["records"]] == [f"客户 {i}" for i in range(1599, 1594, -1)]
    page = crm.admin.records("crm", "lead", q=quote("远星"), per_page=5, total="exact")
    assert (page["total"], page["total_exact"]) == (1201, True)  # 李娜's company too
    assert crm.admin.records("crm", "lead", per_page=1)["total"] == 1205  # lists: 10,000

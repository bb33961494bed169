"""The records API: CRUD, lists (filters, sort, pages, cursors, search), bulk create, optimistic
locking, soft delete, history, references, files, and text stored byte-exact."""

from __future__ import annotations

import io
import json
import unicodedata
from urllib.parse import quote

import pytest

from tests.integration.helpers import (
    STAGES,
    TAGS,
    assert_error,
    field,
    form_doc,
    publish,
    rows,
)

BASE = "/apps/crm/forms/contact/records"


def contact_form() -> dict:
    return form_doc("contact", [
        field("name", required=True),
        field("notes", "textarea"),
        field("amount", "number"),
        field("price", "decimal", config={"precision": 2}),
        field("born", "date"),
        field("met_at", "datetime"),
        field("active", "boolean"),
        field("stage", "select", config=STAGES),
        field("tags", "multiselect", config=TAGS),
        field("phone", "phone", config={"default_region": "CN"}),
        field("email", "email", config={"flag_free_mail": True}),
        field("website", "url"),
        field("company", "relation", config={"target_form": "company"}),
        field("assignee", "user"),
        field("files", "attachment", config={"max_size_mb": 0.01,
                                             "accept": [".txt", ".pdf", "image/*"]}),
    ], label={"zh": "联系人", "en": "Contact"})


@pytest.fixture
def crm(admin_api, factory):
    factory.app_doc(admin_api)
    publish(admin_api, form_doc("company", [field("name")]))
    publish(admin_api, contact_form())
    return admin_api


def q(value) -> str:
    return quote(json.dumps(value) if not isinstance(value, str) else value)


def listing(api, **params) -> dict:
    query = "&".join(f"{k}={q(v)}" for k, v in params.items())
    return api.ok("GET", f"{BASE}?{query}")


def ids(api, **params) -> list[int]:
    return [r["id"] for r in listing(api, per_page=1000, **params)["records"]]


# -- CRUD --------------------------------------------------------------------------------------
def test_crud(crm, runtime):
    company = crm.create("crm", "company", {"name": "ACME"})
    response = crm.post(BASE, json={
        "name": "  张三  ", "notes": "line one\nline two", "amount": 12, "price": "1,234.5",
        "born": "1990-03-05", "met_at": "2024-03-05T09:30:00+08:00", "active": True,
        "stage": "new", "tags": ["vip", "hot"], "phone": "138 0013 8000",
        "email": "Zhang@Example.COM", "website": "example.com/x", "company": company["id"],
        "assignee": crm.user_id})
    assert response.status_code == 201, response.get_json()
    record = response.get_json()
    assert response.headers["Location"].endswith(f"/records/{record['id']}")
    assert response.headers["ETag"] == '"1"'
    assert record["version"] == 1 and record["owner"] == crm.user_id
    assert record["name"] == "张三" and record["phone"] == "+8613800138000"
    assert record["email"] == "Zhang@example.com" and record["price"] == "1234.50"
    assert record["born"] == "1990-03-05" and record["met_at"] == "2024-03-05T01:30:00Z"
    assert record["tags"] == ["vip", "hot"] and record["company"] == company["id"]
    got = crm.get(f"{BASE}/{record['id']}")
    assert got.headers["ETag"] == '"1"'
    assert got.get_json() == record  # what create answers is what a read gives
    updated = crm.ok("PATCH", f"{BASE}/{record['id']}", json={"amount": 13, "stage": "won"})
    assert updated["version"] == 2 and updated["amount"] == 13 and updated["stage"] == "won"
    assert updated["name"] == "张三"  # a patch leaves other fields alone
    # a patch that changes nothing does not make a version
    same = crm.ok("PATCH", f"{BASE}/{record['id']}", json={"amount": 13})
    assert same["version"] == 2
    crm.ok("DELETE", f"{BASE}/{record['id']}", 204)
    assert_error(crm.get(f"{BASE}/{record['id']}"), 404)
    assert_error(crm.patch(f"{BASE}/{record['id']}", json={"amount": 1}), 404)
    assert_error(crm.delete(f"{BASE}/{record['id']}"), 404)
    assert_error(crm.get(f"{BASE}/{record['id']}/history"), 404)
    assert listing(crm)["total"] == 0
    # soft: the row is still there, marked deleted
    stored = rows(runtime, "SELECT deleted_at, version FROM crm__contact")
    assert stored[0]["deleted_at"] is not None and stored[0]["version"] == 3


def test_unknown_form_and_record(crm):
    assert_error(crm.get("/apps/crm/forms/nope/records"), 404)
    assert_error(crm.get("/apps/nope/forms/contact/records"), 404)
    assert_error(crm.get(f"{BASE}/999"), 404)
    crm.ok("PUT", "/apps/crm/forms/draft_only", json=form_doc("draft_only", [field("name")]))
    assert_error(crm.get("/apps/crm/forms/draft_only/records"), 404, "", "not been published")


def test_required_and_defaults(crm):
    assert_error(crm.post(BASE, json={"amount": 1}), 422, "/name", "required")
    assert_error(crm.post(BASE, json={"name": ""}), 422, "/name", "required")
    assert_error(crm.post(BASE, json={"name": None}), 422, "/name", "required")
    record = crm.create("crm", "contact", {"name": "x"})
    assert_error(crm.patch(f"{BASE}/{record['id']}", json={"name": "  "}), 422, "/name")


# -- lists: filters ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def shared(shared_admin):
    """One installation for the tests that only read: six contacts with varied values."""
    api = shared_admin
    api.ok("POST", "/apps", 201, json={"kind": "app", "key": "crm", "label": "CRM"})
    publish(api, form_doc("company", [field("name")]))
    publish(api, contact_form())
    data = [
        {"name": "Alice", "amount": 10, "stage": "new", "tags": ["vip"], "email": "a@x.com",
         "born": "1990-01-01", "price": "10.00", "active": True},
        {"name": "Bob", "amount": 20, "stage": "won", "tags": ["hot", "vip"],
         "born": "1985-06-15", "price": "5.50", "active": False},
        {"name": "Carol", "amount": 30, "stage": "lost", "email": "carol@QQ.com",
         "price": "99.99"},
        {"name": "Dave", "stage": "new", "tags": ["cold"], "born": "2000-12-31",
         "active": True},
        {"name": "eve_50%", "amount": 20},
        {"name": "王小明", "notes": "来自上海的客户", "phone": "13800138000"},
    ]
    return api, [api.create("crm", "contact", d)["id"] for d in data]


@pytest.fixture
def people(shared):
    return shared[1]


@pytest.fixture
def reader(shared):
    return shared[0]


FILTERS = [
    # (filter, indexes of the people it matches)
    ({"stage": "new"}, [0, 3]),
    ({"stage": {"eq": "won"}}, [1]),
    ({"stage": {"ne": "new"}}, [1, 2, 4, 5]),  # ne keeps the NULLs
    ({"amount": {"lt": 20}}, [0]),
    ({"amount": {"lte": 20}}, [0, 1, 4]),
    ({"amount": {"gt": 20}}, [2]),
    ({"amount": {"gte": 20, "lt": 30}}, [1, 4]),
    ({"amount": {"in": [10, 30]}}, [0, 2]),
    ({"amount": {"nin": [10, 30]}}, [1, 3, 4, 5]),
    ({"name": {"contains": "a"}}, [0, 2, 3]),  # case-insensitive
    ({"name": {"startswith": "B"}}, [1]),
    ({"name": {"contains": "50%"}}, [4]),  # LIKE wildcards are literal
    ({"name": {"contains": "_"}}, [4]),
    ({"name": {"contains": "小"}}, [5]),
    ({"email": {"isnull": True}}, [1, 3, 4, 5]),
    ({"email": {"notnull": True}}, [0, 2]),
    ({"email": {"flagged": None}}, [2]),  # free mail (qq.com)
    ({"email": {"unflagged": "free_mail"}}, [0, 1, 3, 4, 5]),
    ({"born": {"gte": "1990-01-01"}}, [0, 3]),
    ({"price": {"gt": "9.99"}}, [0, 2]),
    ({"active": True}, [0, 3]),
    ({"active": {"ne": True}}, [1, 2, 4, 5]),
    ({"tags": {"contains": "vip"}}, [0, 1]),
    ({"tags": {"in": ["cold", "hot"]}}, [1, 3]),
    ({"tags": {"isnull": True}}, [2, 4, 5]),
    ({"phone": {"startswith": "+86138"}}, [5]),
    ({"stage": {"in": ["won", "lost"]}, "amount": {"gte": 25}}, [2]),
    ([{"field": "amount", "op": "gt", "value": 15}, {"field": "stage", "value": "won"}], [1]),
    ([{"field": "name", "op": "eq", "value": "Dave"}], [3]),
    ([{"field": "stage", "op": "isnull"}], [4, 5]),
]


@pytest.mark.parametrize("flt,expected", FILTERS, ids=[json.dumps(f, ensure_ascii=False)
                                                       for f, _ in FILTERS])
def test_filters(reader, people, flt, expected):
    found = listing(reader, filter=flt, sort="id")
    assert [r["id"] for r in found["records"]] == [people[i] for i in expected]
    assert found["total"] == len(expected)


def test_every_operator_is_covered():
    from metadata.schemas import FILTER_OPS

    used = set()
    for flt, _ in FILTERS:
        items = flt if isinstance(flt, list) else [
            {"op": op} for cond in flt.values()
            for op in (cond if isinstance(cond, dict) else {"eq": cond})]
        used |= {item.get("op", "eq") for item in items}
    assert used == set(FILTER_OPS)


def test_filters_on_system_fields(reader, people):
    assert ids(reader, filter={"id": {"in": people[1:3]}}, sort="id") == people[1:3]
    assert ids(reader, filter={"id": {"gt": people[3]}}, sort="id") == people[4:]
    assert ids(reader, filter={"owner": reader.user_id}, sort="id") == people
    assert len(ids(reader, filter={"created_at": {"gte": "2000-01-01T00:00:00Z"}})) == 6
    assert ids(reader, filter={"updated_at": {"lt": "2000-01-01"}}) == []
    assert ids(reader, filter={"version": 1}, sort="id") == people


BAD_FILTERS = [
    ("{not json", "/filter"),
    ('"stage"', "/filter"),
    ('[1, 2]', "/filter"),
    ('{"nope": 1}', "/filter/0/field"),
    ('{"stage": {"like": "n%"}}', "/filter/0/op"),
    ('{"amount": {"contains": "1"}}', "/filter/0/op"),
    ('{"amount": "abc"}', "/filter/0/value"),
    ('{"born": {"gt": "someday"}}', "/filter/0/value"),
    ('{"stage": "maybe"}', "/filter/0/value"),
    ('{"created_at": {"gt": "yesterday"}}', "/filter/0/value"),
    ('{"id": {"in": ["x"]}}', "/filter/0/value"),
    ('{"id": {"contains": "1"}}', "/filter/0/op"),
    ('{"name": "a", "tags": {"lt": "vip"}}', "/filter/1/op"),
]


@pytest.mark.parametrize("raw,path", BAD_FILTERS, ids=[b[0] for b in BAD_FILTERS])
def test_bad_filters_are_400(reader, raw, path):
    assert_error(reader.get(f"{BASE}?filter={quote(raw)}"), 400, path)


# -- lists: sort and pages ---------------------------------------------------------------------
def test_sort(reader, people):
    a, b, c, d, e, f = people
    assert ids(reader, sort="amount") == [a, b, e, c, d, f]  # ties by id, NULLs last
    assert ids(reader, sort="-amount") == [c, e, b, a, f, d]  # ties follow the last key
    assert ids(reader, sort="stage,-amount") == [c, a, d, b, e, f]
    assert ids(reader, sort="-id") == [f, e, d, c, b, a]
    assert ids(reader, sort="+id") == people
    assert ids(reader) == [f, e, d, c, b, a]  # default: newest first
    assert ids(reader, sort="created_at,id") == people
    assert ids(reader, sort="owner,-updated_at") == [f, e, d, c, b, a]
    # ties (NULLs too) go by id in the direction of the last key
    assert ids(reader, sort="-born") == [d, a, b, f, e, c]
    assert ids(reader, sort="-price") == [c, a, b, f, e, d]
    assert ids(reader, sort="-price,id") == [c, a, b, d, e, f]
    assert ids(reader, sort=" name , -id ") == [a, b, c, d, e, f]
    assert_error(reader.get(f"{BASE}?sort=nope"), 400, "/sort/0")
    assert_error(reader.get(f"{BASE}?sort=name,tags"), 400, "/sort/1", "cannot sort")
    assert_error(reader.get(f"{BASE}?sort=files"), 400, "/sort/0", "cannot sort")


def test_pages(crm):
    crm.ok("POST", BASE + "/bulk", json={"records": [{"name": f"p{i:02d}"}
                                                    for i in range(25)]})
    first = listing(crm, sort="name", per_page=10)
    assert first["total"] == 25 and first["page"] == 1 and first["per_page"] == 10
    assert [r["name"] for r in first["records"]] == [f"p{i:02d}" for i in range(10)]
    third = listing(crm, sort="name", per_page=10, page=3)
    assert [r["name"] for r in third["records"]] == [f"p{i:02d}" for i in range(20, 25)]
    assert third["next_cursor"] is None
    assert listing(crm, page=9, per_page=10)["records"] == []
    assert len(listing(crm, per_page=1000)["records"]) == 25
    assert listing(crm, per_page=5, total=0)["total"] is None
    assert_error(crm.get(f"{BASE}?per_page=1001"), 400, "/per_page", "1000")
    assert_error(crm.get(f"{BASE}?per_page=0"), 400, "/per_page")
    assert_error(crm.get(f"{BASE}?page=0"), 400, "/page")
    assert_error(crm.get(f"{BASE}?page=two"), 400, "/page")
    assert_error(crm.get(f"{BASE}?per_page=-5"), 400, "/per_page")


@pytest.fixture(scope="module")
def many(shared):
    """250 records with many ties and NULLs, in a form of their own."""
    api = shared[0]
    doc = contact_form()
    doc["key"] = "many"
    publish(api, doc)
    records = []
    for i in range(250):
        records.append({
            "name": f"n{i % 37}", "amount": (i * 7) % 11 if i % 5 else None,
            "stage": ["new", "won", "lost", None][i % 4],
            "price": f"{(i * 13) % 17}.{i % 10}0" if i % 6 else None,
            "born": f"19{50 + i % 40}-0{1 + i % 9}-1{i % 10}" if i % 7 else None,
            "met_at": f"2024-01-{1 + i % 28:02d}T{i % 24:02d}:00:00Z" if i % 3 else None,
            "active": [True, False, None][i % 3],
            "email": f"u{i % 13}@x.com" if i % 4 else None})
    result = api.ok("POST", "/apps/crm/forms/many/records/bulk", json={"records": records})
    assert result["created"] == 250
    return api


@pytest.mark.parametrize("sort", ["", "stage,-amount", "price", "-born", "met_at",
                                  "active,-name", "-updated_at", "email", "-id", "-amount",
                                  "-price,id"])
def test_cursor_pages_through_250_records_without_duplicates_or_gaps(many, sort):
    path = "/apps/crm/forms/many/records"
    suffix = f"&sort={quote(sort)}" if sort else ""
    everything = [r["id"] for r in many.ok("GET", f"{path}?per_page=1000{suffix}")["records"]]
    assert len(everything) == 250
    seen, cursor, pages = [], None, 0
    while True:
        page = many.ok("GET", f"{path}?per_page=40{suffix}"
                              + (f"&cursor={cursor}" if cursor else ""))
        seen += [r["id"] for r in page["records"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages < 20
    assert pages == 7
    assert seen == everything
    assert len(set(seen)) == 250


@pytest.mark.parametrize("sort", ["-amount", "-price,id", "-email"])
def test_numbered_pages_of_a_descending_sort_put_empty_values_last(many, sort):
    """PostgreSQL reads such a page in two parts (values, then empties): numbered pages
    across the border between them hold what the whole list holds there."""
    path = f"/apps/crm/forms/many/records?sort={quote(sort)}"
    everything = many.ok("GET", f"{path}&per_page=1000")["records"]
    key = sort.split(",")[0].lstrip("-")
    filled = [r for r in everything if r[key] is not None]
    assert everything[:len(filled)] == filled  # empties last
    assert all(r[key] is None for r in everything[len(filled):])
    numbered = []
    for page in range(1, 8):
        numbered += many.ok("GET", f"{path}&per_page=40&page={page}")["records"]
    assert [r["id"] for r in numbered] == [r["id"] for r in everything]


def test_bad_cursor_is_400(reader):
    assert_error(reader.get(f"{BASE}?cursor=!!!"), 400, "/cursor")
    assert_error(reader.get(f"{BASE}?cursor=WzFd"), 400, "/cursor")  # [1]: wrong sort order


# -- search ------------------------------------------------------------------------------------
def test_search(reader):
    assert listing(reader, q="alice")["total"] == 1
    assert listing(reader, q="ALICE")["total"] == 1
    assert listing(reader, q="qq.com")["total"] == 1  # email
    assert listing(reader, q="上海")["total"] == 1  # textarea
    assert listing(reader, q="0013800")["total"] == 1  # phone
    assert listing(reader, q="%")["total"] == 1  # only eve_50%
    assert listing(reader, q="_")["total"] == 1
    assert listing(reader, q="nobody")["total"] == 0
    assert listing(reader, q="a", filter={"stage": "new"})["total"] == 2
    assert listing(reader, q="  ")["total"] == 6


# -- bulk --------------------------------------------------------------------------------------
def test_bulk_create_with_per_row_results(crm, runtime):
    company = crm.create("crm", "company", {"name": "ACME"})
    batch = [{"name": f"r{i}", "amount": i} for i in range(1000)]
    batch[3] = {"name": "bad", "amount": "three"}
    batch[500] = {"amount": 1}
    batch[998] = {"name": "ghost", "company": 424242}
    batch[999] = {"name": "linked", "company": company["id"]}
    result = crm.ok("POST", BASE + "/bulk", json={"records": batch})
    assert result["created"] == 997 and result["failed"] == 3
    assert [r["index"] for r in result["results"]] == list(range(1000))
    assert result["results"][3]["errors"][0]["path"] == "/amount"
    assert result["results"][500]["errors"][0]["path"] == "/name"
    assert result["results"][998]["errors"][0]["path"] == "/company"
    assert result["results"][999]["record"]["company"] == company["id"]
    assert result["results"][0]["record"]["name"] == "r0"
    assert listing(crm)["total"] == 997
    audit = rows(runtime, "SELECT count(*) AS n FROM audit_log WHERE form_key = 'contact'")
    assert audit[0]["n"] == 997
    # a bare list works too
    assert crm.ok("POST", BASE + "/bulk", json=[{"name": "x"}])["created"] == 1


def test_bulk_limits(crm):
    too_many = crm.post(BASE + "/bulk", json={"records": [{"name": "x"}] * 1001})
    assert_error(too_many, 413, "/records", "1000")
    assert_error(crm.post(BASE + "/bulk", json={"records": {"name": "x"}}), 400, "/records")
    assert_error(crm.post(BASE + "/bulk", json="x"), 400, "/records")
    assert listing(crm)["total"] == 0
    assert crm.ok("POST", BASE + "/bulk", json={"records": []})["created"] == 0


# -- optimistic locking ------------------------------------------------------------------------
def test_stale_version_is_409_and_changes_nothing(crm):
    record = crm.create("crm", "contact", {"name": "x", "amount": 1})
    url = f"{BASE}/{record['id']}"
    crm.ok("PATCH", url, json={"amount": 2, "version": 1})
    assert_error(crm.patch(url, json={"amount": 3, "version": 1}), 409, "/version")
    assert_error(crm.patch(url, json={"amount": 3}, headers={"If-Match": '"1"'}), 409,
                 "/version")
    assert_error(crm.patch(url + "?version=1", json={"amount": 3}), 409, "/version")
    got = crm.ok("GET", url)
    assert got["amount"] == 2 and got["version"] == 2
    assert_error(crm.delete(url, headers={"If-Match": '"1"'}), 409, "/version")
    assert_error(crm.delete(url + "?version=1"), 409, "/version")
    assert crm.ok("GET", url)["version"] == 2
    updated = crm.ok("PATCH", url, json={"amount": 4}, headers={"If-Match": '"2"'})
    assert updated["version"] == 3
    crm.ok("DELETE", url, 204, headers={"If-Match": '"3"'})
    assert_error(crm.get(url), 404)


def test_bad_version_is_refused(crm):
    record = crm.create("crm", "contact", {"name": "x"})
    url = f"{BASE}/{record['id']}"
    assert_error(crm.patch(url, json={"name": "y"}, headers={"If-Match": "abc"}), 400,
                 "/version")
    for bad in ("x", True, [1], -1, 0, 1.5, {"v": 1}):
        assert_error(crm.patch(url, json={"name": "y", "version": bad}), 422, "/version")
    assert crm.ok("GET", url)["version"] == 1
    # a version as text or as 1.0 is still the version
    assert crm.ok("PATCH", url, json={"name": "y", "version": "1"})["version"] == 2
    assert crm.ok("PATCH", url, json={"name": "z", "version": 2.0})["version"] == 3
    assert_error(crm.patch(url, json={"name": "w", "version": "2"}), 409, "/version")


# -- history -----------------------------------------------------------------------------------
def test_history_lists_create_update_delete(crm, factory):
    record = crm.create("crm", "contact", {"name": "x", "amount": 1, "tags": ["vip"]})
    crm.ok("PATCH", f"{BASE}/{record['id']}", json={"amount": 2, "name": "y",
                                                     "tags": None})
    history = crm.ok("GET", f"{BASE}/{record['id']}/history")["entries"]
    assert [e["action"] for e in history] == ["create", "update"]
    created = {c["field"]: (c["old"], c["new"]) for c in history[0]["changes"]}
    assert created == {"name": (None, "x"), "amount": (None, 1), "tags": (None, ["vip"])}
    changed = {c["field"]: (c["old"], c["new"]) for c in history[1]["changes"]}
    assert changed == {"amount": (1, 2), "name": ("x", "y"), "tags": (["vip"], None)}
    assert history[1]["version"] == 2 and history[1]["user"] == crm.user_id
    assert history[1]["via"] == "api" and history[1]["at"].endswith("Z")
    # giving the record to someone else is part of the history too
    other = factory.user("bob@example.com", ["member"])
    crm.ok("PATCH", f"{BASE}/{record['id']}", json={"owner": other})
    history = crm.ok("GET", f"{BASE}/{record['id']}/history")["entries"]
    assert history[-1]["changes"] == [{"field": "owner", "old": crm.user_id, "new": other}]
    crm.ok("DELETE", f"{BASE}/{record['id']}", 204)
    with factory.runtime.session() as session:
        from runtime.storage.models import AuditEntry

        actions = [a.action for a in session.query(AuditEntry).order_by(AuditEntry.id)]
    assert actions == ["create", "update", "update", "delete"]


# -- references --------------------------------------------------------------------------------
def test_relation_to_a_missing_or_deleted_record_is_422(crm):
    assert_error(crm.post(BASE, json={"name": "x", "company": 999}), 422, "/company",
                 "does not exist")
    company = crm.create("crm", "company", {"name": "ACME"})
    record = crm.create("crm", "contact", {"name": "x", "company": company["id"]})
    crm.ok("DELETE", f"/apps/crm/forms/company/records/{company['id']}", 204)
    assert_error(crm.patch(f"{BASE}/{record['id']}", json={"company": company["id"]}), 422,
                 "/company")
    assert_error(crm.post(BASE, json={"name": "x", "company": "abc"}), 422, "/company")
    assert_error(crm.post(BASE, json={"name": "x", "company": -1}), 422, "/company")


def test_user_field_with_unknown_user_is_422(crm, factory):
    assert_error(crm.post(BASE, json={"name": "x", "assignee": 4242}), 422, "/assignee",
                 "does not exist")
    other = factory.user("bob@example.com", ["member"])
    assert crm.create("crm", "contact", {"name": "x", "assignee": other})["assignee"] == other
    assert_error(crm.post(BASE, json={"name": "x", "owner": 4242}), 422, "/owner")


def test_sub_table_rows_check_their_references(crm):
    """Relations, users and files inside rows are checked as top-level fields are (before, a
    row could name a record, user or file that does not exist)."""
    publish(crm, form_doc("purchase", [field("lines", "sub_table", config={"fields": [
        field("company", "relation", config={"target_form": "company"}),
        field("buyer", "user"),
        field("scan", "attachment", config={"accept": [".pdf"]})]})]))
    url = "/apps/crm/forms/purchase/records"
    company = crm.create("crm", "company", {"name": "ACME"})
    pdf = upload(crm, b"%PDF-1.4", "scan.pdf", "application/pdf").get_json()
    txt = upload(crm, b"words").get_json()
    assert_error(crm.post(url, json={"lines": [{"company": company["id"]},
                                               {"company": 424242}]}), 422, "/lines",
                 "row 2, company")
    assert_error(crm.post(url, json={"lines": [{"buyer": 4242}]}), 422, "/lines", "row 1, buyer")
    assert_error(crm.post(url, json={"lines": [{"scan": [txt["id"]]}]}), 422, "/lines",
                 "not an accepted type")
    record = crm.create("crm", "purchase", {"lines": [
        {"company": company["id"], "buyer": crm.user_id, "scan": [pdf["id"]]}]})
    assert record["lines"][0]["scan"] == [{"id": pdf["id"], "name": "scan.pdf", "size": 8,
                                           "content_type": "application/pdf"}]


# -- files -------------------------------------------------------------------------------------
def upload(api, content: bytes, name: str = "note.txt", content_type: str = "text/plain"):
    return api.post("/files", data={"file": (io.BytesIO(content), name, content_type)},
                    content_type="multipart/form-data")


def test_attachment_upload_then_link(crm, runtime):
    response = upload(crm, "你好, file".encode())
    assert response.status_code == 201, response.get_json()
    meta = response.get_json()
    assert meta["name"] == "note.txt" and meta["size"] == len("你好, file".encode())
    record = crm.create("crm", "contact", {"name": "x", "files": [meta["id"]]})
    assert record["files"] == [{"id": meta["id"], "name": "note.txt",
                                "size": meta["size"], "content_type": "text/plain"}]
    assert crm.ok("GET", f"{BASE}/{record['id']}")["files"] == record["files"]
    download = crm.get(f"/files/{meta['id']}")
    assert download.status_code == 200 and download.data == "你好, file".encode()
    assert "attachment" in download.headers["Content-Disposition"]
    # stored under the instance folder, never under static/
    stored = list(runtime.upload_dir.rglob(meta["id"]))
    assert len(stored) == 1 and "static" not in stored[0].parts
    assert crm.records("crm", "contact", filter={"files": {"notnull": True}})["total"] == 1


def test_attachment_limits(crm):
    big = upload(crm, b"x" * 20_000).get_json()  # the field takes 0.01 MB
    assert_error(crm.post(BASE, json={"name": "x", "files": [big["id"]]}), 422, "/files",
                 "larger")
    exe = upload(crm, b"MZ", "tool.exe", "application/octet-stream").get_json()
    assert_error(crm.post(BASE, json={"name": "x", "files": [exe["id"]]}), 422, "/files",
                 "not an accepted type")
    assert_error(crm.post(BASE, json={"name": "x", "files": ["0" * 32]}), 422, "/files",
                 "does not exist")
    assert_error(crm.post(BASE, json={"name": "x", "files": ["../../etc/passwd"]}), 422,
                 "/files")
    assert_error(crm.post("/files", data={"other": "x"}), 400, "/file")
    assert_error(crm.get("/files/" + "0" * 32), 404)
    assert_error(crm.get("/files/..%2F..%2Fsecret"), 404)


def test_upload_over_the_configured_limit_is_refused(fresh_app):
    from tests.support import Factory

    app = fresh_app(UPLOAD_MAX_MB=1)
    factory = Factory(app)
    api = factory.api(factory.user("a@example.com", ["admin"]))
    assert_error(upload(api, b"x" * (1024 * 1024 + 1)), 413, "/file", "larger than 1 MB")
    assert upload(api, b"x" * (1024 * 1024)).status_code == 201
    runtime = app.extensions["trellis"]
    assert len([p for p in runtime.upload_dir.rglob("*") if p.is_file()]) == 1


# -- text byte-exact ---------------------------------------------------------------------------
TEXTS = [
    "مرحبا 👋🏽 שלום",
    "𠮷野家 🍣",
    "👨‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 👩🏽‍💻 coder",
    "\u202eRTL override\u202c and \u200f mark",
    "Ünïcödé — “quotes” – ½ ™ ﷺ",
    "tab\tinside",
]


@pytest.fixture(scope="module")
def texts(shared):
    api = shared[0]
    publish(api, form_doc("texts", [field("name"), field("notes", "textarea")]))
    return api


@pytest.mark.parametrize("text", TEXTS)
def test_text_is_stored_byte_exact(texts, shared_app, text):
    runtime = shared_app.extensions["trellis"]
    path = "/apps/crm/forms/texts/records"
    assert unicodedata.normalize("NFC", text) == text
    notes = f"{text}\n{text}"
    record = texts.create("crm", "texts", {"name": text, "notes": notes})
    assert record["name"] == text and record["notes"] == notes
    got = texts.get(f"{path}/{record['id']}")
    assert got.get_json()["name"] == text
    assert json.loads(got.data.decode("utf-8"))["notes"] == notes
    stored = rows(runtime, "SELECT name, notes FROM crm__texts WHERE id = :id",
                  id=record["id"])[0]
    assert stored["name"].encode("utf-8") == text.encode("utf-8")
    assert stored["notes"].encode("utf-8") == notes.encode("utf-8")
    assert texts.records("crm", "texts", q=quote(text[:4]))["total"] == 1
    assert texts.records("crm", "texts", filter=quote(json.dumps({"name": text})))[
        "total"] == 1
    history = texts.ok("GET", f"{path}/{record['id']}/history")["entries"][0]["changes"]
    assert {"field": "name", "old": None, "new": text} in history


def test_emoji_in_choices_and_labels_round_trip(crm):
    doc = form_doc("mood", [field("feeling", "select", label="心情 😊", config={"choices": [
        {"value": "😀", "label": "开心"}, {"value": "مرحبا", "label": "hello"}]})],
        label={"zh": "心情 🌈", "en": "Mood"})
    publish(crm, doc)
    assert crm.ok("GET", "/apps/crm/forms/mood") == doc
    record = crm.create("crm", "mood", {"feeling": "😀"})
    assert record["feeling"] == "😀"
    assert crm.records("crm", "mood", filter={"feeling": "مرحبا"})["total"] == 0


# -- concurrent writers ------------------------------------------------------------------------
def test_concurrent_updates_of_one_version_let_exactly_one_win(crm, app):
    from tests.integration.test_metadata_api import race

    record = crm.create("crm", "contact", {"name": "x", "amount": 1})
    for version in (1, 2, 3):
        responses = race(app, crm, 4, "PATCH", f"{BASE}/{record['id']}",
                         json={"amount": version * 10, "version": version})
        assert sorted(r.status_code for r in responses) == [200, 409, 409, 409]
    got = crm.ok("GET", f"{BASE}/{record['id']}")
    assert got["version"] == 4
    assert len(crm.ok("GET", f"{BASE}/{record['id']}/history")["entries"]) == 4


def test_concurrent_creates_of_a_unique_value_let_exactly_one_in(crm, app):
    from tests.integration.test_metadata_api import race

    publish(crm, form_doc("company", [field("name", unique=True)]))
    path = "/apps/crm/forms/company/records"
    for i in range(3):
        responses = race(app, crm, 4, "POST", path, json={"name": f"ACME {i}"})
        assert sorted(r.status_code for r in responses) == [201, 422, 422, 422]
        for r in responses:
            if r.status_code == 422:
                assert_error(r, 422, "/name", "unique")
    assert crm.records("crm", "company")["total"] == 3


# -- one shape everywhere ----------------------------------------------------------------------
def test_create_update_read_and_list_give_the_same_record(crm):
    from tests.integration.helpers import every_type_fields

    fields = every_type_fields()
    fields.append(field("links", "relation", config={"target_form": "company",
                                                     "multiple": True}))
    fields.append(field("people", "user", config={"multiple": True}))
    publish(crm, form_doc("deal", fields))
    company = crm.create("crm", "company", {"name": "c"})
    file_id = upload(crm, b"x").get_json()["id"]
    bodies = [
        {"name": "empty"},
        {"name": "empties", "tags": [], "lines": [], "links": [], "files": [], "people": [],
         "notes": "", "place": None},
        {"name": "full", "notes": "n", "employees": 3, "amount": "1.5", "due": "2024-01-02",
         "met_at": "2024-01-02T03:04:05+08:00", "active": False, "stage": "won",
         "tags": ["hot"], "phone": "13800138000", "email": "a@b.com",
         "website": "https://x.org", "place": {"country": "US", "text": "NYC"},
         "assignee": crm.user_id, "company": company["id"], "files": [file_id],
         "lines": [{"item": "i", "qty": 1}], "links": [company["id"]],
         "people": [crm.user_id]},
    ]
    path = "/apps/crm/forms/deal/records"
    for body in bodies:
        created = crm.create("crm", "deal", body)
        got = crm.ok("GET", f"{path}/{created['id']}")
        assert created == got, body["name"]
        listed = crm.records("crm", "deal", filter={"id": created["id"]})["records"]
        assert listed == [got]
        updated = crm.ok("PATCH", f"{path}/{created['id']}", json={"notes": "changed"})
        assert updated == {**got, "notes": "changed", "version": 2,
                           "updated_at": updated["updated_at"]}
        bulk = crm.ok("POST", path + "/bulk", json={"records": [body]})
        made = bulk["results"][0]["record"]
        assert made == crm.ok("GET", f"{path}/{made['id']}")


def test_filters_on_lists_of_choices_and_users_with_any_text(crm, factory):
    """Multi-value fields are stored as JSON; their filters work for Chinese text, quotes,
    LIKE wildcards and ids that contain other ids' digits, on every database."""
    choices = {"choices": [{"value": v, "label": v} for v in ("金融", "制造", 'a"b', "100%",
                                                             "1", "11")]}
    publish(crm, form_doc("firm", [field("name"), field("ind", "multiselect", config=choices),
                                   field("people", "user", config={"multiple": True})]))
    others = [factory.user(f"u{i}@example.com", ["member"]) for i in range(11)]
    me, u2, u12 = crm.user_id, others[0], others[10]
    assert (me, u2, u12) == (1, 2, 12)
    for name, ind, people in [("a", ["金融"], [me]), ("b", ["制造", 'a"b'], [u2, me]),
                              ("c", ["100%", "11"], [u12]), ("d", ["1"], None)]:
        crm.create("crm", "firm", {"name": name, "ind": ind, "people": people})

    def found(flt):
        return [r["name"] for r in crm.records("crm", "firm", filter=flt, sort="id")["records"]]

    assert found({"ind": {"contains": "金融"}}) == ["a"]
    assert found({"ind": {"in": ["制造", "100%"]}}) == ["b", "c"]
    assert found({"ind": {"contains": 'a"b'}}) == ["b"]
    assert found({"ind": {"contains": "1"}}) == ["d"]
    assert found({"ind": {"contains": "11"}}) == ["c"]
    assert found({"ind": {"isnull": True}}) == []
    assert found({"people": me}) == ["a", "b"]
    assert found({"people": {"in": [u2]}}) == ["b"]
    assert found({"people": {"in": [u12]}}) == ["c"]
    assert found({"people": {"ne": u2}}) == ["a", "c", "d"]
    assert found({"people": {"nin": [me]}}) == ["c", "d"]
    assert found({"people": {"isnull": True}}) == ["d"]

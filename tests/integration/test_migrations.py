"""Publishing creates and migrates real tables: typed columns, added and archived fields, type
changes that run only when every value converts, child tables, auto numbers under concurrency."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from tests.integration.helpers import (
    STAGES,
    assert_error,
    columns,
    every_type_fields,
    field,
    form_doc,
    publish,
    rows,
    table_names,
)
from tests.support import ApiClient

SYSTEM = {"id", "created_at", "updated_at", "created_by", "owner_id", "version", "deleted_at"}
RECORDS = "/apps/crm/forms/{}/records"


@pytest.fixture
def crm(admin_api, factory):
    factory.app_doc(admin_api)
    return admin_api


def versions(api, form: str) -> list[int]:
    return [v["number"] for v in api.ok("GET", f"/apps/crm/forms/{form}/versions")["versions"]]


def records(api, form: str, **params) -> list[dict]:
    return api.records("crm", form, sort="id", **params)["records"]


# -- creating the table ------------------------------------------------------------------------
def test_publish_creates_a_real_table_with_typed_columns(crm, runtime):
    publish(crm, form_doc("company", [field("name")]))
    result = publish(crm, form_doc("deal", every_type_fields()))
    assert result["migration"]["table"] == "crm__deal"
    assert result["migration"]["creates_table"] is True
    cols = columns(runtime, "crm__deal")
    assert SYSTEM <= set(cols)
    expected = {
        "name": sa.String, "notes": sa.Text, "employees": sa.BigInteger,
        "amount": sa.Numeric, "due": sa.Date, "met_at": sa.DateTime, "active": sa.Boolean,
        "stage": sa.String, "phone": sa.String, "email": sa.String, "website": sa.Text,
        "assignee": sa.Integer, "company": sa.Integer, "code": sa.String,
        "place__province": sa.String, "place__country": sa.String,
    }
    for name, kind in expected.items():
        assert isinstance(cols[name], kind), (name, cols[name])
    assert not isinstance(cols["notes"], sa.String) or isinstance(cols["notes"], sa.Text)
    assert cols["stage"].length == 100 and cols["name"].length == 255
    assert cols["amount"].scale == 2
    # multiselect and attachment are JSON; sub_table and nothing else live apart
    assert {"tags", "files"} <= set(cols) and "lines" not in cols
    lines = columns(runtime, "crm__deal__lines")
    assert {"id", "parent_id", "position", "item", "qty"} == set(lines)
    # the auto number column is unique in the database
    unique = sa.inspect(runtime.engine).get_indexes("crm__deal") + [
        {"column_names": c["column_names"], "unique": True}
        for c in sa.inspect(runtime.engine).get_unique_constraints("crm__deal")]
    assert any(i["unique"] and i["column_names"] == ["code"] for i in unique)
    layout = rows(runtime, "SELECT table_name, form_version FROM form_tables "
                           "WHERE form_key = 'deal'")
    assert layout == [{"table_name": "crm__deal", "form_version": 1}]


def test_republishing_without_changes_runs_no_ddl(crm, runtime):
    doc = form_doc("contact", [field("name"), field("size", "number")])
    publish(crm, doc)
    crm.create("crm", "contact", {"name": "a", "size": 1})
    result = crm.ok("POST", "/apps/crm/forms/contact/publish")
    assert result == {"version": 1, "unchanged": True, "migration": None}
    assert [v["number"] for v in crm.ok("GET", "/apps/crm/forms/contact/versions")["versions"]
            ] == [1]
    assert records(crm, "contact")[0]["size"] == 1


def test_long_keys_make_valid_table_and_column_names(admin_api, factory, runtime):
    """63-character keys everywhere: names past the database's limit are shortened, never
    truncated into each other."""
    app_key, form_key = "a" * 63, "f" * 63
    factory.app_doc(admin_api, app_key)
    target = "t" + "x" * 62
    publish(admin_api, form_doc(target, [field("name")]), app_key)
    too_long = form_doc(form_key, [field("r" * 63, "region")])
    assert_error(admin_api.put(f"/apps/{app_key}/forms/{form_key}", json=too_long), 422,
                 "/fields/0/key", "53")
    fields = [
        field("r" * 53, "region"),
        field("s" * 63, "sub_table", config={"fields": [field("q" * 63, "number")]}),
        field("m" * 63, "relation", config={"target_form": target, "multiple": True}),
        field("n" * 63, "number"),
    ]
    publish(admin_api, form_doc(form_key, fields), app_key)
    path = f"/apps/{app_key}/forms/{form_key}/records"
    linked = admin_api.create(app_key, target, {"name": "x"})
    record = admin_api.ok("POST", path, 201, json={
        "r" * 53: {"country": "US", "text": "Springfield"},
        "s" * 63: [{"q" * 63: 3}], "m" * 63: [linked["id"]], "n" * 63: 7})
    got = admin_api.ok("GET", f"{path}/{record['id']}")
    assert got["s" * 63] == [{"q" * 63: 3}] and got["m" * 63] == [linked["id"]]
    assert got["r" * 53]["text"] == "Springfield" and got["n" * 63] == 7
    names = table_names(runtime)
    assert all(len(n) <= 63 for n in names)


# -- adding and removing fields ----------------------------------------------------------------
def test_adding_a_field_adds_a_column_and_keeps_data(crm, runtime):
    doc = form_doc("contact", [field("name"), field("size", "number")])
    publish(crm, doc)
    first = crm.create("crm", "contact", {"name": "张三", "size": 3})
    doc["fields"].append(field("email", "email"))
    doc["fields"].append(field("stage", "select", config=STAGES, default="new"))
    result = publish(crm, doc)
    assert result["migration"]["adds"] == ["email", "stage"]
    cols = columns(runtime, "crm__contact")
    assert {"email", "stage"} <= set(cols)
    got = crm.ok("GET", f"{RECORDS.format('contact')}/{first['id']}")
    assert got["name"] == "张三" and got["size"] == 3
    assert got["email"] is None and got["stage"] is None  # defaults apply to new records
    assert got["version"] == first["version"]
    second = crm.create("crm", "contact", {"name": "李四", "email": "LI@Example.COM"})
    assert second["email"] == "LI@example.com" and second["stage"] == "new"


def test_removed_field_is_archived_and_restored(crm, runtime):
    doc = form_doc("contact", [field("name"), field("salary", "number"), field("notes")])
    publish(crm, doc)
    first = crm.create("crm", "contact", {"name": "a", "salary": 5000, "notes": "n"})
    archived = form_doc("contact", [field("name"), field("notes")])
    result = publish(crm, archived)
    assert result["migration"]["archives"] == ["salary"]
    got = crm.ok("GET", f"{RECORDS.format('contact')}/{first['id']}")
    assert "salary" not in got and got["notes"] == "n"
    assert all("salary" not in r for r in records(crm, "contact"))
    # column and data are still in the database
    assert "salary" in columns(runtime, "crm__contact")
    assert rows(runtime, "SELECT salary FROM crm__contact") == [{"salary": 5000}]
    # the API refuses it everywhere
    assert_error(crm.post(RECORDS.format("contact"), json={"name": "b", "salary": 1}), 422,
                 "/salary", "archived")
    assert_error(crm.patch(f"{RECORDS.format('contact')}/{first['id']}", json={"salary": 1}),
                 422, "/salary", "archived")
    bulk = crm.ok("POST", RECORDS.format("contact") + "/bulk",
                  json={"records": [{"name": "c", "salary": 2}]})
    assert bulk["results"][0]["errors"][0]["path"] == "/salary"
    assert_error(crm.get(RECORDS.format("contact") + '?filter={"salary":1}'), 400)
    assert_error(crm.get(RECORDS.format("contact") + "?sort=salary"), 400)
    assert rows(runtime, "SELECT salary FROM crm__contact") == [{"salary": 5000}]
    # a record made while archived has no value; re-adding restores the old data
    later = crm.create("crm", "contact", {"name": "d"})
    result = publish(crm, doc)
    assert result["migration"]["restores"] == ["salary"]
    assert result["migration"]["adds"] == []
    assert crm.ok("GET", f"{RECORDS.format('contact')}/{first['id']}")["salary"] == 5000
    assert crm.ok("GET", f"{RECORDS.format('contact')}/{later['id']}")["salary"] is None
    crm.ok("PATCH", f"{RECORDS.format('contact')}/{later['id']}", json={"salary": 10})


def test_archived_field_can_come_back_with_another_type(crm):
    publish(crm, form_doc("contact", [field("name"), field("size")]))
    crm.create("crm", "contact", {"name": "a", "size": "42"})
    publish(crm, form_doc("contact", [field("name")]))
    result = publish(crm, form_doc("contact", [field("name"), field("size", "number")]))
    assert result["migration"]["converts"] == [{"field": "size", "from": "text",
                                                "to": "number"}]
    assert records(crm, "contact")[0]["size"] == 42


# -- type changes ------------------------------------------------------------------------------
def test_type_change_converts_when_every_value_converts(crm, runtime):
    publish(crm, form_doc("contact", [field("name"), field("size")]))
    for value in ("12", " 7 ", "1,000", None):
        crm.create("crm", "contact", {"name": "x", "size": value})
    result = publish(crm, form_doc("contact", [field("name"), field("size", "number")]))
    assert result["migration"]["converts"] == [{"field": "size", "from": "text",
                                                "to": "number"}]
    assert [r["size"] for r in records(crm, "contact")] == [12, 7, 1000, None]
    assert isinstance(columns(runtime, "crm__contact")["size"], sa.BigInteger)
    # and the table works as a number column: filters compare numbers
    found = crm.records("crm", "contact", filter={"size": {"gt": 10}})
    assert found["total"] == 2
    # number back to text always converts
    publish(crm, form_doc("contact", [field("name"), field("size")]))
    assert [r["size"] for r in records(crm, "contact")] == ["12", "7", "1000", None]


def test_type_change_refused_when_some_values_do_not_convert(crm, runtime):
    doc = form_doc("contact", [field("name"), field("size"), field("city")])
    publish(crm, doc)
    made = [crm.create("crm", "contact", {"name": n, "size": s, "city": "Paris"})
            for n, s in [("a", "12"), ("b", "twelve"), ("c", "3"), ("d", "lots")]]
    before_rows = rows(runtime, "SELECT * FROM crm__contact ORDER BY id")
    before_cols = {k: str(v) for k, v in columns(runtime, "crm__contact").items()}
    bad = form_doc("contact", [field("name"), field("size", "number"), field("city"),
                               field("extra")])
    crm.ok("PUT", "/apps/crm/forms/contact", json=bad)
    errors = assert_error(crm.post("/apps/crm/forms/contact/publish"), 422, "/fields/1/type")
    text = " ".join(e["message"] for e in errors)
    assert f"record {made[1]['id']}" in text and f"record {made[3]['id']}" in text
    assert f"record {made[0]['id']}:" not in text
    assert "2 of 4 stored values do not convert" in text and "nothing was changed" in text
    # each record that does not convert is named by its id too
    assert [e.get("record") for e in errors[1:]] == [made[1]["id"], made[3]["id"]]
    # nothing changed: table, data, published version (the draft keeps the attempt)
    assert {k: str(v) for k, v in columns(runtime, "crm__contact").items()} == before_cols
    assert rows(runtime, "SELECT * FROM crm__contact ORDER BY id") == before_rows
    assert versions(crm, "contact") == [1]
    assert crm.get("/apps/crm/forms/contact").headers["X-Trellis-Published-Version"] == "1"
    assert crm.ok("GET", "/apps/crm/forms/contact?version=1") == doc
    assert crm.ok("GET", "/apps/crm/forms/contact") == bad
    # the form keeps working on its old version
    crm.create("crm", "contact", {"name": "e", "size": "more"})
    # fix the data, then the change goes through
    for record in made[1::2]:
        crm.ok("PATCH", f"{RECORDS.format('contact')}/{record['id']}", json={"size": "0"})
    crm.ok("PATCH", f"{RECORDS.format('contact')}/{made[-1]['id'] + 1}", json={"size": None})
    assert crm.ok("POST", "/apps/crm/forms/contact/publish")["version"] == 2
    assert [r["size"] for r in records(crm, "contact")] == [12, 0, 3, 0, None]
    assert "extra" in columns(runtime, "crm__contact")


def test_many_failures_are_counted_not_all_listed(crm):
    publish(crm, form_doc("contact", [field("size")]))
    crm.ok("POST", RECORDS.format("contact") + "/bulk",
           json={"records": [{"size": f"n{i}"} for i in range(30)]})
    crm.ok("PUT", "/apps/crm/forms/contact", json=form_doc("contact", [field("size", "number")]))
    errors = assert_error(crm.post("/apps/crm/forms/contact/publish"), 422)
    assert "30 of 30 stored values" in errors[0]["message"]
    assert "10 more not listed" in errors[0]["message"]
    assert len(errors) == 21


def test_shortening_a_text_refuses_values_that_no_longer_fit(crm):
    publish(crm, form_doc("contact", [field("name", config={"max_length": 1000})]))
    long = crm.create("crm", "contact", {"name": "x" * 300})
    crm.ok("PUT", "/apps/crm/forms/contact",
           json=form_doc("contact", [field("name", config={"max_length": 100})]))
    errors = assert_error(crm.post("/apps/crm/forms/contact/publish"), 422,
                          "/fields/0/config", "to its new configuration")
    assert any(f"record {long['id']}" in e["message"] for e in errors)
    crm.ok("PATCH", f"{RECORDS.format('contact')}/{long['id']}", json={"name": "short"})
    crm.ok("POST", "/apps/crm/forms/contact/publish")
    assert records(crm, "contact")[0]["name"] == "short"


def test_text_to_select_converts_known_choices_only(crm):
    publish(crm, form_doc("contact", [field("stage")]))
    crm.create("crm", "contact", {"stage": "new"})
    odd = crm.create("crm", "contact", {"stage": "maybe"})
    crm.ok("PUT", "/apps/crm/forms/contact",
           json=form_doc("contact", [field("stage", "select", config=STAGES)]))
    errors = assert_error(crm.post("/apps/crm/forms/contact/publish"), 422)
    assert any(f"record {odd['id']}" in e["message"] for e in errors)
    crm.ok("DELETE", f"{RECORDS.format('contact')}/{odd['id']}", 204)
    # deleted records keep their row, so their values must convert too
    errors = assert_error(crm.post("/apps/crm/forms/contact/publish"), 422)
    assert any(f"record {odd['id']}" in e["message"] for e in errors)


def test_single_relation_becomes_multiple(crm, runtime):
    publish(crm, form_doc("company", [field("name")]))
    acme = crm.create("crm", "company", {"name": "ACME"})
    doc = form_doc("contact", [field("name"), field("company", "relation",
                                                    config={"target_form": "company"})])
    publish(crm, doc)
    crm.create("crm", "contact", {"name": "a", "company": acme["id"]})
    crm.create("crm", "contact", {"name": "b"})
    doc["fields"][1]["config"]["multiple"] = True
    result = publish(crm, doc)
    assert result["migration"]["converts"][0]["field"] == "company"
    assert [r["company"] for r in records(crm, "contact")] == [[acme["id"]], []]
    assert "company" not in columns(runtime, "crm__contact")
    assert rows(runtime, "SELECT record_id, target_id FROM crm__contact__company") == [
        {"record_id": 1, "target_id": acme["id"]}]


# -- child tables ------------------------------------------------------------------------------
def test_sub_table_and_multiple_relation_child_tables(crm, runtime):
    publish(crm, form_doc("contact", [field("name")]))
    people = [crm.create("crm", "contact", {"name": n}) for n in ("a", "b", "c")]
    doc = form_doc("deal", [
        field("title"),
        field("lines", "sub_table", config={"fields": [field("item", required=True),
                                                       field("qty", "number"),
                                                       field("price", "decimal")]}),
        field("people", "relation", config={"target_form": "contact", "multiple": True}),
    ])
    publish(crm, doc)
    assert {"crm__deal__lines", "crm__deal__people"} <= table_names(runtime)
    assert set(columns(runtime, "crm__deal__people")) == {"record_id", "target_id", "position"}
    deal = crm.create("crm", "deal", {
        "title": "t", "lines": [{"item": "bolt", "qty": 2, "price": "1.50"},
                                {"item": "nut", "qty": 5}],
        "people": [people[2]["id"], people[0]["id"]]})
    assert deal["lines"][0]["item"] == "bolt"
    got = crm.ok("GET", f"{RECORDS.format('deal')}/{deal['id']}")
    assert got["lines"] == [{"item": "bolt", "qty": 2, "price": "1.50"},
                            {"item": "nut", "qty": 5, "price": None}]
    assert got["people"] == [people[2]["id"], people[0]["id"]]
    stored = rows(runtime, "SELECT parent_id, position, item, qty FROM crm__deal__lines "
                           "ORDER BY position")
    assert stored == [{"parent_id": deal["id"], "position": 0, "item": "bolt", "qty": 2},
                      {"parent_id": deal["id"], "position": 1, "item": "nut", "qty": 5}]
    # an update replaces the rows and the links
    crm.ok("PATCH", f"{RECORDS.format('deal')}/{deal['id']}",
           json={"lines": [{"item": "washer"}], "people": [people[1]["id"]]})
    got = crm.ok("GET", f"{RECORDS.format('deal')}/{deal['id']}")
    assert [r["item"] for r in got["lines"]] == ["washer"] and got["people"] == [people[1]["id"]]
    assert len(rows(runtime, "SELECT * FROM crm__deal__lines")) == 1
    # filters on child tables
    assert crm.records("crm", "deal", filter={"people": people[1]["id"]})["total"] == 1
    assert crm.records("crm", "deal", filter={"people": people[0]["id"]})["total"] == 0
    assert crm.records("crm", "deal", filter={"lines": {"notnull": True}})["total"] == 1
    # a row that breaks a sub-field rule is refused with the row named
    response = crm.patch(f"{RECORDS.format('deal')}/{deal['id']}",
                         json={"lines": [{"qty": 1}]})
    assert_error(response, 422, "/lines", "row 1")
    # adding a sub-field rebuilds the child table and keeps the rows
    doc["fields"][1]["config"]["fields"].append(field("note"))
    publish(crm, doc)
    got = crm.ok("GET", f"{RECORDS.format('deal')}/{deal['id']}")
    assert got["lines"] == [{"item": "washer", "qty": None, "price": None, "note": None}]
    # removing the sub-table archives it; re-adding brings the rows back
    lines = doc["fields"].pop(1)
    publish(crm, doc)
    assert "lines" not in crm.ok("GET", f"{RECORDS.format('deal')}/{deal['id']}")
    assert "crm__deal__lines" in table_names(runtime)
    doc["fields"].insert(1, lines)
    publish(crm, doc)
    got = crm.ok("GET", f"{RECORDS.format('deal')}/{deal['id']}")
    assert [r["item"] for r in got["lines"]] == ["washer"]


# -- auto numbers ------------------------------------------------------------------------------
def test_auto_numbers_are_unique_under_concurrency(crm, app, runtime):
    publish(crm, form_doc("ticket", [field("title"), field(
        "code", "auto_number", config={"prefix": "T-", "digits": 4})]))
    threads, per_thread = 6, 5
    barrier = threading.Barrier(threads)
    made: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        api = ApiClient(app, crm.token, crm.user_id)
        barrier.wait()
        for i in range(per_thread):
            if i % 2:
                response = api.post(RECORDS.format("ticket") + "/bulk",
                                    json={"records": [{"title": f"{n}-{i}a"},
                                                      {"title": f"{n}-{i}b"}]})
                codes = [r["record"]["code"] for r in (response.get_json() or {}).get(
                    "results", []) if "record" in r]
            else:
                response = api.post(RECORDS.format("ticket"), json={"title": f"{n}-{i}"})
                codes = [response.get_json()["code"]] if response.status_code == 201 else []
            with lock:
                if response.status_code not in (200, 201):
                    failures.append(response.get_data(True))
                made.extend(codes)

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert failures == []
    expected = threads * (per_thread + per_thread // 2)
    assert len(made) == expected
    assert sorted(made) == [f"T-{i:04d}" for i in range(1, expected + 1)]
    stored = rows(runtime, "SELECT code FROM crm__ticket")
    assert len({r["code"] for r in stored}) == expected
    # an auto number cannot be set by hand
    assert_error(crm.post(RECORDS.format("ticket"), json={"code": "T-9999"}), 422, "/code")


def test_rollback_that_cannot_convert_is_refused_and_changes_nothing(crm, runtime):
    publish(crm, form_doc("contact", [field("name"), field("size", "number")]))
    publish(crm, form_doc("contact", [field("name"), field("size")]))
    record = crm.create("crm", "contact", {"name": "a", "size": "big"})
    errors = assert_error(crm.post("/apps/crm/forms/contact/versions/1/rollback"), 422,
                          "/fields/1/type")
    assert any(f"record {record['id']}" in e["message"] for e in errors)
    assert versions(crm, "contact") == [1, 2]
    assert records(crm, "contact")[0]["size"] == "big"
    assert not isinstance(columns(runtime, "crm__contact")["size"], sa.BigInteger)


def test_several_to_one_converts_when_each_record_holds_one(crm, factory):
    publish(crm, form_doc("company", [field("name")]))
    a, b = (crm.create("crm", "company", {"name": n})["id"] for n in "ab")
    other = factory.user("o@example.com", ["member"])
    many = form_doc("contact", [
        field("firms", "relation", config={"target_form": "company", "multiple": True}),
        field("people", "user", config={"multiple": True}),
        field("tags", "multiselect", config=STAGES)])
    publish(crm, many)
    one = crm.create("crm", "contact", {"firms": [a], "people": [other], "tags": ["won"]})
    two = crm.create("crm", "contact", {"firms": [a, b], "people": [other, crm.user_id],
                                        "tags": ["new", "won"]})
    crm.create("crm", "contact", {})
    single = form_doc("contact", [
        field("firms", "relation", config={"target_form": "company"}),
        field("people", "user"),
        field("tags", "select", config=STAGES)])
    crm.ok("PUT", "/apps/crm/forms/contact", json=single)
    errors = assert_error(crm.post("/apps/crm/forms/contact/publish"), 422)
    paths = {e["path"] for e in errors}
    assert paths == {"/fields/0/config", "/fields/1/config", "/fields/2/type"}
    assert any(f"record {two['id']}" in e["message"] for e in errors)
    assert not any(f"record {one['id']}" in e["message"] for e in errors)
    # with one value each, it goes through
    crm.ok("PATCH", f"{RECORDS.format('contact')}/{two['id']}",
           json={"firms": [b], "people": [crm.user_id], "tags": ["new"]})
    crm.ok("POST", "/apps/crm/forms/contact/publish")
    got = {r["id"]: r for r in records(crm, "contact")}
    assert (got[one["id"]]["firms"], got[one["id"]]["people"], got[one["id"]]["tags"]) == (
        a, other, "won")
    assert (got[two["id"]]["firms"], got[two["id"]]["people"], got[two["id"]]["tags"]) == (
        b, crm.user_id, "new")

"""Input beyond what a database holds or parses is a 4xx naming the place, never a 500: numbers
past the id columns, pages past the offset, text that is not Unicode, time zone offsets past a
day, NUL characters, formulas nested deeper than the SQL parser takes, keys PostgreSQL keeps for
itself, and filters whose arithmetic overflows on the stored records."""

from __future__ import annotations

import base64
import json

import pytest

from tests.integration.helpers import (
    assert_error,
    every_type_fields,
    field,
    form_doc,
    logged_in,
    publish,
    rows,
)

BASE = "/apps/crm/forms/deal/records"
HUGE = [2**31, 2**63, 10**30]  # past INTEGER on PostgreSQL, on SQLite, on both
PG_SYSTEM_COLUMNS = ["xmin", "xmax", "cmin", "cmax", "ctid", "tableoid", "oid"]


@pytest.fixture(scope="module")
def shared(shared_app, shared_admin):
    api = shared_admin
    api.ok("POST", "/apps", 201, json={"kind": "app", "key": "crm", "label": "CRM"})
    publish(api, form_doc("company", [field("name")]))
    publish(api, form_doc("deal", every_type_fields()))
    record = api.create("crm", "deal", {"name": "keep me", "employees": 5})
    return api, record


@pytest.fixture
def api(shared):
    return shared[0]


@pytest.fixture
def record(shared) -> dict:
    return shared[1]


@pytest.fixture
def runtime(shared_app):
    return shared_app.extensions["trellis"]


@pytest.fixture
def nothing_written(shared, runtime):
    yield
    assert rows(runtime, "SELECT id, name, employees, version FROM crm__deal") == [
        {"id": shared[1]["id"], "name": "keep me", "employees": 5, "version": 1}]
    assert rows(runtime, "SELECT count(*) AS n FROM audit_log WHERE form_key = 'deal'")[0]["n"] == 1


def is_postgres(runtime) -> bool:
    return runtime.engine.dialect.name == "postgresql"


# -- numbers past the columns ------------------------------------------------------------------
@pytest.mark.parametrize("page", [str(10**30), str(2**62), str(2**63), "1000001", "²", "0"])
def test_page_numbers_past_the_limit_are_400(api, shared_app, page):
    assert_error(api.get(f"{BASE}?page={page}"), 400, "/page")
    response = logged_in(shared_app).get(f"/a/crm/deal?page={page}")
    assert response.status_code == 400
    assert "1000000" in response.get_data(as_text=True)


def test_the_last_allowed_page_is_answered(api):
    assert api.ok("GET", f"{BASE}?page=1000000&per_page=1000")["records"] == []


@pytest.mark.parametrize("number", HUGE)
def test_record_ids_past_32_bits_are_404_in_paths(api, shared_app, nothing_written, number):
    for method, path in [("GET", f"{BASE}/{number}"), ("PATCH", f"{BASE}/{number}"),
                         ("DELETE", f"{BASE}/{number}"), ("GET", f"{BASE}/{number}/history")]:
        assert_error(api.request(method, path, json={"name": "x"}), 404, "")
    client = logged_in(shared_app)
    assert client.get(f"/a/crm/deal/{number}").status_code == 404
    assert client.get(f"/a/crm/deal/{number}/edit").status_code == 404
    assert client.post(f"/a/crm/deal/state?record={number}").status_code == 404


@pytest.mark.parametrize("number", HUGE)
def test_record_ids_past_32_bits_as_values_are_422(api, record, nothing_written, number):
    for body in ({"name": "x", "company": number}, {"name": "x", "company": {"id": number}},
                 {"name": "x", "company": str(number)}):
        assert_error(api.post(BASE, json=body), 422, "/company", "2147483647")
    assert_error(api.patch(f"{BASE}/{record['id']}", json={"company": number}), 422, "/company")
    assert_error(api.post(BASE, json={"name": "x", "owner": number}), 422, "/owner")
    assert_error(api.post(BASE, json={"name": "x", "assignee": number}), 422, "/assignee")
    for flt in ({"company": number}, {"id": number}, {"owner": {"in": [1, number]}},
                {"version": {"gt": number}}):
        assert_error(api.get(BASE, query_string={"filter": json.dumps(flt)}), 400,
                     "/filter/0/value")


@pytest.mark.parametrize("number", HUGE)
def test_version_numbers_past_32_bits(api, number):
    form = "/apps/crm/forms/deal"
    assert_error(api.get(f"{form}/versions/{number}"), 404, "")
    assert_error(api.post(f"{form}/versions/{number}/rollback"), 404, "")
    assert_error(api.get(f"{form}/diff?from={number}"), 400, "/from")
    assert_error(api.get(f"{form}/diff?from=1&to={number}"), 400, "/to")
    assert_error(api.get(f"{form}?version={number}"), 400, "/version")


def test_every_number_in_a_path_stops_at_32_bits(shared, shared_app):
    from werkzeug.routing import IntegerConverter

    from metadata.orm import MAX_INTEGER

    numbers = [(rule.rule, conv) for rule in shared_app.url_map.iter_rules()
               for conv in rule._converters.values() if isinstance(conv, IntegerConverter)]
    assert numbers and all(conv.max == MAX_INTEGER for _rule, conv in numbers), numbers
    client = logged_in(shared_app)
    assert client.post(f"/settings/tokens/{2**63}/revoke").status_code == 404
    assert client.get(f"/build/crm/forms/deal/history/{2**63}/rollback").status_code == 404


def test_digits_that_are_not_ascii_are_refused(api, record, nothing_written):
    assert_error(api.patch(f"{BASE}/{record['id']}", json={"name": "y"},
                           headers={"If-Match": '"²"'}), 400, "/version")
    assert_error(api.patch(f"{BASE}/{record['id']}", json={"name": "y", "version": "²"}), 422,
                 "/version")
    assert_error(api.get("/apps/crm/forms/deal/diff?from=²"), 400, "/from")


def test_a_number_too_long_for_python_in_a_path_is_404(api):
    assert_error(api.get(f"{BASE}/{'9' * 5000}"), 404, "")


def cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize("sort,values", [
    ("id", [2**40]), ("id", ["x"]), ("active", ["yes", 1]), ("name", ["a\u0000", 1]),
    ("amount", ["1e999999", 1]), ("met_at", ["0001-01-01T00:00:00+01:00", 1]),
    ("employees", [2**64, 1]), ("employees", [True, 1]), ("due", [5, 1]),
])
def test_cursors_a_column_cannot_bind_are_400(api, sort, values):
    assert_error(api.get(BASE, query_string={"sort": sort, "cursor": cursor(values)}), 400,
                 "/cursor")


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_times_that_leave_the_calendar_in_utc_are_400(api, moment):
    assert_error(api.get(BASE, query_string={"filter": json.dumps({"created_at": moment})}),
                 400, "/filter/0/value")


# -- text --------------------------------------------------------------------------------------
@pytest.mark.parametrize("method,path,body,where", [
    ("POST", BASE, '{"name": "\\ud800"}', "/name"),
    ("POST", BASE, '{"name": "ok", "lines": [{"item": "a\\udfffb"}]}', "/lines/0/item"),
    ("POST", BASE, '{"\\ud800": 1}', ""),
    ("POST", BASE + "/bulk", '{"records": [{"name": "\\ud83d"}]}', "/records/0/name"),
    ("PUT", "/apps/crm/forms/deal", '{"kind": "form", "key": "deal", "label": "\\ud800", '
                                   '"fields": []}', "/label"),
])
def test_lone_surrogates_are_400_at_their_place(api, nothing_written, method, path, body,
                                                where):
    response = api.request(method, path, data=body, content_type="application/json")
    assert_error(response, 400, where, "surrogate")


def test_a_surrogate_pair_is_a_character(api):
    created = api.ok("POST", "/apps/crm/forms/company/records", 201,
                     data='{"name": "\\ud83d\\ude00"}', content_type="application/json")
    assert created["name"] == "\U0001F600"


@pytest.mark.parametrize("moment", ["2024-01-01T10:00:00+99:00", "2024-01-01 10:00 -24:00",
                                    "2024/1/1 10:00+2400"])
def test_time_zone_offsets_past_a_day_are_422(api, record, nothing_written, moment):
    assert_error(api.post(BASE, json={"name": "x", "met_at": moment}), 422, "/met_at",
                 "offset")
    assert_error(api.patch(f"{BASE}/{record['id']}", json={"met_at": moment}), 422, "/met_at")
    assert_error(api.post("/apps/crm/forms/deal/formula",
                          json={"formula": "{met_at}", "record": {"met_at": moment}}), 422,
                 "/record/met_at")


def test_nul_in_formulas_search_and_filter_values_is_400(api, shared_app):
    errors = assert_error(api.get(BASE, query_string={"filter": '{name} = "a\u0000b"'}), 400,
                          "/filter", "NUL")
    assert errors[0]["position"] == 11
    assert_error(api.get(BASE, query_string={"q": "a\u0000"}), 400, "/q", "NUL")
    for flt in ({"name": "a\u0000"}, {"name": {"contains": "\u0000"}},
                {"stage": {"in": ["new", "\u0000"]}}):
        assert_error(api.get(BASE, query_string={"filter": json.dumps(flt)}), 400,
                     "/filter/0/value", "NUL")
    client = logged_in(shared_app)
    for query in ({"q": "a\u0000"}, {"fx": '{name} = "\u0000"'},
                  {"f": "name", "o": "eq", "v": "a\u0000"}, {"sort": "\u0000"}):
        response = client.get("/a/crm/deal", query_string=query)
        assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)
    for path in ("/a/_users", "/a/crm/deal/_lookup/company", "/a/_regions"):  # lookups: JSON
        response = client.get(path, query_string={"q": "\u0000", "province": "\u0000"})
        assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)


def test_a_filter_field_that_is_not_text_is_400(api):
    for flt in ([{"field": ["name"]}], [{"field": {"a": 1}}], [{"field": 5}]):
        assert_error(api.get(BASE, query_string={"filter": json.dumps(flt)}), 400,
                     "/filter/0/field")


# -- formulas the database cannot parse or compute ---------------------------------------------
def nested(n: int, inner: str = "{employees}") -> str:
    return "ABS(" * n + inner + ")" * n + " > 1"


def test_formula_filters_nested_deeper_than_sqlite_parses(api, runtime, shared_app):
    for depth in (20, 29):
        assert api.ok("GET", BASE, query_string={"filter": nested(depth)})["total"] == 1
    if is_postgres(runtime):  # PostgreSQL's parser takes far more than formulas may nest
        for depth in (30, 62):
            assert api.ok("GET", BASE, query_string={"filter": nested(depth)})["total"] == 1
        return
    errors = assert_error(api.get(BASE, query_string={"filter": nested(30)}), 400, "/filter",
                          "SQLite")
    assert errors[0]["position"] == 0  # the outermost ABS: what is left needs fewer levels
    errors = assert_error(api.get(BASE, query_string={"filter": nested(62)}), 400, "/filter")
    assert errors[0]["position"] == 4 * 32  # the part of 30 levels SQLite still refuses
    deep_if = "IF({employees} > 1, " * 20 + "1" + ", 0)" * 20 + " > 0"
    assert_error(api.get(BASE, query_string={"filter": deep_if}), 400, "/filter")
    response = logged_in(shared_app).get("/a/crm/deal", query_string={"fx": nested(30)})
    assert response.status_code == 200 and "SQLite" in response.get_data(as_text=True)


def test_arithmetic_overflow_in_a_filter_is_400(api, runtime, shared_app):
    assert_error(api.get(BASE, query_string={"filter": "ABS(-9223372036854775807 - 1) > 0"}),
                 400, "/filter", "cannot be worked out")
    overflow = "{employees} * 9223372036854775807 > 1"
    if is_postgres(runtime):
        assert_error(api.get(BASE, query_string={"filter": overflow}), 400, "/filter")
    else:  # SQLite turns an overflowing product into a real number
        assert api.ok("GET", BASE, query_string={"filter": overflow})["total"] == 1
    # the page shows the error and still lists the records (the transaction stays usable)
    response = logged_in(shared_app).get("/a/crm/deal", query_string={
        "fx": "ABS(-9223372036854775807 - 1) > 0"})
    assert response.status_code == 200
    assert "cannot be worked out" in response.get_data(as_text=True)
    assert "keep me" in response.get_data(as_text=True)


# -- keys --------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", PG_SYSTEM_COLUMNS)
def test_field_keys_postgresql_keeps_for_itself_are_refused_everywhere(api, key):
    doc = form_doc("sys", [field("name"), field(key)])
    assert_error(api.put("/apps/crm/forms/sys", json=doc), 422, "/fields/1/key", "PostgreSQL")
    lines = field("lines", "sub_table", config={"fields": [field(key)]})
    assert_error(api.put("/apps/crm/forms/sys", json=form_doc("sys", [lines])), 422,
                 "/fields/0/config/fields/0/key")
    package = {"format": "trellis-app-package", "format_version": 1,
               "app": {"kind": "app", "key": "ported", "label": "Ported"},
               "documents": [doc]}
    assert_error(api.post("/apps/import", json=package), 422, "/documents/0/fields/1/key")


# -- shapes of requests ------------------------------------------------------------------------
@pytest.mark.parametrize("body,paths", [
    ([None, None], ["/0", "/1"]),
    ({"records": [{"name": "ok"}, 1, "x", []]}, ["/records/1", "/records/2", "/records/3"]),
])
def test_bulk_rows_that_are_not_objects_are_422(api, nothing_written, body, paths):
    errors = assert_error(api.post(BASE + "/bulk", json=body), 422)
    assert [e["path"] for e in errors] == paths


def test_creating_an_app_implies_its_kind(api, runtime):
    created = api.ok("POST", "/apps", 201, json={"key": "implied", "label": "Implied"})
    assert created["kind"] == "app"
    assert_error(api.post("/apps", json={"kind": "form", "key": "other", "label": "X"}), 422,
                 "/kind")
    assert api.ok("GET", "/apps/implied")["kind"] == "app"

"""Bad input of every kind gets a clear JSON error, never a stack trace, and loses nothing."""

from __future__ import annotations

import json

import pytest

from tests.integration.helpers import (
    assert_error,
    check_error_body,
    every_type_fields,
    field,
    form_doc,
    publish,
    rows,
)
from tests.support import ApiClient, Factory

BASE = "/apps/crm/forms/deal/records"


@pytest.fixture(scope="module")
def shared(shared_app, shared_admin):
    """An app with a form using every field type and one stored record; the tests here only
    send what must be refused, so they share it."""
    api = shared_admin
    api.ok("POST", "/apps", 201, json={"kind": "app", "key": "crm", "label": "CRM"})
    publish(api, form_doc("company", [field("name")]))
    publish(api, form_doc("deal", every_type_fields()))
    record = api.create("crm", "deal", {"name": "keep me", "employees": 5})
    return api, record


@pytest.fixture
def api(shared) -> ApiClient:
    return shared[0]


@pytest.fixture
def record(shared) -> dict:
    return shared[1]


@pytest.fixture
def nothing_written(shared, shared_app):
    """After the test: still exactly the one record, unchanged, with one audit entry."""
    runtime = shared_app.extensions["trellis"]
    yield
    assert rows(runtime, "SELECT id, name, employees, version FROM crm__deal") == [
        {"id": shared[1]["id"], "name": "keep me", "employees": 5, "version": 1}]
    assert rows(runtime, "SELECT count(*) AS n FROM audit_log")[0]["n"] == 1
    assert rows(runtime, "SELECT count(*) AS n FROM documents")[0]["n"] == 3


def send(api, method: str, path: str, body: str | bytes, content_type="application/json"):
    return api.request(method, path, data=body, content_type=content_type)


# -- malformed bodies --------------------------------------------------------------------------
MALFORMED = [
    ('{"name": "x",}', 1, 14),
    ('{"name": "x"\n "employees": 1}', 2, 2),
    ('{\n  "name": "x",\n  "employees": 1,,\n}', 3, 18),
    ("{'name': 'x'}", 1, 2),
    ('{"name": "x"', 1, 13),
    ("", 1, 1),
    ("name=x", 1, 1),
]


@pytest.mark.parametrize("body,line,column", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_json_names_line_and_column(api, record, nothing_written, body, line,
                                              column):
    for method, path in [("POST", BASE), ("PATCH", f"{BASE}/{record['id']}"),
                         ("POST", BASE + "/bulk"), ("PUT", "/apps/crm/forms/deal"),
                         ("POST", "/apps/import"), ("POST", "/apps")]:
        response = send(api, method, path, body)
        assert_error(response, 400, "", f"line {line}, column {column}")


def test_body_that_is_not_utf8(api, nothing_written):
    assert_error(send(api, "POST", BASE, '{"name": "é"}'.encode("latin-1")), 400, "",
                 "not UTF-8")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/xml",
                                          ""])
def test_wrong_content_type_is_415(api, record, nothing_written, content_type):
    body = json.dumps({"name": "x"})
    for method, path in [("POST", BASE), ("PATCH", f"{BASE}/{record['id']}"),
                         ("POST", BASE + "/bulk"), ("PUT", "/apps/crm/forms/deal")]:
        response = api.request(method, path, data=body,
                               headers={"Content-Type": content_type} if content_type else {})
        assert_error(response, 415, "", "application/json")


def test_json_with_a_suffix_type_is_accepted(api):
    response = send(api, "POST", BASE + "/bulk", json.dumps({"records": []}),
                    "application/vnd.trellis+json; charset=utf-8")
    assert response.status_code == 200


# -- wrong values ------------------------------------------------------------------------------
WRONG_VALUES = [
    ("name", {"a": 1}), ("name", [1]), ("name", True), ("name", "x" * 256),
    ("notes", {}), ("notes", False),
    ("employees", "abc"), ("employees", 1.5), ("employees", True), ("employees", 2 ** 70),
    ("employees", [1]),
    ("amount", "abc"), ("amount", True), ("amount", [1]), ("amount", {"v": 1}),
    ("due", "2024-13-45"), ("due", 20240101), ("due", "yesterday"), ("due", [2024, 1, 1]),
    ("met_at", "not a time"), ("met_at", "2024-02-30T10:00"), ("met_at", 123),
    ("active", "maybe"), ("active", 2), ("active", []),
    ("stage", "unknown"), ("stage", 1), ("stage", ["new"]),
    ("tags", "nope"), ("tags", [1]), ("tags", {"a": 1}), ("tags", ["vip", "nope"]),
    ("phone", "abc"), ("phone", 13800138000), ("phone", "123"),
    ("email", "not-an-email"), ("email", 5), ("email", "a@"),
    ("website", "not a url"), ("website", 5), ("website", "javascript:alert(1)"),
    ("place", 5), ("place", {"country": "XX"}), ("place", {"country": "CN", "province": 44}),
    ("assignee", "abc"), ("assignee", -1), ("assignee", [1]), ("assignee", 1.5),
    ("company", "abc"), ("company", 0), ("company", {"id": "x"}), ("company", True),
    ("files", 5), ("files", ["bad"]), ("files", [{"name": "x"}]),
    ("code", "C-99999"), ("came_from", "forged"),
    ("lines", "x"), ("lines", [1]), ("lines", [{"nope": 1}]), ("lines", [{"qty": "x"}]),
    ("lines", {"item": "x"}),
]


@pytest.mark.parametrize("key,value", WRONG_VALUES,
                         ids=[f"{k}={json.dumps(v)[:20]}" for k, v in WRONG_VALUES])
def test_wrong_value_types_are_422_at_the_field(api, record, nothing_written, key, value):
    assert_error(api.post(BASE, json={"name": "x", key: value} if key != "name"
                          else {key: value}), 422, f"/{key}")
    assert_error(api.patch(f"{BASE}/{record['id']}", json={key: value}), 422, f"/{key}")
    result = api.ok("POST", BASE + "/bulk", json={"records": [{"name": "y", key: value}]
                                                  if key != "name" else [{key: value}]})
    assert result["created"] == 0
    assert result["results"][0]["errors"][0]["path"] == f"/{key}"


def test_every_field_type_is_exercised(runtime):
    exercised = {f["type"] for f in every_type_fields() if f["key"] in {k for k, _ in
                                                                         WRONG_VALUES}}
    calculated = {t.type for t in runtime.fields if t.calculated}
    assert exercised == set(runtime.fields.keys()) - calculated



def test_all_problems_of_a_record_are_listed(api, nothing_written):
    errors = assert_error(api.post(BASE, json={"employees": "x", "due": "x", "stage": "x",
                                               "nope": 1, "other": 2}), 422)
    assert {e["path"] for e in errors} == {"/name", "/employees", "/due", "/stage", "/nope",
                                           "/other"}


def test_unknown_fields_are_422(api, record, nothing_written):
    assert_error(api.post(BASE, json={"name": "x", "nickname": "y"}), 422, "/nickname",
                 "not a field")
    assert_error(api.patch(f"{BASE}/{record['id']}", json={"Name": "y"}), 422, "/Name")
    assert_error(api.post(BASE, json={"name": "x", "a/b": 1}), 422, "/a~1b")


def test_system_keys_in_a_body_are_ignored(api, record, nothing_written):
    """Clients send back what they read: id, created_at and the like change nothing."""
    got = api.ok("GET", f"{BASE}/{record['id']}")
    got["created_at"] = "1999-01-01T00:00:00Z"
    got["id"] = 424242
    response = api.patch(f"{BASE}/{record['id']}", json=got)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["version"] == 1  # nothing changed
    # the auto number may come back unchanged, but not changed
    assert_error(api.patch(f"{BASE}/{record['id']}", json={**got, "code": "C-99999"}), 422,
                 "/code", "automatically")


# -- sizes and shapes --------------------------------------------------------------------------
def test_ten_megabyte_body_is_413_and_nothing_is_written(api, record, nothing_written):
    big = json.dumps({"records": [{"name": "x" * 200, "notes": "y" * 9_800}] * 1_050})
    assert len(big) > 10 * 1024 * 1024
    for method, path in [("POST", BASE), ("POST", BASE + "/bulk"),
                         ("PATCH", f"{BASE}/{record['id']}"), ("PUT", "/apps/crm/forms/deal"),
                         ("POST", "/apps/import"), ("POST", "/apps/crm/forms/deal/publish")]:
        assert_error(send(api, method, path, big), 413, "")


def test_body_past_the_server_limit_is_413(api, nothing_written):
    huge = b'{"name": "' + b"x" * (33 * 1024 * 1024) + b'"}'
    assert_error(send(api, "POST", BASE, huge), 413)


@pytest.mark.parametrize("body", ["[]", "[{\"name\": \"x\"}]", '"x"', "42", "null", "true"])
def test_non_object_body(api, record, nothing_written, body):
    assert_error(send(api, "POST", BASE, body), 422, "", "JSON object")
    assert_error(send(api, "PATCH", f"{BASE}/{record['id']}", body), 422, "")
    assert_error(send(api, "PUT", "/apps/crm/forms/deal", body), 422, "")
    assert_error(send(api, "POST", "/apps/import", body), 422, "")


@pytest.mark.parametrize("depth", [100, 900, 5_000, 200_000])
def test_too_deep_json_is_400(api, nothing_written, depth):
    body = '{"name": ' + "[" * depth + "]" * depth + "}"
    assert_error(send(api, "POST", BASE, body), 400, contains="nested")
    assert_error(send(api, "PUT", "/apps/crm/forms/deal", body), 400, contains="nested")


def test_reasonably_deep_json_is_fine(api, nothing_written):
    body = '{"name": ' + "[" * 40 + "]" * 40 + "}"
    assert_error(send(api, "POST", BASE, body), 422, "/name")


def test_huge_arrays_are_refused_quickly(api, record, nothing_written):
    assert_error(api.post(BASE, json={"name": "x", "tags": ["nope"] * 200_000}), 422, "/tags")
    assert_error(api.post(BASE, json={"name": "x", "company": list(range(200_000))}), 422,
                 "/company")
    assert_error(api.post(BASE, json={"name": "x", "lines": [{"item": "a"}] * 5_000}), 422,
                 "/lines", "at most")
    assert_error(api.post(BASE, json={"name": "x", "files": ["a" * 32] * 5_000}), 422,
                 "/files")
    assert_error(api.post(BASE, json=[{"name": "x"}] * 100_000), 422, "")
    assert_error(api.post(BASE + "/bulk", json={"records": [{"name": "x"}] * 100_000}), 413,
                 "/records")


def test_numbers_json_cannot_hold(api, nothing_written):
    assert_error(send(api, "POST", BASE, '{"name": "x", "employees": ' + "1" * 5_000 + "}"),
                 400, "")
    for literal in ("NaN", "Infinity", "-Infinity", "1e999"):
        for key in ("employees", "amount"):
            assert_error(send(api, "POST", BASE, f'{{"name": "x", "{key}": {literal}}}'),
                         422, f"/{key}")


def test_nul_characters_are_refused_on_every_database(api, record, nothing_written):
    assert_error(api.post(BASE, json={"name": "a\u0000b"}), 422, "/name", "NUL")
    assert_error(api.patch(f"{BASE}/{record['id']}", json={"notes": "\u0000"}), 422, "/notes")
    assert_error(api.post(BASE + "/bulk", json={"records": [{"name": "ok"},
                                                            {"lines": [{"item": "\u0000"}]}]}),
                 422, "/records/1/lines/0/item")
    doc = form_doc("deal", [field("name", label="a\u0000b")])
    assert_error(api.put("/apps/crm/forms/deal", json=doc), 422, "/fields/0/label")
    assert_error(api.post(BASE, json={"name": "x", "a\u0000": 1}), 422, "")


def test_bad_query_parameters_are_400(api, nothing_written):
    for query, path in [("per_page=abc", "/per_page"), ("page=1.5", "/page"),
                        ("per_page=99999999999999999999", "/per_page"),
                        ("filter=%7B", "/filter"), ("cursor=%00", "/cursor")]:
        assert_error(api.get(f"{BASE}?{query}"), 400, path)


# -- who is asking -----------------------------------------------------------------------------
ENDPOINTS = [("GET", BASE), ("POST", BASE), ("GET", "/apps"), ("PUT", "/apps/crm/forms/deal"),
             ("GET", "/apps/crm/export"), ("POST", "/files"), ("DELETE", BASE + "/1")]


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer nope"}, {"Authorization": "Bearer "},
    {"Authorization": "Basic YWRtaW46YWRtaW4="}, {"Authorization": "trl_abc"},
], ids=["none", "unknown", "empty", "basic", "no-scheme"])
def test_missing_or_bad_token_is_401_json(shared_app, nothing_written, headers):
    client = shared_app.test_client()
    for method, path in ENDPOINTS:
        response = client.open("/api/v1" + path, method=method, headers=headers,
                               json={"name": "x"})
        assert_error(response, 401, "", "token")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_is_401(shared_app, api, nothing_written):
    from app.auth import service
    from app.auth.models import ApiToken, User

    factory = Factory(shared_app)
    token = factory.token(api.user_id)
    other = ApiClient(shared_app, token, api.user_id)
    assert other.get(BASE).status_code == 200
    runtime = shared_app.extensions["trellis"]
    with runtime.session() as session, session.begin():
        row = session.query(ApiToken).filter_by(token_hash=service.hash_token(token)).one()
        service.revoke_token(session, row.id, session.get(User, api.user_id),
                             runtime.clock.now())
    assert_error(other.get(BASE), 401)


@pytest.mark.parametrize("scopes,method,path", [
    (["records:read"], "POST", BASE), (["records:read"], "POST", BASE + "/bulk"),
    (["records:read"], "DELETE", BASE + "/1"), (["records:read"], "POST", "/files"),
    (["records:write"], "GET", BASE), (["metadata:read"], "PUT", "/apps/crm/forms/deal"),
    (["metadata:read"], "POST", "/apps/crm/forms/deal/publish"),
    (["records:read", "records:write"], "GET", "/apps"),
    (["metadata:write"], "GET", "/apps/crm/export"),
])
def test_token_without_the_scope_is_403(shared_app, api, nothing_written, scopes, method,
                                        path):
    limited = Factory(shared_app).api(api.user_id, scopes)
    assert_error(limited.request(method, path, json={"name": "x"}), 403, "", "scope")


@pytest.mark.parametrize("path", ["/nope", "/apps/crm/forms/deal/records/abc",
                                  "/apps/crm/forms/deal/records/1/nope", "/apps/crm/widgets/x",
                                  "/schemas/", "/files/", "/apps/crm/forms/deal/versions/x"])
def test_unknown_routes_are_404_json(api, shared_app, path):
    assert_error(api.get(path), 404, "")
    # the same without a token: 404 (the address is wrong whoever asks), as JSON
    assert_error(shared_app.test_client().get("/api/v1" + path), 404, "")


@pytest.mark.parametrize("method,path", [
    ("DELETE", "/apps"), ("PUT", BASE), ("POST", "/schemas/form"),
    ("PATCH", "/apps/crm/forms/deal"), ("POST", BASE + "/1/history"), ("PUT", "/files"),
    ("DELETE", "/apps/crm/forms/deal/publish")])
def test_wrong_method_is_405_json(api, nothing_written, method, path):
    response = api.request(method, path, json={})
    assert_error(response, 405, "")
    assert "Allow" in response.headers


def test_unexpected_errors_are_500_json_without_traceback(api, shared_app, monkeypatch,
                                                          nothing_written):
    runtime = shared_app.extensions["trellis"]

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals: /etc/passwd")

    monkeypatch.setattr(runtime, "plan", broken)
    response = api.get(BASE)
    errors = assert_error(response, 500, "")
    assert "secret" not in response.get_data(True)
    assert errors == [{"path": "", "message": "an internal error occurred; it has been logged"}]


def test_error_helper_rejects_bad_bodies():
    """The checker used everywhere above really checks."""

    class Fake:
        mimetype = "application/json"
        status_code = 400

        def __init__(self, body):
            self.body = body

        def get_data(self, as_text=False):
            return json.dumps(self.body)

        def get_json(self):
            return self.body

    with pytest.raises(AssertionError):
        check_error_body(Fake({"error": "x"}))
    with pytest.raises(AssertionError):
        check_error_body(Fake({"errors": [{"message": "x"}]}))
    with pytest.raises(AssertionError):
        check_error_body(Fake({"errors": [{"path": "", "message": "Traceback (most recent"}]}))

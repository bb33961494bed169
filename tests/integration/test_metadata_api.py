"""Metadata over the API: schemas, drafts with revisions, publishing, versions, diffs, rollback,
and the semantic checks with their JSON Pointer paths."""

from __future__ import annotations

import copy
import re
import threading

import pytest
from jsonschema import Draft202012Validator

from tests.integration.helpers import (
    STAGES,
    assert_error,
    columns,
    company_doc,
    contact_doc,
    every_type_fields,
    field,
    form_doc,
    publish,
    table_names,
)
from tests.support import ApiClient

FORM = "/apps/crm/forms/contact"


@pytest.fixture
def crm(admin_api, factory):
    factory.app_doc(admin_api)
    return admin_api


# -- schemas -----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["app", "form", "view"])
def test_schema_is_valid_draft_2020_12(client, kind):
    response = client.get(f"/api/v1/schemas/{kind}")
    assert response.status_code == 200
    schema = response.get_json()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["kind"] == {"const": kind}


def test_form_schema_names_every_registered_field_type(client, runtime):
    schema = client.get("/api/v1/schemas/form").get_json()
    registered = set(runtime.fields.keys())
    assert set(schema["$defs"]["field"]["properties"]["type"]["enum"]) == registered
    for name in registered:
        assert f"config_{name}" in schema["$defs"]
        Draft202012Validator.check_schema(schema["$defs"][f"config_{name}"])
    # the served schema accepts a form using every type
    doc = form_doc("contact", every_type_fields())
    assert list(Draft202012Validator(schema).iter_errors(doc)) == []


def test_unknown_schema_kind_is_404(client):
    assert_error(client.get("/api/v1/schemas/widget"), 404, "")


def test_served_schema_and_server_agree_on_a_bad_document(crm, client):
    schema = client.get("/api/v1/schemas/form").get_json()
    doc = form_doc("contact", [field("name", "text", config={"max_length": "long"})])
    assert list(Draft202012Validator(schema).iter_errors(doc))
    assert_error(crm.put(FORM, json=doc), 422, "/fields/0/config/max_length")


# -- drafts and revisions ----------------------------------------------------------------------
def test_save_draft_returns_revision_as_etag(crm):
    doc = contact_doc()
    crm.ok("PUT", "/apps/crm/forms/company", json=company_doc())
    first = crm.put(FORM, json=doc)
    assert first.status_code == 201
    assert first.headers["ETag"] == '"1"'
    assert first.get_json() == doc
    got = crm.get(FORM)
    assert got.headers["ETag"] == '"1"' and got.get_json() == doc
    doc["label"] = "Contacts"
    second = crm.put(FORM, json=doc, headers={"If-Match": '"1"'})
    assert second.status_code == 200 and second.headers["ETag"] == '"2"'
    doc["label"] = "People"
    third = crm.put(FORM + "?base_version=2", json=doc)
    assert third.status_code == 200 and third.headers["ETag"] == '"3"'
    # saving the same draft again (autosave) is no new revision
    again = crm.put(FORM, json=doc, headers={"If-Match": '"3"'})
    assert again.status_code == 200 and again.headers["ETag"] == '"3"'
    # a weak ETag as sent back by some clients works too
    doc["label"] = "Persons"
    fourth = crm.put(FORM, json=doc, headers={"If-Match": 'W/"3"'})
    assert fourth.status_code == 200 and fourth.headers["ETag"] == '"4"'


def test_stale_if_match_is_409_and_changes_nothing(crm):
    crm.ok("PUT", "/apps/crm/forms/company", json=company_doc())
    doc = contact_doc()
    crm.ok("PUT", FORM, json=doc)
    mine, theirs = copy.deepcopy(doc), copy.deepcopy(doc)
    theirs["label"] = "Theirs"
    crm.ok("PUT", FORM, json=theirs, headers={"If-Match": '"1"'})
    mine["label"] = "Mine"
    assert_error(crm.put(FORM, json=mine, headers={"If-Match": '"1"'}), 409, "",
                 contains="revision")
    assert_error(crm.put(FORM + "?base_version=1", json=mine), 409)
    got = crm.get(FORM)
    assert got.headers["ETag"] == '"2"'
    assert got.get_json()["label"] == "Theirs"


def test_a_stale_save_says_who_saved_in_between(crm, factory, app):
    """Issue 9, defect 9: the same person in another tab, or the other person by name."""
    doc = contact_doc()
    crm.ok("PUT", "/apps/crm/forms/company", json=company_doc())
    crm.ok("PUT", FORM, json=doc)
    crm.ok("PUT", FORM, json={**doc, "label": "Second tab"}, headers={"If-Match": '"1"'})
    answer = crm.put(FORM, json={**doc, "label": "First tab"}, headers={"If-Match": '"1"'})
    assert_error(answer, 409, "", contains="you saved it in another tab or window (revision 2")
    designer = factory.api(factory.user("li@example.com", ["designer"], name="Li Lei",
                                        locale="zh"))
    designer.ok("PUT", FORM, json={**doc, "label": "Li's"}, headers={"If-Match": '"2"'})
    answer = crm.put(FORM, json={**doc, "label": "Mine"}, headers={"If-Match": '"2"'})
    assert_error(answer, 409, "", contains="Li Lei saved it (revision 3")
    # the designer's page calls the API with its session: the message in the user's language
    from tests.integration.helpers import logged_in

    page = logged_in(app, "li@example.com")
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      page.get("/a/crm/company/new").get_data(as_text=True)).group(1)
    answer = page.put("/api/v1" + FORM, json={**doc, "label": "again"},
                      headers={"If-Match": '"2"', "X-CSRFToken": token})
    assert_error(answer, 409, "", contains="你在另一个标签页或窗口中保存了它（第 3 版")


def test_bad_if_match_is_400(crm):
    assert_error(crm.put(FORM, json=company_doc(), headers={"If-Match": '"abc"'}), 400,
                 "/base_version")


def test_if_match_on_a_new_document_is_409(crm):
    assert_error(crm.put("/apps/crm/forms/company", json=company_doc(),
                         headers={"If-Match": '"3"'}), 409)
    assert_error(crm.get("/apps/crm/forms/company"), 404)


def test_form_of_a_missing_app_is_404(admin_api):
    assert_error(admin_api.put("/apps/nope/forms/company", json=company_doc()), 404)


def test_existing_app_cannot_be_created_twice(crm):
    assert_error(crm.post("/apps", json={"kind": "app", "key": "crm", "label": "x"}), 409,
                 "/key")


# -- publishing and versions -------------------------------------------------------------------
def test_publish_makes_numbered_immutable_versions(crm, runtime):
    doc = company_doc()
    crm.ok("PUT", "/apps/crm/forms/company", json=doc)
    first = crm.ok("POST", "/apps/crm/forms/company/publish")
    assert first["version"] == 1
    assert first["migration"]["creates_table"] is True
    v2 = copy.deepcopy(doc)
    v2["fields"].append(field("size", "number"))
    v2["label"] = {"zh": "企业", "en": "Company"}
    crm.ok("PUT", "/apps/crm/forms/company", json=v2)
    # the draft changed, the published version did not
    assert crm.ok("GET", "/apps/crm/forms/company/versions/1") == doc
    response = crm.post("/apps/crm/forms/company/publish", json={"note": "size"})
    assert response.status_code == 200
    assert response.get_json()["version"] == 2
    assert response.get_json()["migration"]["adds"] == ["size"]
    listing = crm.ok("GET", "/apps/crm/forms/company/versions")
    assert listing["published_version"] == 2
    assert [v["number"] for v in listing["versions"]] == [1, 2]
    assert listing["versions"][1]["note"] == "size"
    assert crm.ok("GET", "/apps/crm/forms/company/versions/1") == doc
    assert crm.ok("GET", "/apps/crm/forms/company?version=2") == v2
    assert crm.get("/apps/crm/forms/company").headers["X-Trellis-Published-Version"] == "2"
    # versions cannot be edited or deleted
    for method in ("PUT", "PATCH", "DELETE"):
        assert_error(crm.request(method, "/apps/crm/forms/company/versions/1", json=doc), 405)
    assert_error(crm.get("/apps/crm/forms/company/versions/9"), 404)
    assert "size" in columns(runtime, "crm__company")


def test_publish_with_stale_revision_is_409(crm):
    crm.ok("PUT", "/apps/crm/forms/company", json=company_doc())
    crm.ok("PUT", "/apps/crm/forms/company", json={**company_doc(), "label": "Firms"})
    assert_error(crm.post("/apps/crm/forms/company/publish", headers={"If-Match": '"1"'}), 409)
    assert crm.ok("GET", "/apps/crm/forms/company/versions")["versions"] == []
    assert crm.ok("POST", "/apps/crm/forms/company/publish",
                  headers={"If-Match": '"2"'})["version"] == 1


def test_publish_dry_run_shows_the_plan_and_changes_nothing(crm, runtime):
    crm.ok("PUT", "/apps/crm/forms/company", json=company_doc())
    plan = crm.ok("POST", "/apps/crm/forms/company/publish?dry_run=1")
    assert plan["dry_run"] is True
    assert plan["migration"]["creates_table"] is True
    assert "crm__company" not in table_names(runtime)
    assert crm.ok("GET", "/apps/crm/forms/company/versions")["published_version"] is None


def test_diff_between_versions(crm):
    doc = company_doc()
    publish(crm, doc)
    v2 = copy.deepcopy(doc)
    v2["label"] = {"zh": "企业", "en": "Company"}
    v2["fields"].insert(0, field("size", "number"))
    v2["fields"][2]["label"] = "Town"
    publish(crm, v2)
    result = crm.ok("GET", "/apps/crm/forms/company/diff?from=1&to=2")
    assert result["from"] == 1 and result["to"] == "2"
    changes = {(c["op"], c["path"]) for c in result["changes"]}
    assert ("changed", "/label/zh") in changes
    assert ("added", "/fields/0") in changes
    assert ("moved", "/fields/1") in changes  # name went from 0 to 1
    assert ("changed", "/fields/2/label") in changes
    added = next(c for c in result["changes"] if c["op"] == "added")
    assert added["new"] == field("size", "number")
    back = crm.ok("GET", "/apps/crm/forms/company/diff?from=2&to=1")
    assert {c["op"] for c in back["changes"]} >= {"removed", "changed"}
    assert crm.ok("GET", "/apps/crm/forms/company/diff?from=2&to=2")["changes"] == []
    # to defaults to the draft
    assert crm.ok("GET", "/apps/crm/forms/company/diff?from=2")["changes"] == []
    assert_error(crm.get("/apps/crm/forms/company/diff?from=x&to=2"), 400, "/from")
    assert_error(crm.get("/apps/crm/forms/company/diff?from=1&to=x"), 400, "/to")
    assert_error(crm.get("/apps/crm/forms/company/diff?from=1&to=7"), 404)


def test_rollback_publishes_a_copy_and_the_table_follows(crm, runtime):
    doc = company_doc()
    publish(crm, doc)
    v2 = copy.deepcopy(doc)
    v2["fields"].append(field("size", "number"))
    publish(crm, v2)
    record = crm.create("crm", "company", {"name": "ACME", "size": 12})
    result = crm.ok("POST", "/apps/crm/forms/company/versions/1/rollback")
    assert result["version"] == 3
    assert result["migration"]["archives"] == ["size"]
    assert crm.ok("GET", "/apps/crm/forms/company/versions/3") == doc
    assert crm.ok("GET", "/apps/crm/forms/company") == doc
    versions = crm.ok("GET", "/apps/crm/forms/company/versions")
    assert [v["number"] for v in versions["versions"]] == [1, 2, 3]
    assert versions["versions"][2]["note"] == "rollback to version 1"
    got = crm.ok("GET", f"/apps/crm/forms/company/records/{record['id']}")
    assert "size" not in got
    assert "size" in columns(runtime, "crm__company")  # archived, data kept
    # and forward again: the data comes back
    result = crm.ok("POST", "/apps/crm/forms/company/versions/2/rollback")
    assert result["version"] == 4 and result["migration"]["restores"] == ["size"]
    assert crm.ok("GET", f"/apps/crm/forms/company/records/{record['id']}")["size"] == 12
    assert_error(crm.post("/apps/crm/forms/company/versions/9/rollback"), 404)


def test_views_and_apps_are_versioned_too(crm):
    publish(crm, company_doc())
    view = {"kind": "view", "key": "big", "form": "company", "label": "Big ones",
            "columns": ["name", "city"], "sort": [{"field": "name"}], "per_page": 20}
    crm.ok("PUT", "/apps/crm/views/big", json=view)
    assert crm.ok("POST", "/apps/crm/views/big/publish")["version"] == 1
    assert crm.ok("GET", "/apps/crm/views")["views"][0]["key"] == "big"
    app_doc = crm.ok("GET", "/apps/crm")
    app_doc["navigation"] = [{"form": "company", "view": "big"}]
    crm.ok("PUT", "/apps/crm", json=app_doc)
    assert crm.ok("POST", "/apps/crm/publish")["version"] == 2
    apps = crm.ok("GET", "/apps")["apps"]
    assert apps[0]["key"] == "crm" and apps[0]["published_version"] == 2
    assert [f["key"] for f in apps[0]["forms"]] == ["company"]


# -- semantic errors ---------------------------------------------------------------------------
def _contact(*fields: dict, **extra) -> dict:
    return form_doc("contact", [field("name"), *fields], **extra)


BAD_FORMS = [
    # (id, document, path, words in the message)
    ("upper-case key", _contact(field("Phone")), "/fields/1/key", "is not a key"),
    ("key starts with a digit", _contact(field("1st")), "/fields/1/key", "is not a key"),
    ("key with a dash", _contact(field("first-name")), "/fields/1/key", "is not a key"),
    ("key too long", _contact(field("a" * 64)), "/fields/1/key", "is not a key"),
    ("empty key", _contact(field("")), "/fields/1/key", "is not a key"),
    ("double underscore", _contact(field("first__name")), "/fields/1/key", "double underscore"),
    ("system column", _contact(field("owner")), "/fields/1/key", "reserved"),
    ("id", _contact(field("id", "number")), "/fields/1/key", "reserved"),
    ("sql select", _contact(field("select")), "/fields/1/key", "SQL keyword"),
    ("sql order", _contact(field("order")), "/fields/1/key", "SQL keyword"),
    ("sql user", _contact(field("user", "user")), "/fields/1/key", "SQL keyword"),
    ("sql table", _contact(field("table")), "/fields/1/key", "SQL keyword"),
    ("sql group", _contact(field("group")), "/fields/1/key", "SQL keyword"),
    ("duplicate key", _contact(field("name", "textarea")), "/fields/1/key", "already used"),
    ("duplicate key by case", _contact(field("Name")), "/fields/1/key", "is not a key"),
    ("duplicate sub-field", _contact(field("lines", "sub_table", config={
        "fields": [field("item"), field("item", "number")]})),
     "/fields/1/config/fields/1/key", "already used"),
    ("sql keyword sub-field", _contact(field("lines", "sub_table", config={
        "fields": [field("where")]})), "/fields/1/config/fields/0/key", "SQL keyword"),
    ("relation to nothing", _contact(field("company", "relation",
                                           config={"target_form": "nowhere"})),
     "/fields/1/config/target_form", "does not exist"),
    ("relation without target", _contact(field("company", "relation", config={})),
     "/fields/1/config", "target_form"),
    ("select default not a choice", _contact(field("stage", "select", config=STAGES,
                                                   default="maybe")),
     "/fields/1/default", "not among the choices"),
    ("duplicate choice", _contact(field("stage", "select", config={"choices": [
        {"value": "a", "label": "A"}, {"value": "a", "label": "B"}]})),
     "/fields/1/config/choices/1/value", "twice"),
    ("number default not a number", _contact(field("size", "number", default="many")),
     "/fields/1/default", "whole number"),
    ("unknown field type", _contact(field("size", "bignum")), "/fields/1/type", "bignum"),
    ("unknown form property", _contact(colour="red"), "/colour", "unknown property"),
    ("unknown field property", _contact(field("size", "number", colour="red")),
     "/fields/1/colour", "unknown property"),
    ("unknown config property", _contact(field("size", "number", config={"maxi": 3})),
     "/fields/1/config/maxi", "unknown property"),
    ("label a number", form_doc("contact", [field("name")], label=5), "/label", "a text"),
    ("label a list", _contact(field("size", "number", label=["x"])), "/fields/1/label",
     "a text"),
    ("label another language", form_doc("contact", [field("name")], label={"fr": "Contact"}),
     "/label", "a text"),
    ("empty label", {**_contact(), "label": ""}, "/label", "a text"),
    ("field without a label", _contact({"key": "size", "type": "number"}), "/fields/1",
     "label"),
    ("required not boolean", _contact(field("size", "number", required="yes")),
     "/fields/1/required", "boolean"),
    ("config of the wrong type", _contact(field("size", "number", config={"min": "one"})),
     "/fields/1/config/min", "whole number"),
    ("min above max", _contact(field("size", "number", config={"min": 5, "max": 1})),
     "/fields/1/config/min", "larger"),
    ("bad pattern", _contact(field("code", config={"pattern": "("})),
     "/fields/1/config/pattern", "regular expression"),
    ("title field unknown", _contact(title_field="nickname"), "/title_field", "not a field"),
    ("hidden field unknown", _contact(permissions={"roles": {"member": {
        "hidden_fields": ["salary"]}}}), "/permissions/roles/member/hidden_fields/0",
     "not a field"),
    ("bad scope", _contact(permissions={"roles": {"member": {"read": "some"}}}),
     "/permissions/roles/member/read", "'some'"),
    ("fields not a list", form_doc("contact", {"name": {}}), "/fields", "array"),
]


@pytest.fixture(scope="module")
def shared_crm(shared_admin):
    """One app for the tests whose every write is refused."""
    shared_admin.ok("POST", "/apps", 201, json={"kind": "app", "key": "crm", "label": "CRM"})
    return shared_admin


@pytest.mark.parametrize("doc,path,words", [c[1:] for c in BAD_FORMS],
                         ids=[c[0] for c in BAD_FORMS])
def test_semantic_and_schema_errors_have_exact_paths(shared_crm, doc, path, words):
    response = shared_crm.put(FORM, json=doc)
    assert_error(response, 422, path, contains=words)
    assert_error(shared_crm.get(FORM), 404)  # nothing was saved


@pytest.mark.parametrize("key", ["select", "order", "user", "table", "group", "Crm", "9lives",
                                 "a__b"])
def test_bad_app_keys(shared_crm, key):
    response = shared_crm.post("/apps", json={"kind": "app", "key": key, "label": "x"})
    assert_error(response, 422, "/key")
    assert [a["key"] for a in shared_crm.ok("GET", "/apps")["apps"]] == ["crm"]


@pytest.mark.parametrize("key", ["select", "order", "user", "table", "group"])
def test_sql_keyword_form_keys(shared_crm, key):
    doc = form_doc(key, [field("name")])
    assert_error(shared_crm.put(f"/apps/crm/forms/{key}", json=doc), 422, "/key",
                 "SQL keyword")


def test_a_valid_key_of_63_characters_is_accepted(crm, runtime):
    key = "k" + "x" * 62
    publish(crm, form_doc("contact", [field(key)]))
    assert key in columns(runtime, "crm__contact")


def test_every_problem_is_listed_at_once(crm):
    doc = form_doc("contact", [field("Name"), field("size", "bignum"),
                               field("x", "number", config={"min": "a"})], label=5, colour=1)
    found = {e["path"] for e in assert_error(crm.put(FORM, json=doc), 422)}
    assert {"/fields/0/key", "/fields/1/type", "/fields/2/config/min", "/label",
            "/colour"} <= found


def test_semantic_problems_are_listed_together(crm):
    doc = form_doc("contact", [field("select"), field("name"), field("name"),
                               field("company", "relation", config={"target_form": "x"}),
                               field("stage", "select", config=STAGES, default="maybe")],
                   title_field="nope")
    errors = assert_error(crm.put(FORM, json=doc), 422)
    assert {e["path"] for e in errors} == {"/fields/0/key", "/fields/2/key",
                                           "/fields/3/config/target_form", "/fields/4/default",
                                           "/title_field"}


def test_identity_must_match_the_address(crm):
    doc = company_doc()
    assert_error(crm.put("/apps/crm/forms/firm", json=doc), 422, "/key", "keys never change")
    assert_error(crm.put("/apps/crm/views/company", json=doc), 422, "/kind")
    assert_error(crm.put("/apps/crm/forms/company", json=[doc]), 422, "")


def test_view_and_app_references_are_checked(crm):
    publish(crm, company_doc())
    view = {"kind": "view", "key": "big", "form": "nowhere", "label": "Big"}
    assert_error(crm.put("/apps/crm/views/big", json=view), 422, "/form", "does not exist")
    view.update(form="company", columns=["name", "salary"],
                filters=[{"field": "size", "op": "gt", "value": 1}])
    errors = assert_error(crm.put("/apps/crm/views/big", json=view), 422)
    assert {e["path"] for e in errors} == {"/columns/1", "/filters/0/field"}
    app_doc = crm.ok("GET", "/apps/crm")
    app_doc["navigation"] = [{"form": "company"}, {"form": "deals"}]
    assert_error(crm.put("/apps/crm", json=app_doc), 422, "/navigation/1/form")


def test_relation_target_becomes_valid_once_the_target_exists(crm):
    doc = contact_doc()
    assert_error(crm.put(FORM, json=doc), 422, "/fields/4/config/target_form")
    crm.ok("PUT", "/apps/crm/forms/company", json=company_doc())
    assert crm.put(FORM, json=doc).status_code == 201


# -- concurrent writers ------------------------------------------------------------------------
def race(app, api, n: int, method: str, path: str, **kw) -> list:
    """``n`` clients send the same request at once; their responses."""
    barrier = threading.Barrier(n)
    out = []

    def go():
        client = ApiClient(app, api.token, api.user_id)
        barrier.wait()
        out.append(client.request(method, path, **kw))

    threads = [threading.Thread(target=go) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_concurrent_saves_of_one_revision_let_exactly_one_win(crm, app):
    crm.ok("PUT", "/apps/crm/forms/company", json=company_doc())
    for attempt in range(3):
        revision = crm.get("/apps/crm/forms/company").headers["ETag"]
        doc = company_doc()
        doc["label"] = f"attempt {attempt}"
        responses = race(app, crm, 4, "PUT", "/apps/crm/forms/company", json=doc,
                         headers={"If-Match": revision})
        assert sorted(r.status_code for r in responses) == [200, 409, 409, 409]
        for r in responses:
            if r.status_code == 409:
                assert_error(r, 409)
    assert crm.get("/apps/crm/forms/company").headers["ETag"] == '"4"'


def test_concurrent_creation_of_one_document(crm, app):
    responses = race(app, crm, 4, "PUT", "/apps/crm/forms/company", json=company_doc())
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 1 and set(statuses) <= {200, 201, 409}
    for r in responses:
        if r.status_code == 409:
            assert_error(r, 409)


def test_concurrent_publishes_make_one_version(crm, app, runtime):
    doc = company_doc()
    for i in range(3):
        doc["fields"].append(field(f"extra{i}"))
        crm.ok("PUT", "/apps/crm/forms/company", json=doc)
        responses = race(app, crm, 4, "POST", "/apps/crm/forms/company/publish")
        assert [r.status_code for r in responses] == [200] * 4, [r.get_json() for r in responses]
        results = [r.get_json() for r in responses]
        assert {r["version"] for r in results} == {i + 1}
        assert sorted(r["unchanged"] for r in results) == [False, True, True, True]
    listing = crm.ok("GET", "/apps/crm/forms/company/versions")
    assert [v["number"] for v in listing["versions"]] == [1, 2, 3]
    assert {"extra0", "extra1", "extra2"} <= set(columns(runtime, "crm__company"))

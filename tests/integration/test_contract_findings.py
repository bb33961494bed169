"""What schemathesis found against the live API (test_api_contract.py), each pinned by a test
that sends the request it generated: answers the OpenAPI document declares, never a 500."""

from __future__ import annotations

import pytest

from tests.integration.helpers import (
    assert_error,
    every_type_fields,
    field,
    form_doc,
    publish,
)
from tests.integration.test_openapi import answers

PACKAGE = {"format": "trellis-app-package", "format_version": 1,
           "app": {"kind": "app", "key": "ported", "label": "Ported"}}


@pytest.fixture(scope="module")
def api(shared_app, shared_admin):
    shared_admin.ok("POST", "/apps", 201, json={"kind": "app", "key": "crm", "label": "CRM"})
    publish(shared_admin, form_doc("company", [field("name")]))
    publish(shared_admin, form_doc("deal", every_type_fields()))
    return shared_admin


@pytest.mark.parametrize("documents,where", [
    ([{"kind": "form", "key": {"a": 1}, "label": "X", "fields": []}], "/documents/0/key"),
    ([{"kind": "view", "key": ["v"], "form": "f", "label": "V"}], "/documents/0/key"),
    ([{"kind": "form", "key": "f", "label": "F", "fields": [
        {"key": "m", "type": "multiselect", "label": "M", "default": [[1, True, None]],
         "config": {"choices": [{"value": "a", "label": "A"}]}}]}], "/documents/0/fields/0"),
])
def test_packages_with_keys_or_defaults_of_any_json_are_422(api, documents, where):
    errors = assert_error(api.post("/apps/import", json={**PACKAGE, "documents": documents}),
                          422)
    assert any(e["path"].startswith(where) for e in errors), errors


def test_unknown_properties_of_a_package_are_422(api):
    assert_error(api.post("/apps/import", json={**PACKAGE, "documents": [], "extra": 1}), 422,
                 "/extra", "unknown")


def test_the_formula_check_takes_its_own_properties_only(api):
    base = "/apps/crm/forms/deal/formula"
    assert_error(api.post(base, json={"formula": "1", "expect": {}}), 422, "/expect")
    assert_error(api.post(base, json={"formula": "1", "expect": ["boolean"]}), 422, "/expect")
    assert_error(api.post(base, json={"formula": "1", "extra": 1}), 422, "/extra", "unknown")


def test_a_time_before_the_year_1000_keeps_four_digits(api):
    made = api.create("crm", "deal", {"name": "old", "met_at": "0286-05-09T23:53:24Z"})
    assert made["met_at"] == "0286-05-09T23:53:24Z"
    assert api.ok("GET", f"/apps/crm/forms/deal/records/{made['id']}")["met_at"] == \
        "0286-05-09T23:53:24Z"


@pytest.mark.parametrize("body,where", [
    ({"note": 5}, "/note"), ({"note": "x" * 501}, "/note"), ({"other": 1}, "/other"),
    ([], ""), ("note", ""),
])
def test_publish_takes_a_note_only(api, body, where):
    assert_error(api.post("/apps/crm/forms/deal/publish", json=body), 422, where)


def test_a_version_argument_that_is_sent_empty_is_400(api):
    """DELETE ...?version= deleted the record (schemathesis on PostgreSQL): an empty version
    is no version this API gave out."""
    made = api.create("crm", "deal", {"name": "x"})
    path = f"/apps/crm/forms/deal/records/{made['id']}"
    assert_error(api.delete(path + "?version="), 400, "/version")
    assert_error(api.patch(path + "?version=", json={"name": "y"}), 400, "/version")
    assert api.ok("GET", path)["version"] == 1  # still there, unchanged
    assert_error(api.put("/apps/crm/forms/deal?base_version=", json={}), 400, "/base_version")


def test_dry_run_takes_yes_or_no_only(api):
    assert_error(api.post("/apps/crm/forms/deal/publish?dry_run=maybe"), 400, "/dry_run")
    assert api.ok("POST", "/apps/crm/forms/deal/publish?dry_run=true")["dry_run"] is True


def test_an_if_match_that_is_sent_must_be_an_etag(api):
    made = api.create("crm", "deal", {"name": "x"})
    path = f"/apps/crm/forms/deal/records/{made['id']}"
    for value in ("", "*", '"abc"', "W/"):
        assert_error(api.patch(path, json={"name": "y"}, headers={"If-Match": value}), 400,
                     "/version")
    assert api.ok("PATCH", path, json={"name": "y"}, headers={"If-Match": 'W/"1"'})["version"] \
        == 2


@pytest.mark.parametrize("query,where", [
    ("page=", "/page"), ("per_page=", "/per_page"), ("total=", "/total"),
    ("total=yes", "/total"), ("total=2", "/total"),
])
def test_list_arguments_that_are_empty_or_not_taken_are_400(api, query, where):
    assert_error(api.get(f"/apps/crm/forms/deal/records?{query}"), 400, where)


def test_empty_search_sort_filter_and_cursor_mean_none(api):
    listing = api.ok("GET", "/apps/crm/forms/deal/records?q=&sort=&filter=&cursor=&total=false")
    assert listing["total"] is None


def test_a_publish_answer_with_a_conversion_is_what_the_document_says(api):
    publish(api, form_doc("note", [field("size")]))
    api.create("crm", "note", {"size": "12"})
    answer = publish(api, form_doc("note", [field("size", "number")]))
    assert answer["migration"]["converts"] == [{"field": "size", "from": "text",
                                                "to": "number"}]
    answers(api.ok("GET", "/openapi.json"), "PublishResult", answer)


@pytest.mark.parametrize("config", [{"precision": 9.0}, {"precision": 2.5}])
def test_a_whole_number_setting_written_with_a_decimal_point_is_422(api, config):
    """Found by schemathesis on PostgreSQL: `precision: 9.0` passed JSON Schema's `integer`
    (which takes 9.0) and failed later as a float, a 500."""
    documents = [{"kind": "form", "key": "f", "label": "F", "fields": [
        {"key": "amount", "type": "decimal", "label": "A", "config": config}]}]
    assert_error(api.post("/apps/import", json={**PACKAGE, "documents": documents}), 422,
                 "/documents/0/fields/0/config/precision", "whole number")

"""The OpenAPI document: valid OpenAPI 3.1 for every reader, every route and method of the API
in it, precise answers (checked here against real responses, and by schemathesis in
test_api_contract.py), and each reader shown only what the reader may see."""

from __future__ import annotations

import json
import re

import pytest
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.integration.helpers import STAGES, field, form_doc, publish
from tests.support import api_routes

SECRET = "secret_margin"  # a field hidden from members: its name must not show


def member_policy(read: str = "own") -> dict:
    return {"roles": {"member": {"create": "all", "read": read, "update": "own",
                                 "delete": "own", "hidden_fields": [SECRET],
                                 "readonly_fields": ["stage"]}}}


@pytest.fixture
def crm(admin_api, factory):
    factory.app_doc(admin_api)
    publish(admin_api, form_doc("company", [field("name", required=True)]))
    publish(admin_api, form_doc("contact", [
        field("name", required=True), field("stage", "select", config=STAGES),
        field("company", "relation", config={"target_form": "company"}),
        field("met_at", "datetime"), field(SECRET, "decimal", config={"precision": 2}),
        field("lines", "sub_table", config={"fields": [field("item"), field("qty", "number")]}),
        field("code", "auto_number", config={"prefix": "C-"}),
        field("score", "formula", config={"formula": 'IF({stage} = "won", 10, 0)'}),
    ], permissions=member_policy()))
    publish(admin_api, form_doc("ledger", [field("total", "number")],
                            permissions={"roles": {"member": {"read": "none"}}}))
    return admin_api


def operations(spec: dict) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in spec["paths"].items() for method in item
            if method in ("get", "put", "post", "patch", "delete")}


def template(path: str) -> str:
    return "/api/v1" + re.sub(r"\{[^}]*\}", "{}", path)


def test_every_route_and_method_of_the_api_is_in_the_document(app, crm):
    spec = crm.ok("GET", "/openapi.json")
    documented = {(method, template(path)) for method, path in operations(spec)}
    routes = api_routes(app)
    missing = sorted(routes - documented)
    assert not missing, "routes missing from the OpenAPI document (runtime/api/openapi*.py): " \
        + ", ".join(f"{m} {p}" for m, p in missing)
    patterns = [(m, re.compile("^" + re.escape(p).replace(r"\{\}", "[^/]+") + "$"))
                for m, p in routes]
    unknown = sorted((m, p) for m, p in documented
                     if not any(m == rm and rp.match(p) for rm, rp in patterns))
    assert not unknown, f"documented operations that are no route: {unknown}"


def test_the_document_is_valid_for_every_reader(app, crm, factory, client):
    member = factory.api(factory.user("m@example.com", ["member"]))
    metadata_only = factory.api(factory.user("d@example.com", ["designer"]), ["metadata:read"])
    for spec in (crm.ok("GET", "/openapi.json"), member.ok("GET", "/openapi.json"),
                 metadata_only.ok("GET", "/openapi.json"),
                 client.get("/api/v1/openapi.json").get_json()):
        validate(spec)
        assert spec["openapi"] == "3.1.0"
        assert ("GET", "/apps/{app_key}/forms/{form_key}/records") in operations(spec)


def test_what_every_operation_declares(crm):
    spec = crm.ok("GET", "/openapi.json")
    for path, item in spec["paths"].items():
        for method, op in item.items():
            statuses = set(op["responses"])
            if "requestBody" in op and "application/json" in op["requestBody"]["content"]:
                assert {"400", "413", "415", "422"} <= statuses, (method, path)
            if op.get("security") != []:
                assert {"401", "403"} <= statuses, (method, path)
            if "{" in path:
                assert "404" in statuses, (method, path)
    diff = spec["paths"]["/apps/{app_key}/forms/{form_key}/diff"]["get"]
    assert [p["required"] for p in diff["parameters"] if p.get("name") == "from"] == [True]
    create = spec["components"]["schemas"]["AppDocument.new"]
    assert "kind" not in create["required"] and "kind" in create["properties"]


def test_a_member_sees_only_what_the_member_may_see(crm, factory):
    member = factory.api(factory.user("m@example.com", ["member"]))
    admin_spec, spec = crm.ok("GET", "/openapi.json"), member.ok("GET", "/openapi.json")
    assert SECRET in json.dumps(admin_spec)
    assert SECRET not in json.dumps(spec)  # not a property, not a title, nowhere
    schemas = spec["components"]["schemas"]
    assert "crm.contact" in schemas and "crm.ledger" in admin_spec["components"]["schemas"]
    assert not any(name.startswith("crm.ledger") for name in schemas)
    assert not any("/forms/ledger/" in path for path in spec["paths"])
    assert "stage" in schemas["crm.contact"]["properties"]  # read-only: read, never written
    assert "stage" not in schemas["crm.contact.new"]["properties"]
    assert "stage" in admin_spec["components"]["schemas"]["crm.contact.new"]["properties"]


def test_a_token_without_records_read_sees_no_forms(crm, factory):
    token = factory.api(factory.user("d@example.com", ["designer"]), ["metadata:read"])
    spec = token.ok("GET", "/openapi.json")
    assert not any(name.startswith("crm.") for name in spec["components"]["schemas"])


def test_strangers_see_the_api_but_not_the_forms(crm, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/apps" in spec["paths"] and "FormDocument" in spec["components"]["schemas"]
    assert not any(name.startswith("crm.") for name in spec["components"]["schemas"])
    assert not any("/apps/crm/" in path for path in spec["paths"])


def answers(spec: dict, name: str, instance) -> None:
    """Validate ``instance`` against ``components/schemas/<name>`` of ``spec`` (or the schema
    at ``name`` when it is a JSON Pointer)."""
    registry = Registry().with_resource("urn:spec", Resource.from_contents(
        spec, default_specification=DRAFT202012))
    where = name if name.startswith("/") else f"/components/schemas/{name}"
    OAS31Validator({"$ref": f"urn:spec#{where}"}, registry=registry).validate(instance)


def test_records_and_documents_answer_as_their_schemas_say(crm):
    spec = crm.ok("GET", "/openapi.json")
    company = crm.create("crm", "company", {"name": "ACME"})
    made = crm.create("crm", "contact", {"name": "王芳", "stage": "won", "company": company["id"],
                                         "met_at": "2026-01-02 03:04", SECRET: "1.5",
                                         "lines": [{"item": "a", "qty": 2}]})
    answers(spec, "crm.contact", made)
    answers(spec, "crm.contact", crm.ok("GET", f"/apps/crm/forms/contact/records/{made['id']}"))
    answers(spec, "crm.contact.new", {k: v for k, v in made.items() if k not in ("code",)})
    listing = crm.ok("GET", "/apps/crm/forms/contact/records?per_page=1")
    answers(spec, "/paths/~1apps~1crm~1forms~1contact~1records/get/responses/200/content/"
                  "application~1json/schema", listing)
    answers(spec, "History", crm.ok("GET", f"/apps/crm/forms/contact/records/{made['id']}"
                                           "/history"))
    answers(spec, "FormDocument", crm.ok("GET", "/apps/crm/forms/contact"))
    answers(spec, "Package", crm.ok("GET", "/apps/crm/export"))
    answers(spec, "AppList", crm.ok("GET", "/apps"))
    answers(spec, "Diff", crm.ok("GET", "/apps/crm/forms/contact/diff?from=1"))
    with pytest.raises(ValidationError):  # the schemas are strict: a stray key is refused
        answers(spec, "crm.contact", {**made, "stray": 1})
    with pytest.raises(ValidationError):
        answers(spec, "crm.contact.new", {"name": "x", "score": 1, "code": "C-9"})

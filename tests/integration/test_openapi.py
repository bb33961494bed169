"""The OpenAPI description is valid OpenAPI 3.1 and describes every published form."""

from openapi_spec_validator import validate


def test_openapi_is_valid_and_lists_forms(admin_api, factory):
    factory.app_doc(admin_api)
    factory.form(admin_api, {
        "kind": "form", "key": "contact", "label": {"zh": "联系人", "en": "Contact"},
        "fields": [{"key": "name", "type": "text", "label": "姓名", "required": True},
                   {"key": "stage", "type": "select", "label": "阶段",
                    "config": {"choices": [{"value": "new", "label": "新建"}]}}]})
    spec = admin_api.ok("GET", "/openapi.json")
    validate(spec)
    assert spec["openapi"].startswith("3.1")
    record = spec["components"]["schemas"]["crm.contact"]
    assert record["required"] == ["name"]
    assert {"type": "string", "enum": ["new"]} in record["properties"]["stage"]["anyOf"]
    paths = spec["paths"]
    assert "/apps/{app_key}/forms/{form_key}/records/bulk" in paths


def test_strangers_see_the_api_but_not_the_forms(admin_api, factory, client):
    factory.app_doc(admin_api)
    factory.form(admin_api, {"kind": "form", "key": "secret", "label": "Secret",
                             "fields": [{"key": "name", "type": "text", "label": "Name"}]})
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/apps" in spec["paths"]
    assert "crm.secret" not in spec["components"]["schemas"]

"""App packages: export then import gives identical documents; a bad package changes nothing."""

from __future__ import annotations

import copy
import json

import pytest

from tests.integration.helpers import (
    assert_error,
    company_doc,
    contact_doc,
    every_type_fields,
    field,
    form_doc,
    publish,
    rows,
    table_names,
)
from tests.support import Factory


def build_crm(api, factory) -> dict:
    """An app with navigation, related forms, one of every field type, and a view."""
    factory.app_doc(api)
    publish(api, company_doc())
    publish(api, contact_doc(permissions={"roles": {"member": {
        "read": "own", "update": "own", "hidden_fields": ["amount"]}}}))
    publish(api, form_doc("deal", every_type_fields("contact"), title_field="name"))
    view = {"kind": "view", "key": "open_deals", "form": "deal", "label": {"zh": "进行中",
            "en": "Open deals"}, "columns": ["name", "amount"],
            "sort": [{"field": "amount", "direction": "desc"}],
            "filters": [{"field": "stage", "op": "ne", "value": "lost"}]}
    api.ok("PUT", "/apps/crm/views/open_deals", json=view)
    api.ok("POST", "/apps/crm/views/open_deals/publish")
    app_doc = api.ok("GET", "/apps/crm")
    app_doc.update(color="#336699", navigation=[
        {"form": "contact"}, {"form": "deal", "view": "open_deals", "label": "Deals"}])
    api.ok("PUT", "/apps/crm", json=app_doc)
    api.ok("POST", "/apps/crm/publish")
    return api.ok("GET", "/apps/crm/export")


def other_admin(app) -> tuple[Factory, object]:
    factory = Factory(app)
    return factory, factory.api(factory.user("admin@example.com", ["admin"]))


def test_export_then_import_into_a_fresh_database_gives_identical_documents(
        admin_api, factory, fresh_app):
    package = build_crm(admin_api, factory)
    assert package["format"] == "trellis-app-package"
    assert [(d["kind"], d["key"]) for d in package["documents"]] == [
        ("form", "company"), ("form", "contact"), ("form", "deal"), ("view", "open_deals")]
    response = admin_api.get("/apps/crm/export")
    assert 'filename="crm.json"' in response.headers["Content-Disposition"]

    other = fresh_app()
    _, api = other_admin(other)
    result = api.ok("POST", "/apps/import", 201, json=package)
    assert result["app"] == "crm"
    assert api.ok("GET", "/apps/crm/export") == package
    # byte for byte, too (labels in Chinese included)
    assert (json.dumps(api.ok("GET", "/apps/crm/export"), ensure_ascii=False, sort_keys=True)
            == json.dumps(package, ensure_ascii=False, sort_keys=True))
    # the imported forms are published with real tables, ready for records
    assert {"crm__company", "crm__contact", "crm__deal", "crm__deal__lines"} <= table_names(
        other.extensions["trellis"])
    company = api.create("crm", "company", {"name": "ACME"})
    contact = api.create("crm", "contact", {"name": "张三", "company": company["id"]})
    deal = api.create("crm", "deal", {"name": "Big one", "company": contact["id"],
                                      "lines": [{"item": "bolts", "qty": 3}]})
    assert deal["code"] == "C-00001"


def test_import_is_idempotent(admin_api, factory):
    package = build_crm(admin_api, factory)
    before = admin_api.ok("GET", "/apps/crm/forms/deal/versions")
    admin_api.ok("POST", "/apps/import", 201, json=package)
    assert admin_api.ok("GET", "/apps/crm/forms/deal/versions") == before
    assert admin_api.ok("GET", "/apps/crm/export") == package


def test_import_of_changed_package_publishes_new_versions(admin_api, factory):
    package = build_crm(admin_api, factory)
    changed = copy.deepcopy(package)
    changed["documents"][0]["fields"].append(field("size", "number"))
    admin_api.ok("POST", "/apps/import", 201, json=changed)
    versions = admin_api.ok("GET", "/apps/crm/forms/company/versions")["versions"]
    assert [v["number"] for v in versions] == [1, 2] and versions[1]["note"] == "imported"
    assert admin_api.ok("GET", "/apps/crm/export") == changed


def test_package_with_forward_and_mutual_relations_imports(admin_api, fresh_app, runtime):
    """Relations between forms of one package resolve whatever their order in the file."""
    package = {"format": "trellis-app-package", "format_version": 1,
               "app": {"kind": "app", "key": "shop", "label": "Shop",
                       "navigation": [{"form": "purchase"}, {"form": "customer"}]},
               "documents": [
                   form_doc("purchase", [field("customer", "relation",
                                               config={"target_form": "customer"})]),
                   form_doc("customer", [field("name"), field(
                       "last_purchase", "relation", config={"target_form": "purchase"})]),
               ]}
    result = admin_api.post("/apps/import", json=package)
    assert result.status_code == 201, result.get_json()
    exported = admin_api.ok("GET", "/apps/shop/export")
    assert exported["app"] == package["app"]
    assert {d["key"] for d in exported["documents"]} == {"purchase", "customer"}
    assert {"shop__purchase", "shop__customer"} <= table_names(runtime)


def test_invalid_package_lists_every_error_and_changes_nothing(admin_api, runtime):
    good = company_doc()
    package = {
        "format": "trellis-app-package", "format_version": 1,
        "app": {"kind": "app", "key": "crm", "label": 5,
                "navigation": [{"form": "company"}]},
        "documents": [
            form_doc("contact", [field("select"), field("name")]),
            form_doc("lead", [field("name"), field("size", "bignum")]),
            good,
            form_doc("deal", [field("contact", "relation", config={"target_form": "nobody"}),
                              field("stage", "select", default="x", config={
                                  "choices": [{"value": "a", "label": "A"}]})]),
            {"kind": "view", "key": "people", "form": "persons", "label": "People"},
            {"kind": "widget", "key": "w"},
            form_doc("company", [field("name")]),
        ],
    }
    errors = assert_error(admin_api.post("/apps/import", json=package), 422)
    found = {e["path"] for e in errors}
    assert found == {"/app/label", "/documents/0/fields/0/key", "/documents/1/fields/1/type",
                     "/documents/3/fields/0/config/target_form", "/documents/3/fields/1/default",
                     "/documents/4/form", "/documents/5/kind", "/documents/6/key"}, errors
    # nothing was written: no documents, no tables
    assert admin_api.ok("GET", "/apps")["apps"] == []
    assert rows(runtime, "SELECT count(*) AS n FROM documents")[0]["n"] == 0
    assert rows(runtime, "SELECT count(*) AS n FROM form_tables")[0]["n"] == 0
    assert not {t for t in table_names(runtime) if t.startswith("crm__")}


def test_package_envelope_errors(admin_api):
    assert_error(admin_api.post("/apps/import", json=[1, 2]), 422, "")
    errors = assert_error(admin_api.post("/apps/import", json={"format": "zip"}), 422)
    assert {e["path"] for e in errors} >= {"/format", "/format_version", "/app"}
    errors = assert_error(admin_api.post("/apps/import", json={
        "format": "trellis-app-package", "format_version": 1,
        "app": {"kind": "app", "key": "crm", "label": "CRM"}, "documents": {}}), 422)
    assert {e["path"] for e in errors} == {"/documents"}
    assert_error(admin_api.post("/apps/import", data="{\"format\": ", content_type=
                                "application/json"), 400, "", contains="line 1")


def test_failed_migration_rolls_back_the_whole_import(admin_api, factory, runtime):
    """A type change that cannot convert stored data aborts the import, DDL included."""
    factory.app_doc(admin_api)
    publish(admin_api, form_doc("contact", [field("name"), field("size")]))
    admin_api.create("crm", "contact", {"name": "a", "size": "twelve"})
    package = admin_api.ok("GET", "/apps/crm/export")
    package["documents"] = [form_doc("alpha", [field("name")]),
                            form_doc("contact", [field("name"), field("size", "number")])]
    errors = assert_error(admin_api.post("/apps/import", json=package), 422)
    assert any("twelve" in e["message"] for e in errors)
    assert "crm__alpha" not in table_names(runtime)
    assert [d["key"] for d in admin_api.ok("GET", "/apps/crm/forms")["forms"]] == ["contact"]
    assert admin_api.records("crm", "contact")["records"][0]["size"] == "twelve"


# -- the command line --------------------------------------------------------------------------
@pytest.fixture
def cli(app):
    return app.test_cli_runner()


def test_cli_export_and_import(admin_api, factory, cli, fresh_app, tmp_path):
    package = build_crm(admin_api, factory)
    result = cli.invoke(args=["export-app", "crm"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == package
    target = tmp_path / "crm.json"
    result = cli.invoke(args=["export-app", "crm", "--output", str(target)])
    assert result.exit_code == 0 and "wrote" in result.stdout
    assert json.loads(target.read_text(encoding="utf-8")) == package
    assert "联系人" in target.read_text(encoding="utf-8")  # readable, not \u-escaped

    other = fresh_app()
    result = other.test_cli_runner().invoke(args=["import-app", str(target)])
    assert result.exit_code == 0, result.output
    assert "imported app crm" in result.stdout
    _, api = other_admin(other)
    assert api.ok("GET", "/apps/crm/export") == package


def test_cli_import_of_a_bad_package_fails_and_lists_the_errors(cli, tmp_path, runtime):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({
        "format": "trellis-app-package", "format_version": 1,
        "app": {"kind": "app", "key": "crm", "label": "CRM"},
        "documents": [form_doc("contact", [field("order")]),
                      form_doc("deal", [field("x", "bignum")])]}), encoding="utf-8")
    result = cli.invoke(args=["import-app", str(path)])
    assert result.exit_code == 1
    assert "/documents/0/fields/0/key" in result.stderr
    assert "/documents/1/fields/0/type" in result.stderr
    assert "Traceback" not in result.output
    assert rows(runtime, "SELECT count(*) AS n FROM documents")[0]["n"] == 0

    path.write_text("{\n  \"format\": oops\n}", encoding="utf-8")
    result = cli.invoke(args=["import-app", str(path)])
    assert result.exit_code == 1
    assert "line 2" in result.stderr and "Traceback" not in result.output

    result = cli.invoke(args=["import-app", str(tmp_path / "missing.json")])
    assert result.exit_code == 2


def test_cli_export_of_an_unknown_app(cli):
    result = cli.invoke(args=["export-app", "nope"])
    assert result.exit_code == 1
    assert "does not exist" in result.stderr

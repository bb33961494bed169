"""The shortest path through the platform: app, form, publish, record, history."""


def test_publish_and_create_record(admin_api, factory):
    factory.app_doc(admin_api)
    result = factory.form(admin_api, {
        "kind": "form", "key": "contact", "label": {"zh": "联系人", "en": "Contact"},
        "fields": [{"key": "name", "type": "text", "label": "姓名", "required": True},
                   {"key": "phone", "type": "phone", "label": "手机",
                    "config": {"default_region": "CN"}}]})
    assert result["migration"]["creates_table"] is True
    record = admin_api.create("crm", "contact", {"name": "张三", "phone": "138 0013 8000"})
    assert record["phone"] == "+8613800138000"
    history = admin_api.ok("GET", f"/apps/crm/forms/contact/records/{record['id']}/history")
    assert history["entries"][0]["action"] == "create"


def test_unique_fields_refuse_duplicates(admin_api, factory):
    factory.app_doc(admin_api)
    factory.form(admin_api, {
        "kind": "form", "key": "company", "label": "公司",
        "fields": [{"key": "name", "type": "text", "label": "名称", "unique": True}]})
    first = admin_api.create("crm", "company", {"name": "ACME"})
    again = admin_api.post("/apps/crm/forms/company/records", json={"name": "ACME"})
    assert again.status_code == 422
    assert again.get_json()["errors"][0]["path"] == "/name"
    bulk = admin_api.ok("POST", "/apps/crm/forms/company/records/bulk",
                        json={"records": [{"name": "B"}, {"name": "B"}, {"name": "ACME"}]})
    assert [("record" in r) for r in bulk["results"]] == [True, False, False]
    # updating a record to its own value is fine; deleting frees the value
    admin_api.ok("PATCH", f"/apps/crm/forms/company/records/{first['id']}", json={"name": "ACME"})
    admin_api.ok("DELETE", f"/apps/crm/forms/company/records/{first['id']}", 204)
    admin_api.create("crm", "company", {"name": "ACME"})


def test_dry_run_refuses_a_type_change_the_data_cannot_take(admin_api, factory):
    factory.app_doc(admin_api)
    doc = {"kind": "form", "key": "item", "label": "Item",
           "fields": [{"key": "size", "type": "text", "label": "Size"}]}
    factory.form(admin_api, doc)
    admin_api.create("crm", "item", {"size": "12"})
    bad = admin_api.create("crm", "item", {"size": "large"})
    doc["fields"][0]["type"] = "number"
    admin_api.ok("PUT", "/apps/crm/forms/item", json=doc)
    response = admin_api.post("/apps/crm/forms/item/publish?dry_run=1")
    assert response.status_code == 422
    assert f"record {bad['id']}" in response.get_data(as_text=True)
    assert admin_api.ok("GET", "/apps/crm/forms/item/versions")["published_version"] == 1


def test_records_take_weak_etags_in_if_match(admin_api, factory):
    factory.app_doc(admin_api)
    factory.form(admin_api, {"kind": "form", "key": "note", "label": "Note",
                             "fields": [{"key": "text", "type": "text", "label": "Text"}]})
    record = admin_api.create("crm", "note", {"text": "a"})
    path = f"/apps/crm/forms/note/records/{record['id']}"
    assert admin_api.patch(path, json={"text": "b"}, headers={"If-Match": 'W/"9"'}
                           ).status_code == 409
    admin_api.ok("PATCH", path, json={"text": "b"}, headers={"If-Match": 'W/"1"'})

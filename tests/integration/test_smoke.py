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

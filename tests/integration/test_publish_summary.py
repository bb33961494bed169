"""What publishing does, as the designer reads it before publishing (the publish dialog's summary
and the API's dry run): fields rather than tables and columns, conversions counted with the
records that do not convert linked, values records share in a field made unique linked (fix
them first or publish anyway), and the type switcher of the property panel."""

from __future__ import annotations

import html as html_lib
import json
import re

import pytest

from tests.integration.helpers import RECORDS, assert_error, field, form_doc, publish, revise

PHONE = field("phone", "phone", label={"zh": "手机", "en": "Mobile"},
              config={"default_region": "CN"})


@pytest.fixture
def crm(factory, admin_api):
    factory.app_doc(admin_api)
    factory.user("designer@example.com", ["designer"], name="Dee")
    return admin_api


def designer(client, lang: str = "en"):
    response = client.post("/login", data={"email": "designer@example.com",
                                           "password": "password-123"})
    assert response.status_code == 302
    client.post("/locale", data={"lang": lang})
    return client


def summary(client, form: str) -> str:
    response = client.post(f"/build/crm/forms/{form}/_publish_summary", json={})
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    return html_lib.unescape(response.get_data(as_text=True))


def records_of(api, form: str) -> str:
    return RECORDS.format(app="crm", form=form)


def test_a_new_form_adds_fields_and_folds_the_table_away(client, crm):
    fields = [field(f"f{i}", label={"zh": f"字段{i}", "en": f"Field {i}"}) for i in range(10)]
    crm.ok("PUT", "/apps/crm/forms/lead", json=form_doc("lead", fields))
    html = summary(designer(client, "zh"), "lead")
    assert 'data-state="ok"' in html
    words, details = html.split("<details", 1)
    assert "新增 10 个字段（将保存到数据库）：“字段0”、“字段1”" in words
    assert "crm__lead" not in words and "列" not in words  # no tables, no columns
    assert "<summary>技术细节</summary>" in details
    assert "新建数据表 crm__lead" in details and "新增 10 列：f0, f1" in details


def test_removed_and_converted_fields_are_named_by_their_labels(client, crm):
    doc = form_doc("deal", [field("title", label={"zh": "标题", "en": "Title"}),
                            field("position", label={"zh": "职位", "en": "Position"}),
                            field("qty", label={"zh": "数量", "en": "Quantity"})])
    publish(crm, doc)
    for qty in ("3", "12"):
        crm.create("crm", "deal", {"title": "t", "qty": qty})
    crm.ok("PUT", "/apps/crm/forms/deal", json=revise(doc, fields=[
        doc["fields"][0], field("qty", "number", label={"zh": "数量", "en": "Quantity"})]))
    html = summary(designer(client), "deal")
    assert ("removes 1 field from the form; its data is kept and comes back if you add it "
            "again: “Position”") in html  # its label, though the draft has it no more
    assert "converts “Quantity” from Text to Number: the values of all 2 records convert" in html
    assert "zhi_wei" not in html and "position" not in html.split("<details")[0]
    zh = summary(designer(client, "zh"), "deal")
    assert "将 “数量” 从 单行文本 转换为 整数：2 条记录的值都可以转换" in zh
    assert "从表单中移除 1 个字段（数据保留，重新添加即可恢复）：“职位”" in zh


def test_values_that_do_not_convert_are_counted_and_their_records_linked(client, crm):
    doc = form_doc("item", [field("size", label={"zh": "尺寸", "en": "Size"})])
    publish(crm, doc)
    for size in ("12", "7"):
        crm.create("crm", "item", {"size": size})
    bad = crm.create("crm", "item", {"size": "large"})
    crm.ok("PUT", "/apps/crm/forms/item",
           json=revise(doc, fields=[field("size", "number", label={"zh": "尺寸", "en": "Size"})]))
    html = summary(designer(client), "item")
    assert 'data-state="refused"' in html
    assert ("converts “Size” from Text to Number: the value of 1 record does not convert "
            "(2 convert)") in html
    assert f'<a href="/a/crm/item/{bad["id"]}"' in html and "“large”" in html
    # the API's dry run refuses it, naming the record
    errors = assert_error(crm.post("/apps/crm/forms/item/publish?dry_run=1"), 422)
    assert [e.get("record") for e in errors] == [None, bad["id"]]
    crm.ok("PATCH", f"{records_of(crm, 'item')}/{bad['id']}", json={"size": "3"})
    fixed = summary(client, "item")
    assert 'data-state="ok"' in fixed and "the values of all 3 records convert" in fixed
    dry = crm.ok("POST", "/apps/crm/forms/item/publish?dry_run=1")["migration"]
    assert dry["converts"] == [{"field": "size", "from": "text", "to": "number", "records": 3,
                                "failed": 0, "examples": []}]


def test_turning_on_unique_over_duplicates_names_them_and_lets_them_be_edited(client, crm):
    doc = form_doc("lead", [field("name"), PHONE])
    publish(crm, doc)
    a, b, c, d = (crm.create("crm", "lead", {"name": n, "phone": p})["id"] for n, p in (
        ("A", "13800138000"), ("B", "+86 138 0013 8000"), ("C", "13900139000"),
        ("D", "139-0013-9000")))
    crm.create("crm", "lead", {"name": "E", "phone": "13700137000"})
    crm.ok("PUT", "/apps/crm/forms/lead",
           json=revise(doc, fields=[field("name"), {**PHONE, "unique": True}]))
    shared = [{"field": "phone", "values": 2, "records": 4, "examples": [
        {"value": "+8613800138000", "count": 2, "records": [a, b]},
        {"value": "+8613900139000", "count": 2, "records": [c, d]}]}]
    assert crm.ok("POST", "/apps/crm/forms/lead/publish?dry_run=1")["migration"][
        "duplicates"] == shared

    html = summary(designer(client), "lead")
    assert 'data-state="duplicates"' in html
    assert "“Mobile” is to take no duplicates, but 4 records share 2 values:" in html
    for record in (a, b, c, d):
        assert f'<a href="/a/crm/lead/{record}"' in html
    assert "Fix these records first, or publish anyway" in html
    zh = summary(designer(client, "zh"), "lead")
    assert "“手机” 将不允许重复，但已有 4 条记录共用 2 个值：" in zh

    # published anyway: those records keep their value and can still be edited
    assert crm.ok("POST", "/apps/crm/forms/lead/publish")["migration"]["duplicates"] == shared
    crm.ok("PATCH", f"{records_of(crm, 'lead')}/{a}", json={"name": "A2"})
    edit = client.post(f"/a/crm/lead/{b}/edit", data={"name": "B2", "phone": "13800138000"})
    assert edit.status_code == 303, edit.get_data(as_text=True)[:2000]
    # a value another record holds is refused, naming (API) and linking (page) that record
    errors = assert_error(crm.post(records_of(crm, "lead"),
                                   json={"name": "F", "phone": "138 0013 8000"}), 422, "/phone")
    assert errors[0]["record"] == a and f"record #{a} already has" in errors[0]["message"]
    errors = assert_error(crm.patch(f"{records_of(crm, 'lead')}/{c}",
                                    json={"phone": "13700137000"}), 422, "/phone")
    assert errors[0]["record"] > d
    page = client.post("/a/crm/lead/new", data={"name": "F", "phone": "13800138000"})
    assert page.status_code == 422
    text = html_lib.unescape(page.get_data(as_text=True))
    assert f"记录 #{a} 已使用了 +8613800138000" in text
    assert re.search(rf'<a class="error-record" href="/a/crm/lead/{a}"[^>]*>打开记录 #{a}</a>',
                     text)


def test_the_other_record_is_named_only_to_those_who_may_read_it(crm, factory):
    doc = form_doc("lead", [field("name"), {**PHONE, "unique": True}],
                   permissions={"roles": {"member": {"create": "own", "read": "own"}}})
    publish(crm, doc)
    crm.create("crm", "lead", {"name": "A", "phone": "13800138000"})
    member = factory.api(factory.user("mia@example.com", ["member"], name="Mia"))
    errors = assert_error(member.post(records_of(member, "lead"),
                                      json={"name": "M", "phone": "13800138000"}), 422, "/phone")
    assert "record" not in errors[0] and "another record already has" in errors[0]["message"]


def panel_types(client, form: str, fld: dict) -> list[str]:
    response = client.post(f"/build/crm/forms/{form}/_properties",
                           data={"field": json.dumps(fld), "index": 0})
    html = response.get_data(as_text=True)
    switch = re.search(r"<select[^>]*data-switch-type>(.*?)</select>", html, re.S)
    return re.findall(r'<option value="([a-z_]+)"', switch.group(1)) if switch else []


def test_the_type_switcher_offers_what_the_values_convert_to(client, crm):
    industry = field("industry", label={"zh": "行业", "en": "Industry"}, required=True)
    publish(crm, form_doc("lead", [industry]))
    for name in ("金融", "制造", "金融"):
        crm.create("crm", "lead", {"industry": name})
    designer(client)
    offered = panel_types(client, "lead", industry)
    assert offered[0] == "text"
    assert {"textarea", "number", "select", "multiselect", "phone", "date"} <= set(offered)
    assert not {"user", "relation", "sub_table", "formula", "attachment"} & set(offered)
    switched = client.post("/build/crm/forms/lead/_switch_type",
                           json={"field": industry, "type": "select"}).get_json()["field"]
    assert switched == {**industry, "type": "select", "config": {"choices": [
        {"value": "制造", "label": "制造"}, {"value": "金融", "label": "金融"}]}}
    refused = client.post("/build/crm/forms/lead/_switch_type",
                          json={"field": industry, "type": "user"})
    assert refused.status_code == 422
    # a field not yet stored may become any type
    fresh = field("notes", "textarea")
    assert {"user", "sub_table", "formula"} <= set(panel_types(client, "lead", fresh))
    made = client.post("/build/crm/forms/lead/_switch_type",
                       json={"field": {**fresh, "required": True}, "type": "formula"})
    assert "required" not in made.get_json()["field"]  # a calculated field takes no entry rules

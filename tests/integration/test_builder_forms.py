"""The form builder through the Flask test client: home, designer page, property panels of
every field type, key derivation, locked keys after publishing, preview, publish summary."""

from __future__ import annotations

import json
import re

import pytest

from builder.keys import derive_key, slug
from tests.integration.helpers import every_type_fields, field, form_doc, publish

PASSWORD = "password-123"


@pytest.fixture
def crm(factory, admin_api):
    factory.app_doc(admin_api)
    factory.form(admin_api, form_doc("company", [field("name", required=True), field("city")],
                                     label={"zh": "公司", "en": "Company"}))
    factory.form(admin_api, form_doc("deal", every_type_fields(),
                                     label={"zh": "商机", "en": "Deal"}))
    factory.user("designer@example.com", ["designer"], name="Dee")
    factory.user("member@example.com", ["member"], name="Mia")
    return admin_api


def login(client, email: str = "designer@example.com"):
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(True)
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def test_builder_home_lists_apps_and_forms(client, crm):
    page = text(login(client).get("/build/"))
    assert 'href="/build/crm/forms/deal"' in page
    assert 'href="/build/crm/forms/company"' in page
    assert 'action="/build/apps"' in page and 'action="/build/crm/forms"' in page
    shell = text(client.get("/"))
    assert 'href="/build/"' in shell  # the shell links designers to the builder


def test_members_may_not_build(client, crm):
    login(client, "member@example.com")
    assert client.get("/build/").status_code == 403
    assert client.get("/build/crm/forms/deal").status_code == 403
    response = client.post("/build/crm/forms/deal/_key", json={"label": "名称"})
    assert response.status_code == 403
    assert 'href="/build/"' not in text(client.get("/"))


def test_designer_page_has_palette_canvas_and_draft(client, crm, runtime):
    page = text(login(client).get("/build/crm/forms/deal"))
    for ftype in runtime.fields:
        assert f'data-type="{ftype.type}"' in page, ftype.type
    assert 'id="canvas"' in page and 'id="props"' in page and 'id="preview"' in page
    doc = re.search(r'<script type="application/json" id="builder-doc">(.*?)</script>', page,
                    re.S).group(1)
    assert json.loads(doc)["key"] == "deal"
    assert 'data-url-document="/api/v1/apps/crm/forms/deal"' in page
    assert "<script>" not in page  # no inline scripts (CSP)


def panel(client, fld: dict, index: int = 0, form: str = "deal"):
    return client.post(f"/build/crm/forms/{form}/_properties",
                       data={"field": json.dumps(fld), "index": index})


def test_property_panel_renders_for_every_field_type(client, crm, runtime):
    login(client)
    fields = {f["type"]: f for f in every_type_fields()}
    for ftype in runtime.fields:
        fld = fields.get(ftype.type) or {"key": f"x_{ftype.type}", "type": ftype.type,
                                         "label": "X", "config": {"formula": "1"}}
        response = panel(client, fld)
        assert response.status_code == 200, (ftype.type, text(response)[:500])
        html = text(response)
        assert 'data-prop="label"' in html and 'data-prop="key"' in html, ftype.type
        assert 'data-prop="visible_if"' in html and "data-formula-editor" in html, ftype.type
        for name, prop in ftype.config_schema.get("properties", {}).items():
            shown = not prop.get("readOnly")  # read-only options are the runtime's to fill in
            assert (f'"config.{name}"' in html) == shown, (ftype.type, name)
        ids = re.findall(r'\bid="([^"]+)"', html)  # one label, one input (issue 9, defect 8)
        assert len(ids) == len(set(ids)), (ftype.type, sorted({i for i in ids
                                                               if ids.count(i) > 1}))


def test_panel_options_for_choices_relations_and_validation(client, crm):
    login(client)
    fields = {f["key"]: f for f in every_type_fields()}
    stage = text(panel(client, fields["stage"]))
    assert 'data-array="config.choices"' in stage and 'type="color"' in stage
    assert stage.count('data-item-prop="value"') == 4  # three choices and the new-row template
    relation = text(panel(client, fields["company"]))
    assert 'data-prop="config.target_form"' in relation
    assert '"company"' in relation and "公司" in relation or "Company" in relation
    assert 'data-prop="config.display_field"' in relation
    name = text(panel(client, {**fields["name"], "config": {"pattern": "[A-Z]+",
                                                           "max_length": 20}}))
    assert 'data-prop="config.pattern"' in name and 'value="[A-Z]+"' in name
    assert 'data-prop="required"' in name and 'data-prop="unique"' in name
    assert 'data-prop="validate"' not in name and 'data-array="validate"' in name
    assert 'data-expect="boolean"' in name and 'data-prop="required_if"' in name


def test_key_derivation():
    assert slug("客户名称") == "ke_hu_ming_cheng"
    assert slug("Company Name!") == "company_name"
    assert derive_key("客户名称", ["ke_hu_ming_cheng"]) == "ke_hu_ming_cheng_2"
    assert derive_key("select", []) == "select_1"  # an SQL keyword
    assert derive_key("ID", []) == "id_1"  # a system column
    assert derive_key("2024 预算", []) == "field_2024_yu_suan"
    assert derive_key("😀", []) == "field"


def test_key_endpoint_derives_and_checks(client, crm):
    login(client)
    url = "/build/crm/forms/deal/_key"
    answer = client.post(url, json={"label": "联系电话", "taken": ["lian_xi_dian_hua"]})
    assert answer.get_json() == {"key": "lian_xi_dian_hua_2", "problem": None}
    assert client.post(url, json={"key": "order"}).get_json()["problem"]  # SQL keyword
    assert client.post(url, json={"key": "name", "taken": ["name"]}).get_json()["problem"]
    assert client.post(url, json={"key": "fine_key"}).get_json()["problem"] is None


def test_key_is_locked_after_publish(client, crm, admin_api):
    login(client)
    published = text(panel(client, field("name")))
    assert re.search(r'data-prop="key"[^>]*readonly', published)
    draft_only = {"kind": "form", "key": "draft_form", "label": "Draft", "fields": [
        field("title")]}
    admin_api.ok("PUT", "/apps/crm/forms/draft_form", json=draft_only)
    fresh = text(panel(client, field("title"), form="draft_form"))
    assert not re.search(r'data-prop="key"[^>]*readonly', fresh)


def test_new_app_and_new_form_from_the_builder(client, crm, runtime):
    login(client)
    response = client.post("/build/apps", data={"label": "售后服务"})
    assert response.status_code == 302
    with runtime.session() as session:
        app = runtime.store.get(session, "shou_hou_fu_wu", "app", "shou_hou_fu_wu")
        assert app.published_version == 1
    response = client.post("/build/shou_hou_fu_wu/forms", data={"label": "工单"})
    assert response.headers["Location"].endswith("/build/shou_hou_fu_wu/forms/gong_dan")
    assert client.get("/build/shou_hou_fu_wu/forms/gong_dan").status_code == 200
    again = client.post("/build/shou_hou_fu_wu/forms", data={"label": "工单"})
    assert again.headers["Location"].endswith("/forms/gong_dan_2")


def test_preview_renders_the_draft_in_its_layout(client, crm):
    login(client)
    doc = form_doc("deal", every_type_fields(), layout={"tabs": [
        {"label": "基本", "sections": [{"label": "联系", "columns": 3,
                                       "fields": ["name", "email"]}]},
        {"label": "更多", "sections": [{"columns": 2, "fields": ["stage"]}]}]})
    html = text(client.post("/build/crm/forms/deal/_preview", data={"doc": json.dumps(doc)}))
    assert "form-grid cols-3" in html and "联系" in html and 'data-tab="preview-tab-1"' in html
    assert 'data-field="name"' in html and 'data-field="lines"' in html
    bad = dict(doc, fields=[{"key": "Bad Key", "type": "text", "label": "x"}])
    html = text(client.post("/build/crm/forms/deal/_preview", data={"doc": json.dumps(bad)}))
    assert "alert-error" in html


def test_generated_form_renders_the_layout(client, crm, admin_api):
    doc = form_doc("company", [field("name", required=True), field("city"),
                               field("notes", "textarea")],
                   label={"zh": "公司", "en": "Company"},
                   layout={"tabs": [{"label": {"zh": "概要", "en": "Summary"}, "sections": [
                       {"label": {"zh": "基本信息", "en": "Basics"}, "columns": 2,
                        "fields": ["name", "city"]}]}]})
    admin_api.ok("PUT", "/apps/crm/forms/company", json=doc)
    admin_api.ok("POST", "/apps/crm/forms/company/publish")
    login(client)
    html = text(client.get("/a/crm/company/new"))
    assert "form-grid cols-2" in html
    assert re.search(r'class="form-section-title">(基本信息|Basics)<', html)
    assert html.index('data-field="city"') < html.index('data-field="notes"')  # not placed
    assert 'role="tablist"' not in html  # one tab: no tab bar


def test_home_links_views_import_and_new_views(admin_api, factory, app):
    factory.app_doc(admin_api)
    publish(admin_api, form_doc("deal", [field("name")], label={"zh": "商机", "en": "Deal"}))
    admin_api.ok("PUT", "/apps/crm/views/open_deals",
                 json={"kind": "view", "key": "open_deals", "form": "deal",
                       "label": {"zh": "跟进中", "en": "Open deals"},
                       "filter": "NOT ISBLANK({name})"})
    client = app.test_client()
    client.post("/login", data={"email": "admin@example.com", "password": "password-123"})
    html = client.get("/build/").get_data(as_text=True)
    assert 'href="/build/import"' in html
    assert 'href="/build/crm/views/open_deals"' in html
    assert 'href="/build/crm/forms/deal/new-view"' in html

"""The words a business user reads, in Chinese and English: the login prompt, automatic version
notes, the published badge, saved filters by their choice labels, removed fields and the app
by their labels, layout changes and rollback previews in sentences."""

from __future__ import annotations

import html as html_lib

import pytest

from tests.integration.helpers import field, form_doc, publish, revise

STAGES = {"choices": [{"value": "decision", "label": {"zh": "决策", "en": "Decision"}},
                      {"value": "new", "label": {"zh": "新建", "en": "New"}}]}


@pytest.fixture
def crm(factory, admin_api):
    factory.app_doc(admin_api, label={"zh": "销售线索", "en": "Sales leads"})
    factory.user("designer@example.com", ["designer"], name="Dee")
    return admin_api


def page(client, url: str, lang: str = "zh") -> str:
    client.post("/locale", data={"lang": lang})
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    return html_lib.unescape(response.get_data(as_text=True))


def designer(client):
    response = client.post("/login", data={"email": "designer@example.com",
                                           "password": "password-123"})
    assert response.status_code == 302
    return client


def test_the_login_prompt_is_in_the_readers_language(client):
    html = page(client, "/", "zh")
    assert "请先登录再访问此页面。" in html and "Please log in" not in html
    assert "Please log in to access this page." in page(client, "/", "en")


def test_rollback_notes_and_the_published_badge_are_words(client, crm):
    doc = form_doc("lead", [field("name", label={"zh": "姓名", "en": "Name"})])
    publish(crm, doc)
    publish(crm, revise(doc, label={"zh": "线索", "en": "Lead"}))
    crm.ok("POST", "/apps/crm/forms/lead/versions/1/rollback")
    view = {"kind": "view", "key": "all_leads", "form": "lead", "label": "All", "columns": []}
    crm.ok("PUT", "/apps/crm/views/all_leads", json=view)
    crm.ok("POST", "/apps/crm/views/all_leads/publish")
    designer(client)
    history = page(client, "/build/crm/forms/lead/history")
    assert "回滚到版本 1" in history and "rollback to version" not in history
    assert '<th scope="col">发布时间</th>' in history
    # the breadcrumb names the app by its label
    assert "<span>销售线索</span>" in history and "<span>crm</span>" not in history
    assert "rollback to version 1" in page(client, "/build/crm/forms/lead/history", "en")
    home = page(client, "/build/")
    assert "已发布</span>" in home and "发布时间" not in home


def test_saved_filters_show_choice_labels(client, crm, factory):
    doc = form_doc("lead", [field("name"), field("stage", "select", config=STAGES,
                                                 label={"zh": "意向阶段", "en": "Stage"})])
    publish(crm, doc)
    view = {"kind": "view", "key": "deciding", "form": "lead", "label": "Deciding",
            "filters": [{"field": "stage", "op": "eq", "value": "decision"}]}
    crm.ok("PUT", "/apps/crm/views/deciding", json=view)
    crm.ok("POST", "/apps/crm/views/deciding/publish")
    designer(client)
    html = page(client, "/a/crm/lead?view=deciding&f=stage&o=in&v=new,decision")
    assert "意向阶段 等于 决策" in html and "等于 decision" not in html
    assert "意向阶段 是其中之一 新建, 决策" in html
    assert "Stage equals Decision" in page(client, "/a/crm/lead?view=deciding", "en")


def test_a_removed_field_keeps_its_label_in_the_record_history(client, crm):
    doc = form_doc("lead", [field("name"), field("zhi_wei", label={"zh": "职位", "en": "Title"})])
    publish(crm, doc)
    record = crm.create("crm", "lead", {"name": "A", "zhi_wei": "经理"})
    crm.ok("PATCH", f"/apps/crm/forms/lead/records/{record['id']}", json={"zhi_wei": "总监"})
    publish(crm, revise(doc, fields=[field("name")]))
    designer(client)
    html = page(client, f"/a/crm/lead/{record['id']}")
    assert '<span class="tl-field">职位</span>' in html
    assert '<span class="tl-field">zhi_wei</span>' not in html


def test_layout_changes_are_told_in_words(client, crm):
    fields = [field(k, label={"zh": z, "en": e}) for k, z, e in (
        ("name", "姓名", "Name"), ("phone", "电话", "Phone"), ("city", "城市", "City"))]
    doc = form_doc("lead", fields, layout={"tabs": [{"sections": [
        {"label": {"zh": "基本", "en": "Basics"}, "columns": 2,
         "fields": ["name", "phone", "city"]}]}]})
    publish(crm, doc)
    publish(crm, revise(doc, layout={"tabs": [{"sections": [
        {"label": {"zh": "基本", "en": "Basics"}, "columns": 3, "fields": ["phone", "name"],
         "spans": {"name": 2}},
        {"label": {"zh": "地址", "en": "Address"}, "fields": ["city"]}]}]}))
    designer(client)
    html = page(client, "/build/crm/forms/lead/history")
    assert "分区 “基本” 改为 3 栏" in html
    assert "新增分区 “地址”" in html
    assert "字段 “姓名” 移到 “电话” 之后" in html  # one move, not two
    assert "字段 “姓名” 改为占 2 栏" in html
    assert "字段 “城市” 移到分区 “地址” 的最前面" in html
    assert '{"tabs"' not in html and "&#34;tabs" not in html  # no JSON
    en = page(client, "/build/crm/forms/lead/history", "en")
    assert "Section “Basics” now has 3 columns" in en
    assert "Field “Name” moved after “Phone”" in en


def test_the_rollback_preview_names_types_and_skips_unchanged_ones(client, crm):
    doc = form_doc("lead", [field("qty", "number", label={"zh": "数量", "en": "Qty"}),
                            field("note", label={"zh": "备注", "en": "Note"}),
                            field("score", "formula", label={"zh": "评分", "en": "Score"},
                                  config={"formula": "COALESCE({qty}, 0) * 2"})])
    publish(crm, doc)
    publish(crm, revise(doc, fields=[doc["fields"][0],
                                     field("note", "number", label={"zh": "备注", "en": "Note"}),
                                     doc["fields"][2]]))
    designer(client)
    html = page(client, "/build/crm/forms/lead/history/1/rollback")
    effect = html.split("对已存数据的影响")[1].split("<details")[0]
    assert "将 “备注” 从 整数 转换为 单行文本" in effect
    assert "评分" not in effect and "formula" not in effect  # its type stays: no conversion

"""The builder's identity editor (issue 10): a page per form listing its match rules and merge
policy from the draft's ``identity``, offering only the fields a rule can compare and the
policies each field fits; it saves through the documents API, whose refusals point at the
control at fault; version history names identity changes in words."""

from __future__ import annotations

import html as htmllib
import json
import re

import pytest

from tests.integration.helpers import field, form_doc, logged_in, publish

PAGE = "/build/crm/forms/lead/identity"
API = "/apps/crm/forms/lead"
IDENTITY = {
    "match": [{"key": "phone", "fields": ["phone"]},
              {"key": "name_company", "label": {"zh": "姓名加公司", "en": "Name at company"},
               "fuzzy": {"name": 0.9, "company": 0.85}, "block": ["city"], "then": "review"},
              {"key": "email", "fields": ["email"], "enabled": False}],
    "merge": {"default": "non_blank", "fields": {"stage": "newest", "amount": "sum",
                                                 "notes": "concatenate"}},
}


def lead_fields() -> list[dict]:
    return [field("name", label={"zh": "姓名", "en": "Name"}),
            field("company", label={"zh": "公司", "en": "Company"}),
            field("phone", "phone", label={"zh": "电话", "en": "Phone"}),
            field("email", "email", label={"zh": "邮箱", "en": "E-mail"}),
            field("city", label={"zh": "城市", "en": "City"}),
            field("stage", "select", label={"zh": "阶段", "en": "Stage"},
                  config={"choices": [{"value": "new", "label": "New"},
                                      {"value": "won", "label": "Won"}]}),
            field("amount", "number", label={"zh": "金额", "en": "Amount"}),
            field("notes", "textarea", label={"zh": "备注", "en": "Notes"}),
            field("files", "attachment", label={"zh": "附件", "en": "Files"}),
            field("ref", "auto_number", label={"zh": "编号", "en": "Ref"})]


@pytest.fixture
def crm(admin_api, factory):
    factory.app_doc(admin_api)
    publish(admin_api, form_doc("lead", lead_fields(), label={"zh": "线索", "en": "Lead"},
                                identity=IDENTITY))
    return admin_api


def printed_document(html: str) -> dict:
    raw = re.search(r'data-doc="([^"]*)"', html).group(1)
    return json.loads(htmllib.unescape(raw))


def card(html: str, key: str) -> str:
    start = html.index(f'data-key="{key}"')
    return html[start:html.index("</article>", start)]


def policy_options(html: str, key: str) -> list[str]:
    select = re.search(rf'data-merge-field="{key}".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="(\w*)"', select)


def test_the_page_prints_the_draft_its_rules_and_the_policies_that_fit(crm, app, factory):
    factory.user("dee@example.com", ["designer"], locale="en")
    with logged_in(app, "dee@example.com") as client:
        html = client.get(PAGE).get_data(True)
    assert printed_document(html)["identity"] == IDENTITY
    revision = crm.request("GET", API).headers["ETag"]
    assert 'data-api="/api/v1/apps/crm/forms/lead"' in html
    assert 'href="/a/crm/lead/duplicates"' in html and 'href="/a/crm/lead/merges"' in html
    assert 'data-rebuild="/api/v1/apps/crm/forms/lead/identity/rebuild"' in html
    assert 'id="rebuild-keys"' in html
    assert f"data-etag='{revision}'" in html
    assert html.count("data-rule\n") + html.count("data-rule ") >= 3
    phone = card(html, "phone")
    assert re.search(r'data-exact-field value="phone" checked', phone)
    assert 'value="files"' not in phone  # files identify nobody
    fuzzy = card(html, "name_company")
    assert 'value="Name at company"' in fuzzy
    assert re.search(r'data-fuzzy-field value="company" checked', fuzzy)
    assert 'data-threshold-number value="0.85"' in fuzzy
    assert 'data-threshold="stage"' not in fuzzy and 'data-threshold="amount"' not in fuzzy
    assert re.search(r'data-block-field value="city" checked', fuzzy)
    assert '<option value="review" selected>' in fuzzy
    assert 'data-path="/identity/match/1/fuzzy/name"' in fuzzy
    assert "id-off" in html[html.index('data-key="email"') - 200:html.index('data-key="email"')]
    assert policy_options(html, "amount") == ["", "fill_blanks", "keep_existing", "newest",
                                              "non_blank", "max", "min", "sum"]
    assert "concatenate" in policy_options(html, "notes")
    assert "concatenate" not in policy_options(html, "stage")
    assert "sum" not in policy_options(html, "phone")
    assert 'data-merge-field="ref"' not in html  # the system numbers it
    assert '<option value="non_blank" title="The newest value that is not blank wins." ' \
           'selected>' in html


def test_policies_read_in_chinese(crm, app, factory):
    factory.user("zhu@example.com", ["designer"], locale="zh")
    with logged_in(app, "zhu@example.com") as client:
        html = client.get(PAGE).get_data(True)
    for words in ("补空", "保留原值", "取最新", "取非空", "拼接", "最大", "最小", "求和",
                  "匹配规则", "合并策略", "精确规则", "模糊规则", "查重合并：线索"):
        assert words in html, words


def test_the_form_designer_links_to_it_and_members_are_kept_out(crm, app, factory):
    factory.user("mia@example.com", ["member"])
    with logged_in(app) as client:
        assert f'href="{PAGE}"' in client.get("/build/crm/forms/lead").get_data(True)
    with logged_in(app, "mia@example.com") as client:
        assert client.get(PAGE).status_code == 403
    with logged_in(app) as client:
        assert client.get("/build/crm/forms/nope/identity").status_code == 404


def test_what_the_page_saves_goes_through_the_document_store(crm):
    """The page PUTs the whole draft with If-Match: a refused identity comes back with the
    JSON Pointer of the control at fault and nothing is saved; a stale revision is 409."""
    body = crm.ok("GET", API)
    revision = crm.request("GET", API).headers["ETag"]
    wrong = json.loads(json.dumps(body))
    wrong["identity"]["match"][1]["fuzzy"]["company"] = 0.3
    answer = crm.request("PUT", API, json=wrong, headers={"If-Match": revision})
    assert answer.status_code == 422
    problems = answer.get_json()["errors"]
    assert problems[0]["path"] == "/identity/match/1/fuzzy/company"
    assert "0.5" in problems[0]["message"]
    assert crm.ok("GET", API)["identity"] == IDENTITY
    right = json.loads(json.dumps(body))
    right["identity"]["match"].reverse()
    assert crm.request("PUT", API, json=right, headers={"If-Match": revision}).status_code == 200
    stale = crm.request("PUT", API, json=body, headers={"If-Match": revision})
    assert stale.status_code == 409


def test_history_names_identity_changes_in_words(crm, app, factory):
    body = crm.ok("GET", API)
    identity = json.loads(json.dumps(body["identity"]))
    identity["match"][0]["then"] = "review"
    identity["match"][1]["fuzzy"]["name"] = 0.8
    identity["match"][2].pop("enabled")
    identity["match"].append({"key": "wechat", "fields": ["name", "city"]})
    identity["merge"]["fields"]["stage"] = "non_blank"
    identity["merge"]["default"] = "newest"
    crm.ok("PUT", API, json={**body, "identity": identity})
    factory.user("eve@example.com", ["designer"], locale="en")
    factory.user("zhu@example.com", ["designer"], locale="zh")
    with logged_in(app, "eve@example.com") as client:
        html = htmllib.unescape(client.get("/build/crm/forms/lead/history").get_data(True))
    for sentence in ("Match rule “phone”: a match is now sent to review",
                     "Match rule “Name at company” now compares: alike Name ≥ 0.8, "
                     "Company ≥ 0.85 (was: alike Name ≥ 0.9, Company ≥ 0.85)",
                     "Match rule “email” switched on",
                     "Match rule “wechat” added: same Name, City, merged at once",
                     "Merge policy of Stage: Newest → Non-blank",
                     "Merge policy of every field: Non-blank → Newest"):
        assert sentence in html, sentence
    assert "/identity/match" not in html  # told in words, not pointers
    with logged_in(app, "zhu@example.com") as client:
        html = htmllib.unescape(client.get("/build/crm/forms/lead/history").get_data(True))
    assert "新增匹配规则 “wechat”：相同：姓名、城市，立即合并" in html
    assert "阶段 的合并策略：取最新 → 取非空" in html

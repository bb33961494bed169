"""The builder's live preview runs the draft's formulas: it starts in the state a new record
would (hidden fields hidden, default formulas, calculated values) and answers what is typed
into it from the posted draft, without a table; calculated fields carry their own badge."""

from __future__ import annotations

import json

import pytest

from tests.integration.helpers import field, field_wrapper, form_doc, logged_in, publish

pytestmark = pytest.mark.integration
PREVIEW = "/build/crm/forms/quote/_preview"


def quote_doc(**total_config) -> dict:
    return form_doc("quote", [
        field("title", required=True),
        field("quantity", "number", default=3),
        field("price", "decimal", config={"precision": 2}, default={"formula": "1.5 * 2"}),
        field("total", "formula", label={"zh": "总价", "en": "Total"},
              config={"formula": "{quantity} * {price}", "decimals": 2, **total_config}),
        field("rush", "boolean"),
        field("rush_reason", "textarea", visible_if="{rush}", required=True),
        field("company", "relation", config={"target_form": "company"}),
        field("company_city", "formula", config={"formula": "{company.city}"}),
    ], label={"zh": "报价", "en": "Quote"})


@pytest.fixture
def crm(factory, admin_api):
    factory.app_doc(admin_api)
    publish(admin_api, form_doc("company", [field("name"), field("city")]))
    admin_api.ok("PUT", "/apps/crm/forms/quote", json=quote_doc())
    return admin_api


@pytest.fixture
def client(app):
    return logged_in(app)


def field_html(html: str, key: str) -> str:
    start = html.index(f'data-field="{key}"')
    return html[start: html.index("</div>", start)]


def test_the_preview_starts_in_the_state_of_a_new_record(crm, client):
    html = client.post(PREVIEW, data={"doc": json.dumps(quote_doc())}).get_data(as_text=True)
    assert 'data-state-url="/build/crm/forms/quote/_preview/state"' in html
    assert 'name="__draft"' in html and 'name="csrf_token"' in html
    assert "hidden" in field_wrapper(html, "rush_reason")
    assert "hidden" not in field_wrapper(html, "quantity")
    assert 'id="f-price"' in html and 'value="3.00"' in field_html(html, "price")  # 1.5 * 2
    total = field_html(html, "total")
    assert 'value="9.00"' in total  # 3 × 3.00, calculated before anyone types
    assert 'class="ro-badge calc-badge"' in total and 'class="ro-badge"' not in total


def test_the_preview_answers_what_is_typed(crm, client):
    draft = json.dumps(quote_doc())
    state = client.post(PREVIEW + "/state", data={
        "__draft": draft, "quantity": "4", "price": "2.5", "rush": "on"}).get_json()
    assert state["hidden"] == [] and "rush_reason" in state["required"]
    assert state["values"]["total"] == "10.00"
    state = client.post(PREVIEW + "/state", data={
        "__draft": draft, "quantity": "4", "price": ""}).get_json()
    assert state["hidden"] == ["rush_reason"]
    assert state["values"]["total"] == ""
    # the draft as posted, not the saved one: a changed formula counts at once
    changed = json.dumps(quote_doc(formula="{quantity} + {price}"))
    state = client.post(PREVIEW + "/state", data={
        "__draft": changed, "quantity": "4", "price": "2.5"}).get_json()
    assert state["values"]["total"] == "6.50"


def test_the_preview_reads_related_records_one_hop_away(crm, client):
    company = crm.create("crm", "company", {"name": "华为", "city": "深圳"})
    state = client.post(PREVIEW + "/state", data={
        "__draft": json.dumps(quote_doc()), "company": str(company["id"])}).get_json()
    assert state["values"]["company_city"] == "深圳"


def test_the_preview_reads_related_records_as_the_designer_may(crm, factory, app):
    """A designer who may read only their own companies sees no other company's values."""
    publish(crm, form_doc("company", [field("name"), field("city")], permissions={"roles": {
        "designer": {"create": "all", "read": "own", "update": "own", "delete": "own"}}}))
    theirs = crm.create("crm", "company", {"name": "华为", "city": "深圳"})
    factory.user("dora@example.com", ["designer"])
    client = logged_in(app, "dora@example.com")
    state = client.post(PREVIEW + "/state", data={
        "__draft": json.dumps(quote_doc()), "company": str(theirs["id"])}).get_json()
    assert state["values"]["company_city"] == ""


def test_a_broken_draft_gets_no_state(crm, client):
    bad = quote_doc(formula="{quantty} * {price}")
    response = client.post(PREVIEW + "/state", data={"__draft": json.dumps(bad)})
    assert response.status_code == 422
    assert "quantity" in response.get_json()["errors"][0]["message"]  # did you mean
    html = client.post(PREVIEW, data={"doc": json.dumps(bad)}).get_data(as_text=True)
    assert "alert-error" in html and "total" in html
    assert client.post(PREVIEW + "/state", data={}).status_code == 400


def test_calculated_fields_are_badged_calculated_not_read_only(crm, client):
    publish(crm, quote_doc())
    html = client.get("/a/crm/quote/new").get_data(as_text=True)
    total = field_html(html, "total")
    assert 'class="ro-badge calc-badge"' in total and 'class="ro-badge"' not in total


def test_the_panel_leaves_the_result_type_to_the_runtime(crm, client):
    fld = quote_doc()["fields"][3]
    html = client.post("/build/crm/forms/quote/_properties", data={
        "field": json.dumps(fld), "index": "3"}).get_data(as_text=True)
    assert 'data-prop="config.formula"' in html and "data-formula-editor" in html
    assert "config.result_type" not in html
    assert 'class="type-icon big" aria-hidden="true">ƒx<' in html

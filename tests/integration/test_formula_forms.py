"""Formula-driven forms through the API: formulas checked at save, calculated fields stored in
real columns and recalculated, visible/required/read-only conditions, default and validation
formulas, formula filters, and the editor's formula endpoints."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from metadata.models import Document, DocumentVersion
from tests.integration.helpers import (
    STAGES,
    assert_error,
    columns,
    field,
    form_doc,
    publish,
    revise,
    rows,
)

pytestmark = pytest.mark.integration
BASE = "/apps/crm/forms/lead/records"


def lead_form(**extra) -> dict:
    return form_doc("lead", [
        field("name", required=True),
        field("employees", "number"),
        field("budget", "decimal", config={"precision": 2}),
        field("stage", "select", config=STAGES),
        field("company", "relation", config={"target_form": "company"}),
        field("lost_reason", "textarea", required=True, visible_if='{stage} = "lost"'),
        field("contract_no", required_if='{stage} = "won"'),
        field("signed_on", "date", readonly_if='{stage} = "won"'),
        field("next_call", "date", default={"formula": 'DATEADD(TODAY(), 3)'}),
        field("discount", "number", validate=[
            {"formula": "{discount} <= 30", "message": {"zh": "折扣不能超过 30%",
                                                         "en": "A discount above 30% needs "
                                                               "approval"}}]),
        field("score", "formula", config={
            "formula": 'IF({employees} > 500, 25, 0) + IF({stage} = "won", 50, 0)'}),
        field("per_head", "formula", config={"formula": "{budget} / {employees}",
                                             "decimals": 1}),
        field("rank", "formula", config={"formula": 'IF({score} >= 50, "A", "B")'}),
    ], label={"zh": "线索", "en": "Lead"}, **extra)


@pytest.fixture
def crm(admin_api, factory):
    factory.app_doc(admin_api)
    publish(admin_api, form_doc("company", [field("name"), field("city"),
                                            field("size", "number")],
                                label={"zh": "公司", "en": "Company"}))
    publish(admin_api, lead_form())
    return admin_api


def create(api, **values) -> dict:
    return api.ok("POST", BASE, json={"name": "x", **values}, status=201)


def listing(api, flt: str) -> dict:
    return api.ok("GET", f"{BASE}?filter={quote(flt)}")


# -- checked at save --------------------------------------------------------------------------
def test_a_bad_formula_is_refused_at_save_with_its_place(crm, factory):
    doc = lead_form()
    doc["fields"][5]["visible_if"] = '{stag} = "lost"'
    errors = assert_error(crm.put("/apps/crm/forms/lead", json=doc), 422,
                          "/fields/5/visible_if", "did you mean {stage}")
    error = next(e for e in errors if e["path"] == "/fields/5/visible_if")
    assert (error["position"], error["line"], error["column"]) == (0, 1, 1)
    doc["fields"][5]["visible_if"] = '{stage} = "lost" AND'
    errors = assert_error(crm.put("/apps/crm/forms/lead", json=doc), 422,
                          "/fields/5/visible_if")
    assert errors[0]["column"] == 18 and "AND" in errors[0]["message"]


def test_conditions_must_give_true_or_false(crm):
    doc = lead_form()
    doc["fields"][6]["required_if"] = "{employees} + 1"
    assert_error(crm.put("/apps/crm/forms/lead", json=doc), 422, "/fields/6/required_if",
                 "must give TRUE/FALSE")


def test_circles_between_calculated_fields_are_refused(crm):
    doc = form_doc("loop", [field("a", "formula", config={"formula": "{b} + 1"}),
                            field("b", "formula", config={"formula": "{c} * 2"}),
                            field("c", "formula", config={"formula": "{a}"})])
    errors = assert_error(crm.put("/apps/crm/forms/loop", json=doc), 422,
                          "/fields/0/config/formula", "circle")
    assert "{a} → {b} → {c} → {a}" in errors[0]["message"]


def test_a_calculated_field_takes_no_required_or_default(crm):
    doc = form_doc("x", [field("n", "number"),
                         field("f", "formula", required=True, config={"formula": "{n}"})])
    assert_error(crm.put("/apps/crm/forms/x", json=doc), 422, "/fields/1/required")


def test_the_store_keeps_source_ast_and_type_beside_the_document(crm, runtime):
    with runtime.session() as session:
        doc = session.scalar(sa.select(Document).filter_by(app_key="crm", key="lead"))
        version = session.scalar(sa.select(DocumentVersion).filter_by(document_id=doc.id))
        kept = version.formulas["/fields/10/config/formula"]
    assert kept["source"].startswith("IF({employees} > 500")
    assert kept["type"] == "integer"
    assert kept["ast"]["kind"] == "binary"
    assert doc.formulas == version.formulas


# -- calculated fields --------------------------------------------------------------------------
def test_calculated_values_are_stored_in_typed_columns_and_recalculated(crm, runtime):
    table = columns(runtime, "crm__lead")
    assert isinstance(table["score"], sa.BigInteger | sa.Integer)
    assert isinstance(table["per_head"], sa.Float)
    assert isinstance(table["rank"], sa.Text | sa.String)
    lead = create(crm, employees=600, budget="3000")
    assert (lead["score"], lead["per_head"], lead["rank"]) == (25, 5.0, "B")
    won = crm.ok("PATCH", f"{BASE}/{lead['id']}", json={"stage": "won", "contract_no": "C-1"})
    assert (won["score"], won["rank"]) == (75, "A")
    assert rows(runtime, "SELECT score, rank FROM crm__lead") == [{"score": 75, "rank": "A"}]
    history = crm.ok("GET", f"{BASE}/{lead['id']}/history")["entries"]
    assert {"field": "score", "old": 25, "new": 75} in history[-1]["changes"]


def test_calculated_dates_and_times_are_stored_read_and_filtered(crm, runtime):
    """A date or date-time result is stored as its shape stores it (SQLite binds only date
    objects), read back as the API writes dates, and filtered and sorted like one."""
    publish(crm, form_doc("visit", [
        field("day", "date"), field("at", "datetime"),
        field("follow_up", "formula", config={"formula": 'DATEADD({day}, 7, "day")'}),
        field("reminder", "formula", config={"formula": 'DATEADD({at}, 2, "hour")'})]))
    visits = "/apps/crm/forms/visit/records"
    made = crm.ok("POST", visits, 201, json={"day": "2026-03-01", "at": "2026-03-01T08:00:00Z"})
    assert (made["follow_up"], made["reminder"]) == ("2026-03-08", "2026-03-01T10:00:00Z")
    again = crm.ok("GET", f"{visits}/{made['id']}")
    assert (again["follow_up"], again["reminder"]) == ("2026-03-08", "2026-03-01T10:00:00Z")
    for flt in ({"follow_up": "2026-03-08"}, {"follow_up": {"gt": "2026-03-01"}},
                {"reminder": {"lte": "2026-03-01T10:00:00Z"}}):
        assert crm.ok("GET", visits, query_string={"filter": json.dumps(flt)})["total"] == 1
    assert crm.ok("GET", visits, query_string={"sort": "-reminder"})["total"] == 1


def test_division_by_zero_and_empty_inputs_never_break_a_save(crm):
    lead = create(crm, employees=0, budget="100")
    assert lead["per_head"] is None
    assert create(crm)["score"] == 0  # IF(NULL > 500, ...) takes the else branch


@pytest.mark.parametrize("value", [{"a": 1}, "abc", 99, None])
def test_values_sent_for_a_calculated_field_are_ignored(crm, value):
    lead = create(crm, employees=700, score=value)
    assert lead["score"] == 25
    assert crm.ok("PATCH", f"{BASE}/{lead['id']}", json={"employees": 5,
                                                          "score": value})["score"] == 0


def test_publishing_a_new_calculation_fills_in_existing_records(crm, runtime):
    first = create(crm, employees=10)
    doc = lead_form()
    doc["fields"].append(field("big", "formula", config={"formula": "{employees} >= 10"}))
    doc["fields"][10]["config"]["formula"] = "{employees} * 2"
    publish(crm, doc)
    got = crm.ok("GET", f"{BASE}/{first['id']}")
    assert (got["big"], got["score"]) == (True, 20)
    assert got["version"] == first["version"]  # a recalculation is no edit


# -- conditions ---------------------------------------------------------------------------------
def test_a_hidden_field_is_not_required_and_loses_what_the_client_sent(crm):
    lead = create(crm, stage="new", lost_reason="sneaky")
    assert lead["lost_reason"] is None
    assert_error(crm.post(BASE, json={"name": "y", "stage": "lost"}), 422, "/lost_reason",
                 "required")
    lost = create(crm, stage="lost", lost_reason="too expensive")
    assert lost["lost_reason"] == "too expensive"
    reopened = crm.ok("PATCH", f"{BASE}/{lost['id']}", json={"stage": "new"})
    assert reopened["lost_reason"] is None


def test_required_if(crm):
    assert_error(crm.post(BASE, json={"name": "y", "stage": "won"}), 422, "/contract_no",
                 "required")
    lead = create(crm, stage="new")
    assert_error(crm.patch(f"{BASE}/{lead['id']}", json={"stage": "won"}), 422, "/contract_no")
    assert create(crm, stage="won", contract_no="C-9")["contract_no"] == "C-9"


def test_readonly_if_is_judged_on_the_stored_record(crm):
    lead = create(crm, stage="new", signed_on="2026-01-05")
    # closing the deal and fixing the date in one request is allowed ...
    won = crm.ok("PATCH", f"{BASE}/{lead['id']}", json={"stage": "won", "contract_no": "C-1",
                                                         "signed_on": "2026-01-06"})
    # ... afterwards the date is locked, though sending it back unchanged is fine
    assert_error(crm.patch(f"{BASE}/{lead['id']}", json={"signed_on": "2026-02-01"}), 422,
                 "/signed_on", "read-only")
    crm.ok("PATCH", f"{BASE}/{lead['id']}", json={**won, "name": "renamed"})


def test_default_formula_fills_in_missing_values_only(crm, runtime):
    lead = create(crm)
    today = runtime.clock.now().astimezone(runtime.timezone).date()  # TODAY() is local
    assert lead["next_call"] == (today + __import__("datetime").timedelta(days=3)).isoformat()
    assert create(crm, next_call="2030-01-01")["next_call"] == "2030-01-01"
    assert create(crm, next_call=None)["next_call"] is None


def test_validation_formula_gives_its_message(crm):
    assert_error(crm.post(BASE, json={"name": "y", "discount": 40}), 422, "/discount",
                 "above 30% needs approval")
    assert create(crm, discount=30)["discount"] == 30
    assert create(crm)["discount"] is None  # empty: the formula gives NULL, which passes


def test_bulk_create_applies_the_formulas_per_row(crm):
    result = crm.ok("POST", BASE + "/bulk", json={"records": [
        {"name": "a", "employees": 900}, {"name": "b", "discount": 99},
        {"name": "c", "stage": "lost"}]})
    assert result["created"] == 1
    assert result["results"][0]["record"]["score"] == 25
    assert result["results"][1]["errors"][0]["path"] == "/discount"
    assert result["results"][2]["errors"][0]["path"] == "/lost_reason"


# -- formula filters ------------------------------------------------------------------------------
def test_the_filter_parameter_takes_a_formula(crm):
    company = crm.ok("POST", "/apps/crm/forms/company/records",
                     json={"name": "Acme", "city": "深圳"}, status=201)
    create(crm, name="big", employees=800, company=company["id"])
    create(crm, name="small", employees=20)
    create(crm, name="won", employees=5, stage="won", contract_no="C")
    names = lambda flt: sorted(r["name"] for r in listing(crm, flt)["records"])  # noqa: E731
    assert names("{employees} > 500") == ["big"]
    assert names('{score} >= 50 OR {employees} < 30') == ["small", "won"]
    assert names('{company.city} = "深圳"') == ["big"]
    assert names('{rank} = "A"') == ["won"]
    assert names('AND({stage} IN ["won", "lost"], NOT ISBLANK({contract_no}))') == ["won"]
    assert listing(crm, "{employees} > 500")["total"] == 1
    # JSON filters keep working beside formulas
    assert names(json.dumps({"name": "big"})) == ["big"]


def test_today_is_the_date_in_the_installations_time_zone(crm, runtime):
    runtime.clock.set(datetime(2026, 1, 1, 20, tzinfo=UTC))  # 04:00 on 2 January in Shanghai
    create(crm, name="due", signed_on="2026-01-02")
    create(crm, name="yesterday", signed_on="2026-01-01")
    found = listing(crm, "{signed_on} = TODAY()")["records"]
    assert [r["name"] for r in found] == ["due"]
    assert create(crm, name="new")["next_call"] == "2026-01-05"  # DATEADD(TODAY(), 3)
    # a form without formulas of its own filters in the same time zone
    publish(crm, form_doc("visit", [field("day", "date")]))
    for day in ("2026-01-01", "2026-01-02"):
        crm.ok("POST", "/apps/crm/forms/visit/records", json={"day": day}, status=201)
    found = crm.ok("GET", "/apps/crm/forms/visit/records?filter="
                   + quote("{day} = TODAY()"))["records"]
    assert [r["day"] for r in found] == ["2026-01-02"]


def test_a_bad_formula_filter_is_an_error_with_its_place(crm):
    errors = assert_error(crm.get(f"{BASE}?filter={quote('{employes} > 5')}"), 400, "/filter",
                          "did you mean {employees}")
    assert errors[0]["column"] == 1
    assert_error(crm.get(f"{BASE}?filter={quote('{employees} + 1')}"), 400, "/filter",
                 "TRUE/FALSE")


def test_a_formula_filter_cannot_name_fields_hidden_from_the_reader(admin_api, factory):
    factory.app_doc(admin_api)
    publish(admin_api, form_doc("company", [field("name")]))
    publish(admin_api, lead_form(permissions={"roles": {"member": {
        "create": "all", "read": "all", "update": "all", "delete": "none",
        "hidden_fields": ["budget"]}}}))
    member = factory.api(factory.user("member@example.com", ["member"]))
    assert_error(member.get(f"{BASE}?filter={quote('{budget} > 1')}"), 400, "/filter",
                 "not a field")


def test_a_view_filter_formula_is_checked_at_save(crm):
    view = {"kind": "view", "key": "hot", "form": "lead", "label": "Hot",
            "filter": "{scor} > 20"}
    assert_error(crm.put("/apps/crm/views/hot", json=view), 422, "/filter", "did you mean")
    crm.ok("PUT", "/apps/crm/views/hot", json={**view, "filter": "{score} > 20"})


# -- the editor's endpoints -------------------------------------------------------------------
def test_function_list(crm):
    functions = crm.ok("GET", "/formula/functions")["functions"]
    by_name = {f["name"]: f for f in functions}
    assert "如果" in by_name["IF"]["aliases"] and by_name["IF"]["signature"].startswith("IF(")


def test_field_list_reaches_one_hop(crm):
    fields = crm.ok("GET", "/apps/crm/forms/lead/formula/fields")["fields"]
    refs = {f["ref"]: f for f in fields}
    assert refs["employees"]["type"] == "integer"
    assert refs["score"]["type"] == "integer"  # calculated fields with their inferred type
    assert refs["company.city"]["label"] == "company › city"


def test_check_and_try_a_formula(crm):
    url = "/apps/crm/forms/lead/formula"
    ok = crm.ok("POST", url, json={"formula": "{employees} > 500", "expect": "boolean"})
    assert (ok["ok"], ok["type"], ok["refs"]) == (True, "boolean", ["employees"])
    bad = crm.ok("POST", url, json={"formula": "{employees} >", "expect": "boolean"})
    assert bad["ok"] is False and bad["error"]["column"] == 13
    tried = crm.ok("POST", url, json={"formula": "{score} + 1",
                                      "record": {"employees": "600", "stage": "won"}})
    assert tried["value"] == 76
    assert_error(crm.post(url, json={"formula": "{employees}", "record": {"employees": "x"}}),
                 422, "/record/employees")
    assert_error(crm.post(url, json={"formula": ""}), 422, "/formula")
    assert_error(crm.post(url, json=[1]), 422)


def test_republishing_unchanged_recalculates_nothing(crm, runtime):
    lead = create(crm, employees=600)
    runtime.engine.dispose()
    publish(crm, revise(lead_form(), description="same formulas"))
    assert crm.ok("GET", f"{BASE}/{lead['id']}")["score"] == 25


def test_sub_table_totals_in_calculations_and_filters(admin_api, factory):
    factory.app_doc(admin_api)
    publish(admin_api, form_doc("purchase", [
        field("name"),
        field("lines", "sub_table", config={"fields": [field("item"), field("qty", "number"),
                                                       field("price", "decimal")]}),
        field("pieces", "formula", config={"formula": "SUM({lines.qty})"}),
        field("lines_count", "formula", config={"formula": "COUNT({lines})"}),
        field("average", "formula", config={"formula": "AVG({lines.price})"}),
    ]))
    url = "/apps/crm/forms/purchase/records"
    big = admin_api.ok("POST", url, status=201, json={"name": "big", "lines": [
        {"item": "pen", "qty": 3, "price": "2.50"}, {"item": "ink", "qty": 4, "price": "1.50"}]})
    assert (big["pieces"], big["lines_count"], big["average"]) == (7, 2, 2.0)
    empty = admin_api.ok("POST", url, status=201, json={"name": "empty"})
    assert (empty["pieces"], empty["lines_count"], empty["average"]) == (0, 0, None)
    patched = admin_api.ok("PATCH", f"{url}/{big['id']}", json={"lines": [{"qty": 1}]})
    assert (patched["pieces"], patched["lines_count"]) == (1, 1)
    found = admin_api.ok("GET", f"{url}?filter={quote('SUM({lines.qty}) >= 1')}")["records"]
    assert [r["name"] for r in found] == ["big"]
    found = admin_api.ok("GET", f"{url}?filter={quote('COUNT({lines}) = 0')}")["records"]
    assert [r["name"] for r in found] == ["empty"]
    fields = {f["ref"] for f in admin_api.ok("GET", "/apps/crm/forms/purchase/formula/fields")[
        "fields"]}
    assert {"lines.qty", "lines.price", "pieces"} <= fields


def test_formulas_see_the_system_fields(admin_api, factory, runtime):
    factory.app_doc(admin_api)
    publish(admin_api, form_doc("ticket", [
        field("title"),
        field("age_days", "formula",
              config={"formula": "DAYS_BETWEEN({created_at}, DATE(2026, 3, 11))"}),
        field("mine", "formula", config={"formula": f"{{owner}} = {admin_api.user_id}"}),
    ]))
    runtime.clock.set(datetime(2026, 3, 1, 4, tzinfo=UTC))
    url = "/apps/crm/forms/ticket/records"
    ticket = admin_api.ok("POST", url, json={"title": "a"}, status=201)
    assert (ticket["age_days"], ticket["mine"]) == (10, True)
    runtime.clock.set(datetime(2026, 3, 9, 4, tzinfo=UTC))
    admin_api.ok("POST", url, json={"title": "b"}, status=201)
    found = admin_api.ok("GET", url + "?filter=" + quote(
        "{created_at} < DATEADD(NOW(), -3, \"day\")"))["records"]
    assert [r["title"] for r in found] == ["a"]
    found = admin_api.ok("GET", url + "?filter=" + quote(f"{{owner}} = {admin_api.user_id}"))
    assert found["total"] == 2
    refs = {f["ref"] for f in admin_api.ok("GET", "/apps/crm/forms/ticket/formula/fields")[
        "fields"]}
    assert {"created_at", "updated_at", "owner"} <= refs

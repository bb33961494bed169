"""Cleaning on every write path, on SQLite and PostgreSQL: the field types' own cleaning (phone,
e-mail, region, text options), the form's cleaning rules, and the flags of values kept as
written — through the API (single, bulk, update, bulk update) and the generated page's form."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from tests.integration.helpers import (
    assert_error,
    columns,
    field,
    form_doc,
    logged_in,
    publish,
    revise,
    rows,
)

pytestmark = pytest.mark.integration
BASE = "/apps/crm/forms/lead/records"
TABLE = "crm__lead"


def lead_form(**extra) -> dict:
    return form_doc("lead", [
        field("name", config={"collapse_spaces": True, "half_width": True, "case": "title"}),
        field("company", config={"collapse_spaces": True, "half_width": True}),
        field("phone", "phone", config={"keep_extension": True}),
        field("mobile", "phone", config={"invalid": "keep"}),
        field("email", "email", config={"flag_free_mail": True}),
        field("region", "region", required=True),
        field("kind"),
    ], cleaning=[
        {"field": "region", "formula": "PHONE_REGION({phone})", "if_blank": True},
        {"field": "company", "formula": 'SUBSTITUTE({company}, "有限责任公司", "有限公司")'},
        {"field": "kind", "formula": "PHONE_TYPE({phone})"},
    ], **extra)


MESSY = {"name": "  ｊｏｈｎ　　smith ", "company": " ＡＣＭＥ　 科技有限责任公司",
         "phone": "０７５５－８８８８ ８８８８ 转 ８０１", "mobile": "12345",
         "email": "  Li.Lei@QQ.COM ", "region": ""}
CLEAN = {"name": "John Smith", "company": "ACME 科技有限公司",
         "phone": "+8675588888888;ext=801", "mobile": "12345", "email": "Li.Lei@qq.com",
         "region": {"country": "CN", "province": "广东省", "city": "深圳市", "code": "440300"},
         "kind": "landline"}


@pytest.fixture
def crm(admin_api, factory):
    factory.app_doc(admin_api)
    publish(admin_api, lead_form())
    return admin_api


def cleaned(record: dict) -> dict:
    return {k: record.get(k) for k in CLEAN}


def flags(runtime, record_id: int) -> tuple:
    row = rows(runtime, f"SELECT mobile__flag, email__flag FROM {TABLE} WHERE id = :id",
               id=record_id)[0]
    return row["mobile__flag"], row["email__flag"]


# -- every write path ----------------------------------------------------------------------------
def test_api_create_cleans_every_field_and_applies_the_rules(crm, runtime):
    record = crm.ok("POST", BASE, json=MESSY, status=201)
    assert cleaned(record) == CLEAN
    assert cleaned(crm.ok("GET", f"{BASE}/{record['id']}")) == CLEAN
    assert flags(runtime, record["id"]) == ("invalid", "free_mail")
    cols = columns(runtime, TABLE)
    assert {"mobile__flag", "email__flag"} <= set(cols) and "phone__flag" not in cols


def test_bulk_create_cleans_each_record(crm, runtime):
    other = {**MESSY, "phone": "+86 (0)10 6552-9988", "email": "CEO@Acme.COM.CN",
             "mobile": "+86 138-0013-8000", "region": "朝阳区, 北京"}
    answer = crm.ok("POST", f"{BASE}/bulk", json={"records": [MESSY, other]})
    assert answer["created"] == 2
    first, second = (r["record"] for r in answer["results"])
    assert cleaned(first) == CLEAN
    assert (second["phone"], second["mobile"], second["email"]) == (
        "+861065529988", "+8613800138000", "CEO@acme.com.cn")
    assert second["region"] == {"country": "CN", "province": "北京市", "city": "北京市",
                                "district": "朝阳区", "code": "110105"}
    assert flags(runtime, second["id"]) == (None, None)


def test_update_and_bulk_update_clean_too(crm, runtime):
    record = crm.ok("POST", BASE, json=MESSY, status=201)
    changed = crm.ok("PATCH", f"{BASE}/{record['id']}",
                     json={"phone": "010 6552 9988", "region": None, "mobile": "138 0013 8000",
                           "email": "Boss@Example.COM"})
    assert changed["phone"] == "+861065529988"
    assert changed["region"]["city"] == "北京市"  # blank again: derived from the new phone
    assert flags(runtime, record["id"]) == (None, None)
    answer = crm.ok("POST", f"{BASE}/bulk-update",
                    json={"ids": [record["id"]], "changes": {"email": " X@GMAIL.com ",
                                                             "name": "mary   JONES"}})
    assert answer["updated"] == 1
    again = crm.ok("GET", f"{BASE}/{record['id']}")
    assert (again["email"], again["name"]) == ("X@gmail.com", "Mary Jones")
    assert flags(runtime, record["id"]) == (None, "free_mail")


def test_the_generated_form_cleans_what_people_type(crm, app):
    client = logged_in(app)
    page = client.get("/a/crm/lead/new").get_data(as_text=True)
    data = {"name": MESSY["name"], "company": MESSY["company"], "phone": MESSY["phone"],
            "mobile": "12345", "email": MESSY["email"], "region": ["CN", "", "", ""]}
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/a/crm/lead/new", data={**data, "csrf_token": token})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    record_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert cleaned(crm.ok("GET", f"{BASE}/{record_id}")) == CLEAN
    detail = client.get(f"/a/crm/lead/{record_id}").get_data(as_text=True)
    assert "clean-flag" in detail  # the kept number and the free-mail address say so
    listing = client.get("/a/crm/lead").get_data(as_text=True)
    assert listing.count('class="clean-flag"') >= 2


def test_a_refused_value_names_its_field(crm):
    assert_error(crm.post(BASE, json={**MESSY, "phone": "12345"}), 422, "/phone",
                 "not a valid phone number")
    # a place that does not resolve is kept, flagged; a required one filled by no rule is not
    record = crm.ok("POST", BASE, json={**MESSY, "region": "火星基地"}, status=201)
    assert record["region"] == {"country": "CN", "text": "火星基地"}
    assert_error(crm.post(BASE, json={**MESSY, "phone": "", "region": ""}), 422, "/region",
                 "required")


# -- flags in lists --------------------------------------------------------------------------------
def test_flag_filters(crm):
    kept = crm.ok("POST", BASE, json=MESSY, status=201)["id"]
    fine = crm.ok("POST", BASE, json={**MESSY, "mobile": "13800138000",
                                      "email": "a@acme.cn", "region": "火星"}, status=201)["id"]

    def ids(flt) -> list[int]:
        return sorted(r["id"] for r in crm.ok("GET", f"{BASE}?filter="
                                              + quote(json.dumps(flt)))["records"])

    assert ids({"mobile": {"flagged": None}}) == [kept]
    assert ids({"mobile": {"unflagged": None}}) == [fine]
    assert ids({"email": {"flagged": "free_mail"}}) == [kept]
    assert ids({"region": {"flagged": "unresolved"}}) == [fine]
    assert ids({"region": {"unflagged": None}}) == [kept]
    assert_error(crm.get(f"{BASE}?filter=" + quote(json.dumps({"email": {"flagged": "x"}}))),
                 400, "/filter/0/value", "not a flag")
    assert_error(crm.get(f"{BASE}?filter=" + quote(json.dumps({"phone": {"flagged": None}}))),
                 400, "/filter/0/op")


# -- the rules, checked at save; flags as the configuration changes ------------------------------
def test_rules_are_checked_at_save_with_their_paths(crm):
    assert_error(crm.put("/apps/crm/forms/lead", json=revise(lead_form(), cleaning=[
        {"field": "nope", "formula": "1"}])), 422, "/cleaning/0/field", "not a field")
    response = crm.put("/apps/crm/forms/lead", json=revise(lead_form(), cleaning=[
        {"field": "name", "formula": "{nam}"},
        {"field": "region", "formula": "PHONE_REGION({phone}) +"},
        {"field": "email", "formula": "1 + 1"}]))
    assert_error(response, 422, "/cleaning/0/formula", "did you mean {name}")
    assert_error(response, 422, "/cleaning/1/formula")
    assert_error(response, 422, "/cleaning/2/formula")
    assert_error(crm.put("/apps/crm/forms/lead", json=revise(lead_form(), cleaning=[
        {"field": "region", "formula": "1", "extra": True}])), 422, "/cleaning/0/extra")


def test_turning_flags_on_works_out_the_flags_of_stored_values(crm, runtime):
    record = crm.ok("POST", BASE, json={**MESSY, "mobile": "13800138000"}, status=201)
    doc = lead_form()
    doc["fields"][2]["config"]["invalid"] = "keep"  # phone: now kept and flagged too
    doc["fields"][4]["config"] = {}  # email: no more free-mail flags
    publish(crm, doc)
    cols = columns(runtime, TABLE)
    assert "phone__flag" in cols and "email__flag" not in cols
    row = rows(runtime, f"SELECT phone, phone__flag FROM {TABLE} WHERE id = :id",
               id=record["id"])[0]
    assert (row["phone"], row["phone__flag"]) == ("+8675588888888;ext=801", None)
    kept = crm.ok("POST", BASE, json={**MESSY, "phone": "call me", "region": "深圳"},
                  status=201)
    assert kept["phone"] == "call me"
    # a number kept as written does not fit a field that refuses: the publish says which
    refused = crm.put("/apps/crm/forms/lead", json=lead_form())
    assert refused.status_code == 200
    answer = crm.post("/apps/crm/forms/lead/publish")
    assert_error(answer, 422, "/fields/2/config", "do not fit")

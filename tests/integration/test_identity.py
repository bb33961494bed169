"""Identity resolution through the API (issue 10): a create that matches stored records
merges into the oldest (200), transitively; touches move, relations re-point, tombstones say
where a record went; review rules queue pairs; merges can be undone."""

from __future__ import annotations

import pytest

from tests.integration.helpers import field, form_doc, publish, rows

BASE = "/apps/crm/forms/lead/records"
IDENTITY = {"match": [{"key": "phone", "fields": ["phone"]},
                      {"key": "email", "fields": ["email"]},
                      {"key": "name_company", "fuzzy": {"name": 0.9, "company": 0.85},
                       "then": "review"}],
            "merge": {"default": "fill_blanks", "fields": {"stage": "newest",
                                                           "visits": "sum"}}}


@pytest.fixture
def crm(admin_api, factory):
    factory.app_doc(admin_api)
    publish(admin_api, form_doc("lead", [
        field("name"), field("phone", "phone"), field("email", "email"), field("company"),
        field("stage"), field("visits", "number")], identity=IDENTITY))
    publish(admin_api, form_doc("deal", [
        field("title"), field("lead", "relation", config={"target_form": "lead"}),
        field("contacts", "relation", config={"target_form": "lead", "multiple": True})]))
    return admin_api


def create(api, body: dict, status: int) -> dict:
    return api.ok("POST", BASE, status, json=body)


def test_a_second_arrival_of_the_same_phone_merges_and_answers_200(crm):
    first = create(crm, {"name": "王伟", "phone": "138 0013 8000", "stage": "new",
                         "visits": 1}, 201)
    again = create(crm, {"phone": "+86 13800138000", "email": "WANG@EXAMPLE.COM",
                         "stage": "won", "visits": 2, "_touch": {"source": "baidu"}}, 200)
    assert again["id"] == first["id"]
    assert (again["name"], again["email"], again["stage"], again["visits"]) == (
        "王伟", "WANG@example.com", "won", 3)
    touches = crm.ok("GET", f"{BASE}/{first['id']}/touches")["touches"]
    assert [t["source"] for t in touches] == [None, "baidu"]
    assert crm.ok("GET", BASE)["total"] == 1


def test_a_submission_carrying_two_keys_merges_two_records_transitively(crm, runtime):
    by_phone = create(crm, {"name": "王伟", "phone": "13800138000"}, 201)
    by_email = create(crm, {"company": "Acme", "email": "w@example.com"}, 201)
    deal = crm.ok("POST", "/apps/crm/forms/deal/records", 201, json={
        "title": "big", "lead": by_email["id"], "contacts": [by_email["id"], by_phone["id"]]})
    both = create(crm, {"phone": "13800138000", "email": "W@example.com"}, 200)
    assert both["id"] == by_phone["id"] and both["company"] == "Acme"
    gone = crm.get(f"{BASE}/{by_email['id']}")
    assert gone.status_code == 404 and gone.get_json()["merged_into"] == by_phone["id"]
    linked = crm.ok("GET", f"/apps/crm/forms/deal/records/{deal['id']}")
    assert linked["lead"] == by_phone["id"] and linked["contacts"] == [by_phone["id"]]
    merges = crm.ok("GET", "/apps/crm/forms/lead/merges")["merges"]
    assert merges[0]["survivor"] == by_phone["id"]
    assert merges[0]["merged"] == [by_email["id"]]
    assert len(rows(runtime, "SELECT * FROM identity_keys")) == 2


def test_undo_restores_records_values_touches_and_links(crm):
    a = create(crm, {"name": "王伟", "phone": "13800138000", "stage": "new"}, 201)
    b = create(crm, {"email": "w@example.com", "stage": "lost"}, 201)
    deal = crm.ok("POST", "/apps/crm/forms/deal/records", 201, json={
        "title": "big", "lead": b["id"], "contacts": [b["id"]]})
    create(crm, {"phone": "13800138000", "email": "w@example.com", "stage": "won",
                 "_touch": {"source": "wechat"}}, 200)
    [merge] = crm.ok("GET", "/apps/crm/forms/lead/merges")["merges"]
    crm.ok("PATCH", f"{BASE}/{a['id']}", json={"name": "王伟伟"})
    undone = crm.ok("POST", f"/apps/crm/forms/lead/merges/{merge['id']}/undo")
    assert undone["restored"] == [b["id"]]
    assert [c["field"] for c in undone["changed_since"]] == ["name"]
    back = crm.ok("GET", f"{BASE}/{b['id']}")
    assert (back["email"], back["stage"]) == ("w@example.com", "lost")
    survivor = crm.ok("GET", f"{BASE}/{a['id']}")
    assert (survivor["name"], survivor["email"], survivor["stage"]) == ("王伟伟", None, "new")
    assert crm.ok("GET", f"/apps/crm/forms/deal/records/{deal['id']}")["lead"] == b["id"]
    assert crm.ok("GET", f"/apps/crm/forms/deal/records/{deal['id']}")["contacts"] == [b["id"]]
    assert crm.ok("GET", "/apps/crm/forms/lead/merges")["merges"][0]["undone_at"]
    assert crm.post(f"/apps/crm/forms/lead/merges/{merge['id']}/undo").status_code == 409
    # the keys are back with their records: the next arrival by e-mail merges into b
    assert create(crm, {"email": "w@example.com"}, 200)["id"] == b["id"]


def test_a_review_rule_queues_the_pair_and_creates(crm, runtime):
    a = create(crm, {"name": "张三", "company": "字节跳动有限公司"}, 201)
    b = create(crm, {"name": "Zhang San", "company": "字节跳动"}, 201)
    [pair] = rows(runtime, "SELECT * FROM identity_candidates")
    assert (pair["record_a"], pair["record_b"], pair["rule"], pair["status"]) == (
        a["id"], b["id"], "name_company", "open")
    create(crm, {"name": "李娜", "company": "字节跳动"}, 201)
    assert len(rows(runtime, "SELECT * FROM identity_candidates")) == 1


def test_bulk_counts_merges_and_a_batch_with_the_same_person_twice_creates_one(crm):
    create(crm, {"name": "王伟", "phone": "13800138000"}, 201)
    answer = crm.ok("POST", BASE + "/bulk", json={"records": [
        {"phone": "138-0013-8000", "stage": "won"}, {"email": "n@example.com"},
        {"email": "N@EXAMPLE.com", "name": "Na"}, {"phone": "not a phone"}]})
    assert (answer["created"], answer["merged"], answer["failed"]) == (1, 2, 1)
    assert [r.get("outcome") for r in answer["results"]] == [
        "merged", "created", "merged", None]
    assert crm.ok("GET", BASE)["total"] == 2


def test_deleting_a_record_frees_its_keys(crm):
    a = create(crm, {"phone": "13800138000"}, 201)
    crm.ok("DELETE", f"{BASE}/{a['id']}", 204)
    assert create(crm, {"phone": "13800138000"}, 201)["id"] != a["id"]


def test_the_new_record_page_merges_too_and_opens_the_survivor(crm, app):
    from tests.integration.helpers import logged_in

    first = create(crm, {"name": "王伟", "phone": "13800138000"}, 201)
    client = logged_in(app)
    page = client.post("/a/crm/lead/new", data={"phone": "138 0013 8000", "company": "Acme"})
    assert page.status_code == 303
    assert page.headers["Location"].endswith(f"/a/crm/lead/{first['id']}")
    assert crm.ok("GET", f"{BASE}/{first['id']}")["company"] == "Acme"
    assert crm.ok("GET", BASE)["total"] == 1


def test_a_reviewer_merging_a_pair_keeps_the_values_chosen(crm, runtime):
    """The review API took the chosen values as the newest arrival, but the form's policy
    (fill blanks) still kept the older record's name."""
    a = create(crm, {"name": "张三", "company": "字节跳动有限公司", "stage": "new"}, 201)
    create(crm, {"name": "Zhang San", "company": "字节跳动", "stage": "won"}, 201)
    [pair] = rows(runtime, "SELECT * FROM identity_candidates")
    done = crm.ok("POST", f"/apps/crm/forms/lead/identity/candidates/{pair['id']}/merge",
                  json={"fields": {"name": "Zhang San"}})
    assert done["status"] == "merged"
    kept = crm.ok("GET", f"{BASE}/{a['id']}")
    assert (kept["name"], kept["company"]) == ("Zhang San", "字节跳动有限公司")

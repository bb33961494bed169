"""Touches (issue 10): every record remembers how it arrived — the channel and the campaign —
listed by the API, shown by fields of the ``touch`` type, kept by every create path."""

from __future__ import annotations

import pytest

from tests.integration.helpers import assert_error, field, form_doc, publish, rows

BASE = "/apps/crm/forms/lead/records"


@pytest.fixture
def crm(admin_api, factory):
    factory.app_doc(admin_api)
    publish(admin_api, form_doc("lead", [
        field("name", required=True),
        field("first_source", "touch", label={"zh": "首次来源", "en": "First source"},
              config={"touch": "first", "part": "source"}),
        field("first_channel", "touch", config={"touch": "first", "part": "channel"}),
        field("last_campaign", "touch", config={"touch": "last", "part": "campaign"}),
    ], permissions={"roles": {"member": {"create": "all", "read": "own", "update": "own",
                                         "delete": "none"}}}))
    return admin_api


def touches(api, record_id: int) -> list[dict]:
    return api.ok("GET", f"{BASE}/{record_id}/touches")["touches"]


def test_a_created_record_remembers_its_campaign(crm, runtime):
    created = crm.ok("POST", BASE, json={
        "name": "王伟", "_touch": {"utm_source": " baidu ", "utm_medium": "cpc",
                                   "campaign": "2026 春季峰会", "term": None}})
    assert created["first_source"] == "baidu" and created["first_channel"] == "api"
    assert created["last_campaign"] == "2026 春季峰会"
    assert "_touch" not in created
    [touch] = touches(crm, created["id"])
    assert touch["channel"] == "api" and touch["channel_label"] == "API"
    assert (touch["source"], touch["medium"], touch["campaign"]) == ("baidu", "cpc",
                                                                     "2026 春季峰会")
    assert touch["term"] is None and touch["arrived_as"] == created["id"]
    assert crm.ok("GET", f"{BASE}/{created['id']}") == created


def test_every_create_path_writes_a_touch(crm, app, runtime):
    plain = crm.create("crm", "lead", {"name": "李娜"})
    assert [t["channel"] for t in touches(crm, plain["id"])] == ["api"]
    assert plain["first_source"] is None and plain["first_channel"] == "api"
    bulk = crm.ok("POST", BASE + "/bulk", json={"records": [
        {"name": "张三", "_touch": {"source": "wechat"}}, {"name": ""},
        {"name": "赵六"}]})
    assert bulk["created"] == 2
    made = [r["record"] for r in bulk["results"] if "record" in r]
    assert [m["first_source"] for m in made] == ["wechat", None]
    assert [t["source"] for t in touches(crm, made[0]["id"])] == ["wechat"]
    # nothing is left of the row that failed its checks
    assert rows(runtime, "SELECT count(*) AS n FROM record_touches")[0]["n"] == 3
    from tests.integration.helpers import logged_in
    with logged_in(app) as client:
        page = client.post("/a/crm/lead/new", data={"name": "孙七"})
        assert page.status_code in (302, 303), page.get_data(as_text=True)
    [ui] = rows(runtime, "SELECT channel FROM record_touches ORDER BY id DESC LIMIT 1")
    assert ui["channel"] == "ui"


def test_a_malformed_touch_is_refused_and_writes_nothing(crm, runtime):
    for bad in ("baidu", {"source": 5}, {"utm_source": "x", "referrer": "y"}):
        assert_error(crm.post(BASE, json={"name": "王伟", "_touch": bad}), 422, "/_touch")
    assert_error(crm.post(BASE + "/bulk", json={"records": [
        {"name": "a"}, {"name": "b", "_touch": []}]}), 422, "/records/1/_touch")
    assert rows(runtime, "SELECT count(*) AS n FROM record_touches")[0]["n"] == 0
    long = crm.ok("POST", BASE, json={"name": "王伟", "_touch": {"source": "x" * 500}})
    assert long["first_source"] == "x" * 200  # kept as far as a touch holds


def test_touches_follow_the_readers_row_scope(crm, factory):
    mine = factory.api(factory.user("mia@example.com", ["member"]))
    theirs = crm.create("crm", "lead", {"name": "王伟"})
    own = mine.create("crm", "lead", {"name": "李娜"})
    assert [t["channel"] for t in touches(mine, own["id"])] == ["api"]
    assert_error(mine.get(f"{BASE}/{theirs['id']}/touches"), 404)
    assert_error(crm.get(f"{BASE}/999999/touches"), 404)


def test_touch_fields_filter_and_are_read_only(crm):
    crm.ok("POST", BASE, json={"name": "a", "_touch": {"source": "baidu"}})
    crm.ok("POST", BASE, json={"name": "b", "_touch": {"source": "douyin"}})
    found = crm.ok("GET", BASE + '?filter={"first_source": "douyin"}')["records"]
    assert [r["name"] for r in found] == ["b"]
    assert_error(crm.post(BASE, json={"name": "c", "first_source": "forged"}), 422,
                 "/first_source")


def test_the_record_page_lists_its_sources(crm, app):
    from tests.integration.helpers import logged_in
    record = crm.ok("POST", BASE, json={"name": "王伟", "_touch": {
        "utm_source": "baidu", "utm_campaign": "春季峰会"}})
    plain = crm.create("crm", "lead", {"name": "李娜"})
    with logged_in(app) as client:
        client.post("/locale", data={"lang": "zh"})
        page = client.get(f"/a/crm/lead/{record['id']}").get_data(as_text=True)
        assert "来源记录" in page and "春季峰会" in page and "baidu" in page
        assert "首次来源" in page  # the touch field, labelled
        # one arrival without a campaign says nothing the history does not
        assert "来源记录" not in client.get(f"/a/crm/lead/{plain['id']}").get_data(as_text=True)

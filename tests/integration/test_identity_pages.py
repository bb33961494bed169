"""The identity pages of a form (issue 10): the review queue shows a flagged pair side by side
with the rule, the score and the differing fields; a reviewer merges it keeping the values
they pick (whatever the merge policy would have kept) or keeps the records apart for good;
the merge history lists merges newest first and undoes one, showing what the undo reported.
The list links to both; members who may not update the records are kept out of the queue."""

from __future__ import annotations

import html as htmllib
import re

import pytest

from tests.integration.helpers import field, form_doc, logged_in, publish, rows

BASE = "/apps/crm/forms/lead/records"
QUEUE = "/a/crm/lead/duplicates"
HISTORY = "/a/crm/lead/merges"
IDENTITY = {"match": [{"key": "phone", "fields": ["phone"]},
                      {"key": "name_company",
                       "label": {"zh": "姓名加公司", "en": "Name at company"},
                       "fuzzy": {"name": 0.9, "company": 0.85}, "then": "review"}],
            "merge": {"fields": {"visits": "sum"}}}


@pytest.fixture
def crm(admin_api, factory):
    factory.app_doc(admin_api)
    publish(admin_api, form_doc("lead", [
        field("name", label={"zh": "姓名", "en": "Name"}),
        field("company", label={"zh": "公司", "en": "Company"}),
        field("phone", "phone", label={"zh": "电话", "en": "Phone"}),
        field("stage", label={"zh": "阶段", "en": "Stage"}),
        field("visits", "number", label={"zh": "到访", "en": "Visits"})],
        label={"zh": "线索", "en": "Lead"}, title_field="name", identity=IDENTITY))
    factory.user("eve@example.com", ["designer"], locale="en")
    return admin_api


def create(api, body: dict, status: int = 201) -> dict:
    return api.ok("POST", BASE, status, json=body)


def flagged_pair(api) -> tuple[dict, dict]:
    a = create(api, {"name": "张三", "company": "字节跳动有限公司", "stage": "new",
                     "visits": 2})
    b = create(api, {"name": "Zhang San", "company": "字节跳动", "stage": "won", "visits": 3,
                     "phone": "13800138000"})
    return a, b


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(True)
    return htmllib.unescape(response.get_data(True))


def test_the_queue_shows_the_pair_side_by_side_and_the_list_links_to_it(crm, app):
    a, b = flagged_pair(crm)
    with logged_in(app, "eve@example.com") as client:
        listing = page(client, "/a/crm/lead")
        assert f'href="{QUEUE}"' in listing and f'href="{HISTORY}"' in listing
        assert re.search(r'data-review-link>Duplicates <span class="count-badge">1</span>',
                         listing)
        html = page(client, QUEUE)
    assert "Flagged by Name at company" in html and re.search(r"Score \d+%", html)
    assert ">张三</a>" in html and f"#{a['id']}" in html and f"#{b['id']}" in html
    differing = re.findall(r'<tr class="id-differs" data-field="(\w+)">', html)
    assert differing == ["name", "company", "phone", "stage", "visits"]
    # what the merge policy keeps is picked to begin with: the older record's, the sum
    assert re.search(r'name="choice_name" value="a" checked', html)
    assert re.search(r'name="choice_phone" value="b" checked', html)  # a blank filled
    assert re.search(r'name="choice_visits" value="policy" checked', html)
    assert "as the merge policy gives: 5" in html


def test_merging_keeps_the_values_picked_and_can_be_undone(crm, app, runtime):
    a, b = flagged_pair(crm)
    [pair] = rows(runtime, "SELECT id FROM identity_candidates")
    with logged_in(app, "eve@example.com") as client:
        done = client.post(QUEUE + "/decide", data={
            "pair": pair["id"], "verdict": "merge", "choice_name": "b", "choice_company": "a",
            "choice_stage": "b", "choice_visits": "policy", "choice_phone": "b"})
        assert done.status_code == 303
        assert f"#{b['id']} is now part of #{a['id']}" in page(client, QUEUE)
        assert "No pairs are waiting for review." in page(client, QUEUE)
    kept = crm.ok("GET", f"{BASE}/{a['id']}")
    assert (kept["name"], kept["company"], kept["stage"], kept["visits"], kept["phone"]) == (
        "Zhang San", "字节跳动有限公司", "won", 5, "+8613800138000")
    crm.ok("PATCH", f"{BASE}/{a['id']}", json={"stage": "lost"})
    with logged_in(app, "eve@example.com") as client:
        html = page(client, HISTORY)
        [merge] = re.findall(r'data-merge="(\d+)"', html)
        assert "rule Name at company" in html and ">Zhang San</a>" in html
        undone = client.post(f"{HISTORY}/{merge}/undo")
        assert undone.status_code == 303
        html = page(client, HISTORY)
        assert f"Merge {merge} undone" in html and "data-undo-report" in html
        report = html[html.index("data-undo-report"):html.index("</section>",
                                                                 html.index("data-undo-report"))]
        assert "<td>Stage</td><td>won</td><td>lost</td>" in report
        assert f'href="/a/crm/lead/{b["id"]}"' in report
        assert "data-undo-report" not in page(client, HISTORY)  # told once
        assert "undone " in page(client, HISTORY)
        again = client.post(f"{HISTORY}/{merge}/undo")
        assert "was undone already" in page(client, again.headers["Location"])
    back = crm.ok("GET", f"{BASE}/{b['id']}")
    assert (back["name"], back["stage"], back["visits"]) == ("Zhang San", "won", 3)
    with logged_in(app, "eve@example.com") as client:
        timeline = page(client, f"/a/crm/lead/{a['id']}")
    assert "merged records" in timeline and "undid a merge" in timeline
    assert f"#{b['id']}" in timeline
    assert crm.ok("GET", f"{BASE}/{a['id']}")["stage"] == "lost"


def test_not_the_same_is_remembered(crm, app, runtime):
    flagged_pair(crm)
    [pair] = rows(runtime, "SELECT id FROM identity_candidates")
    with logged_in(app, "eve@example.com") as client:
        client.post(QUEUE + "/decide", data={"pair": pair["id"], "verdict": "distinct"})
        html = page(client, QUEUE)
        assert "will not be proposed again" in html and 'data-pair=' not in html
        again = client.post(QUEUE + "/decide", data={"pair": pair["id"], "verdict": "merge"})
        assert "decided meanwhile" in page(client, again.headers["Location"])
    [row] = rows(runtime, "SELECT status FROM identity_candidates")
    assert row["status"] == "distinct"
    assert crm.ok("GET", "/apps/crm/forms/lead/merges")["merges"] == []


def test_pages_in_chinese_and_kept_from_those_who_may_not_update(crm, app, factory):
    flagged_pair(crm)
    create(crm, {"name": "李四", "phone": "13900139000"})
    create(crm, {"name": "李四", "phone": "139 0013 9000", "stage": "new"}, 200)
    factory.user("zhu@example.com", ["designer"], locale="zh")
    with logged_in(app, "zhu@example.com") as client:
        html = page(client, QUEUE)
        for words in ("可能重复", "标记规则：姓名加公司", "合并为一条记录", "不是同一个"):
            assert words in html, words
        html = page(client, HISTORY)
        assert "合并历史" in html and "撤销" in html
    member = {"roles": {"member": {"read": "all", "create": "all"}}}
    body = crm.ok("GET", "/apps/crm/forms/lead")
    publish(crm, {**body, "permissions": member})
    factory.user("mia@example.com", ["member"], locale="en")
    with logged_in(app, "mia@example.com") as client:
        assert client.get(QUEUE).status_code == 403
        html = page(client, HISTORY)  # readers see the history, without undo
        assert "data-merge=" in html and ">Undo<" not in html
        assert "data-review-link" not in page(client, "/a/crm/lead")

"""The to-do settings editor (builder/todo.py): the page prints the app draft and what its
scripts need (each form's links, note fields and placeholders) in zh and en, for designers
only; it saves the settings through the documents API with If-Match, refusals at their
paths; its preview works the settings out on one stored record the reader may read: the
priority and the seeds' two hints, writing nothing."""

from __future__ import annotations

import copy
import html as htmllib
import json
import re

import pytest

from tests.integration.helpers import logged_in, rows
from tests.integration.rules_executor_support import activity_form, lead_form
from tests.integration.workflows_support import DAY, T0

PRICING = '{kind} = "page_view" AND {page} = "pricing"'
HIGH = {"zh": "客户{name}已达到高意向分数，请立即电话联系",
        "en": "{name} reached a high intent score: call now"}
PAGES = {"zh": "客户{name}已连续{related}天访问定价页，建议发送产品对比资料",
         "en": "{name} visited the pricing page {related} days running: send the comparison"}
TODO = {
    "priority": {"lead": "IF({score} >= 80, 100, 0) + {score}"},
    "hints": [
        {"form": "lead", "when": "{score} >= 80", "text": HIGH},
        {"form": "lead", "related": {"form": "activity", "link": "lead", "when": PRICING,
                                     "days": 3, "per": "day", "min": 3}, "text": PAGES}],
    "follow_up": {"form": "activity", "link": "lead", "note": "note"},
}


def scoped_lead() -> dict:
    """The lead form, designers reading only the leads they own (the preview's row scope)."""
    doc = lead_form()
    doc["permissions"]["roles"]["designer"] = {"create": "all", "read": "own",
                                               "update": "own", "delete": "none"}
    return doc


@pytest.fixture
def crm(admin_api, factory, runtime):
    runtime.clock.set(T0 - 2 * DAY)
    factory.app_doc(admin_api)
    factory.form(admin_api, scoped_lead())
    factory.form(admin_api, activity_form())
    people = {"eve": factory.user("eve@example.com", ["designer"], locale="en"),
              "zoe": factory.user("zoe@example.com", ["designer"], locale="zh"),
              "mo": factory.user("mo@example.com", ["member"], locale="en")}
    return {"api": admin_api, "people": people}


def data_of(page: str, name: str) -> dict:
    found = re.search(name + r"=[\"']([^\"']*)[\"']", page)
    return json.loads(htmllib.unescape(found.group(1)))


def test_the_page_prints_the_settings_and_what_the_scripts_need(crm, app):
    api = crm["api"]
    api.ok("PUT", "/apps/crm", json={"kind": "app", "key": "crm", "todo": TODO,
                                    "label": {"zh": "客户", "en": "CRM"}})
    home = logged_in(app, "eve@example.com").get("/build/").get_data(True)
    assert 'href="/build/crm/todo"' in home
    listing = logged_in(app, "eve@example.com").get("/build/crm/workflows").get_data(True)
    assert 'href="/build/crm/todo"' in listing
    en = logged_in(app, "eve@example.com").get("/build/crm/todo")
    assert en.status_code == 200
    text = en.get_data(True)
    assert "To-do list settings: CRM" in text and "Preview with a record" in text
    assert data_of(text, "data-doc")["todo"] == TODO
    history = re.search(r'href="([^"]+/history)"', text).group(1)
    assert logged_in(app, "eve@example.com").get(history).status_code == 200
    config = data_of(text, "data-config")
    forms = {f["key"]: f for f in config["forms"]}
    assert forms["activity"]["links"] == {"lead": [["lead", "lead"]]}
    assert forms["activity"]["relations"] == [["lead", "lead"]]
    assert ["note", "note"] in forms["activity"]["notes"]
    assert ["lead", "lead"] not in forms["activity"]["notes"]
    assert ["score", "score"] in forms["lead"]["placeholders"]
    assert config["t"]["countRelated"] == "Also count related records"
    zh = logged_in(app, "zoe@example.com").get("/build/crm/todo").get_data(True)
    assert "待办设置：客户" in zh and "用一条记录预览" in zh
    assert data_of(zh, "data-config")["t"]["countRelated"] == "同时统计关联记录"
    assert logged_in(app, "mo@example.com").get("/build/crm/todo").status_code == 403
    assert logged_in(app, "eve@example.com").get("/build/nope/todo").status_code == 404


def test_the_page_saves_through_the_documents_api_and_a_bad_formula_is_refused_at_its_path(
        crm, app):
    client = logged_in(app, "eve@example.com")
    page = client.get("/build/crm/todo").get_data(True)
    doc = data_of(page, "data-doc")
    etag = re.search(r"data-etag='([^']*)'", page).group(1)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    headers = {"If-Match": etag, "X-CSRFToken": token}
    bad = copy.deepcopy(TODO)
    bad["hints"][1]["related"]["when"] = "{kind} + 1"
    bad["priority"]["lead"] = '"high"'
    refused = client.put("/api/v1/apps/crm", json={**doc, "todo": bad}, headers=headers)
    assert refused.status_code == 422, refused.get_data(True)
    paths = {e["path"] for e in refused.get_json()["errors"]}
    assert paths == {"/todo/priority/lead", "/todo/hints/1/related/when"}
    saved = client.put("/api/v1/apps/crm", json={**doc, "todo": TODO}, headers=headers)
    assert saved.status_code == 200, saved.get_data(True)
    assert crm["api"].ok("GET", "/apps/crm")["todo"] == TODO
    stale = client.put("/api/v1/apps/crm", json={**doc, "todo": {}}, headers=headers)
    assert stale.status_code == 409
    wrong = copy.deepcopy(TODO)
    wrong["follow_up"]["link"] = "kind"
    fresh = {"If-Match": saved.headers["ETag"], "X-CSRFToken": token}
    answer = client.put("/api/v1/apps/crm", json={**doc, "todo": wrong}, headers=fresh)
    assert answer.status_code == 422
    assert [e["path"] for e in answer.get_json()["errors"]] == ["/todo/follow_up/link"]


def preview(client, **body):
    return client.post("/build/crm/todo/preview", json=body, headers={"X-CSRFToken": "x"})


def test_the_preview_gives_the_priority_and_the_seeds_hints_of_a_record(crm, app, runtime):
    api, eve = crm["api"], crm["people"]["eve"]
    made = {n: api.create("crm", "lead", {"name": n, "score": s, "owner": eve})["id"]
            for n, s in (("A", 85), ("B", 40), ("C", 60))}
    for day in range(3):
        runtime.clock.set(T0 - (2 - day) * DAY)
        api.create("crm", "activity", {"lead": made["B"], "kind": "page_view",
                                       "page": "pricing"})
    before = rows(runtime, "SELECT count(*) AS n FROM crm__activity")[0]["n"]
    zh, en = logged_in(app, "zoe@example.com"), logged_in(app, "eve@example.com")
    a = preview(en, todo=TODO, form="lead", record_id=made["A"])
    assert a.status_code == 200, a.get_data(True)
    assert a.get_json() == {"form": "lead", "record_id": made["A"], "priority": 185.0,
                            "hint": "A reached a high intent score: call now", "rule": 0}
    b = preview(en, todo=TODO, form="lead", record_id=made["B"]).get_json()
    assert (b["priority"], b["rule"]) == (40.0, 1)
    assert b["hint"] == "B visited the pricing page 3 days running: send the comparison"
    c = preview(en, todo=TODO, form="lead", record_id=made["C"]).get_json()
    assert (c["priority"], c["hint"], c["rule"]) == (60.0, None, None)
    api.ok("PUT", "/apps/crm", json={"kind": "app", "key": "crm", "todo": TODO,
                                    "label": {"zh": "客户", "en": "CRM"}})
    drafted = preview(en, form="lead", record_id=made["B"]).get_json()  # the draft's
    assert drafted["rule"] == 1
    zoe = preview(zh, todo=TODO, form="lead", record_id=made["B"])  # not hers to read
    assert zoe.status_code == 404
    assert rows(runtime, "SELECT count(*) AS n FROM crm__activity")[0]["n"] == before


def test_the_preview_refuses_bad_settings_and_requests_at_their_paths(crm, app):
    api, eve = crm["api"], crm["people"]["eve"]
    lead = api.create("crm", "lead", {"name": "A", "score": 85, "owner": eve})["id"]
    client = logged_in(app, "eve@example.com")
    bad = copy.deepcopy(TODO)
    bad["hints"][0]["when"] = "{score} +"
    answer = preview(client, todo=bad, form="lead", record_id=lead)
    assert answer.status_code == 422
    assert [e["path"] for e in answer.get_json()["errors"]] == ["/todo/hints/0/when"]
    for body, path in (({"form": "lead"}, "/record_id"), ({"record_id": lead}, "/form"),
                       ({"todo": [], "form": "lead", "record_id": lead}, "/todo")):
        answer = preview(client, **body)
        assert answer.status_code == 422 and answer.get_json()["errors"][0]["path"] == path
    assert preview(client, todo=TODO, form="nope", record_id=lead).status_code == 404
    assert preview(client, todo=TODO, form="lead", record_id=999).status_code == 404
    member = logged_in(app, "mo@example.com")
    assert preview(member, todo=TODO, form="lead", record_id=lead).status_code == 403

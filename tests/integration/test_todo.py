"""The daily to-do list (每日待办) on a real database: the page and its count, ranking by the
app's priority formula, the seeds' two hints, every action in place and its refusals."""

from __future__ import annotations

import json
import re

import pytest

from tests.integration.helpers import logged_in, rows
from tests.integration.rules_executor_support import ACTIVITY, LEAD, activity_form, lead_form
from tests.integration.workflows_support import (
    DAY,
    T0,
    WORKFLOWS,
    edge,
    node,
    publish,
    tick,
    workflow,
)

HOUR = DAY / 24
PRICING = '{kind} = "page_view" AND {page} = "pricing"'
TODO = {
    "priority": {"lead": "{score}"},
    "hints": [
        {"form": "lead", "when": "{score} >= 80",
         "text": {"zh": "客户{name}已达到高意向分数，请立即电话联系",
                  "en": "{name} reached a high intent score: call now"}},
        {"form": "lead", "related": {"form": "activity", "link": "lead", "when": PRICING,
                                     "days": 3, "per": "day", "min": 3},
         "text": {"zh": "客户{name}已连续{related}天访问定价页，建议发送产品对比资料",
                  "en": "{name} visited the pricing page {related} days running: send the "
                        "product comparison"}}],
    "follow_up": {"form": "activity", "link": "lead", "note": "note"},
}


def flows() -> list[dict]:
    approve = workflow(
        "call", [node("start", "trigger", on="manual"),
                 node("ok", "approval", assignees=[{"role": "manager"}], due={"hours": 4},
                      title={"zh": "跟进 {name}", "en": "Follow up {name}"}),
                 node("end", "end"), node("no", "end", status="rejected")],
        [edge("start", "ok"), edge("ok", "end", on="approved"), edge("ok", "no", on="rejected"),
         edge("ok", "end", on="returned")])
    task = workflow(
        "visit", [node("start", "trigger", on="manual"),
                  node("do", "task", assignees=[{"role": "manager"}], due={"days": 2},
                       title={"zh": "拜访 {name}", "en": "Visit {name}"}),
                  node("end", "end")],
        [edge("start", "do"), edge("do", "end")])
    return [approve, task]


@pytest.fixture
def crm(admin_api, factory, runtime):
    runtime.clock.set(T0 - 2 * DAY)
    factory.app_doc(admin_api)
    factory.form(admin_api, lead_form())
    factory.form(admin_api, activity_form())
    admin_api.ok("PUT", "/apps/crm", json={"kind": "app", "key": "crm",
                                          "label": {"zh": "客户", "en": "CRM"}, "todo": TODO})
    admin_api.ok("POST", "/apps/crm/publish")
    for doc in flows():
        publish(admin_api, doc)
    return admin_api


@pytest.fixture
def people(factory):
    return {"boss": factory.user("boss@example.com", ["manager", "member"], name="经理",
                                 locale="zh"),
            "other": factory.user("other@example.com", ["member"], name="Other")}


def leads(api, runtime, owner: int) -> dict[str, int]:
    """A: score 85; B: score 40, on the pricing page each of the last 3 days; C: score 60."""
    made = {n: api.create("crm", "lead", {"name": n, "score": s, "owner": owner})["id"]
            for n, s in (("A", 85), ("B", 40), ("C", 60))}
    for day in range(3):
        runtime.clock.set(T0 - (2 - day) * DAY)
        api.create("crm", "activity", {"lead": made["B"], "kind": "page_view",
                                       "page": "pricing"})
    return made


def start(api, runtime, key: str, record_id: int) -> None:
    api.ok("POST", f"{WORKFLOWS}/{key}/start", 201, json={"record_id": record_id})
    tick(runtime, runtime.clock.now() + HOUR / 60)


@pytest.fixture
def todo(crm, people, runtime, app):
    made = leads(crm, runtime, people["boss"])
    for name in ("A", "B", "C"):
        start(crm, runtime, "call", made[name])
    start(crm, runtime, "visit", made["C"])
    ids = {(json.loads(r["title"]) if isinstance(r["title"], str) else r["title"])["en"]: r["id"]
           for r in rows(runtime, "SELECT id, title FROM workflow_tasks")}
    return {"made": made, "tasks": ids, "boss": logged_in(app, "boss@example.com"),
            "other": logged_in(app, "other@example.com")}


def order(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-task="(\d+)"', html)]


def test_the_list_ranks_by_the_apps_priority_and_shows_the_seeds_hints(todo, runtime):
    page = todo["boss"].get("/todo").get_data(as_text=True)
    t = todo["tasks"]
    assert order(page) == [t["Follow up A"], t["Follow up C"], t["Visit C"], t["Follow up B"]]
    assert "客户A已达到高意向分数，请立即电话联系" in page
    assert "客户B已连续3天访问定价页，建议发送产品对比资料" in page
    assert "今天 13:01" in page  # due 4 h after 09:01 in Shanghai
    count = todo["boss"].get("/todo/_count").get_data(as_text=True)
    assert 'data-open="4"' in count and 'data-overdue="0"' in count
    runtime.clock.set(T0 + 5 * HOUR)  # the approvals are overdue now, the visit is not
    page = todo["boss"].get("/todo?show=overdue").get_data(as_text=True)
    assert order(page) == [t["Follow up A"], t["Follow up C"], t["Follow up B"]]
    assert "超期" in page
    assert 'data-overdue="3"' in todo["boss"].get("/todo/_count").get_data(as_text=True)
    only = todo["boss"].get("/todo?kind=task").get_data(as_text=True)
    assert order(only) == [t["Visit C"]]
    visits = todo["boss"].get("/todo?workflow=visit").get_data(as_text=True)
    assert order(visits) == [t["Visit C"]] and 'data-filter="overdue"' in visits


def test_the_hint_needs_three_days_on_the_pricing_page(todo, runtime):
    runtime.clock.set(T0 + 1 * DAY + HOUR)  # the oldest visit is out of the last 3 days
    page = todo["boss"].get("/todo").get_data(as_text=True)
    assert "访问定价页" not in page and "客户A已达到高意向分数" in page


def act(client, task: int, action: str, **data):
    return client.post(f"/todo/{task}/{action}", data=data)


def test_approve_reject_return_and_complete_in_place(todo, crm, runtime):
    t, boss = todo["tasks"], todo["boss"]
    done = act(boss, t["Follow up A"], "approve")
    assert done.status_code == 200 and done.headers["HX-Trigger"] == "todo-changed"
    assert t["Follow up A"] not in order(done.get_data(as_text=True))
    refused = act(boss, t["Follow up B"], "reject")
    assert refused.status_code == 422
    assert refused.get_json() == {"problems": [{"path": "/comment", "message": "say why"}]}
    assert act(boss, t["Follow up B"], "reject", comment="不合适").status_code == 200
    assert act(boss, t["Follow up C"], "return", comment="补充资料").status_code == 200
    assert act(boss, t["Visit C"], "complete").status_code == 200
    tick(runtime, runtime.clock.now() + HOUR)
    found = {r["record_id"]: r["status"] for r in rows(
        runtime, "SELECT record_id, status FROM workflow_instances WHERE workflow = 'call'")}
    m = todo["made"]
    assert found == {m["A"]: "completed", m["B"]: "rejected", m["C"]: "completed"}
    assert order(boss.get("/todo").get_data(as_text=True)) == []
    assert act(boss, t["Visit C"], "complete").status_code == 409  # done already


def test_only_the_assignee_acts(todo, people):
    t = todo["tasks"]
    refused = act(todo["other"], t["Follow up A"], "approve")
    assert refused.status_code == 403
    assert refused.get_json()["problems"][0]["message"] == "this task is someone else's"
    assert act(todo["other"], t["Visit C"], "snooze", until="2030-01-01T09:00").status_code \
        == 403
    assert act(todo["boss"], 999999, "approve").status_code == 404


def test_reassign_to_someone_from_the_directory(todo, people):
    t, boss = todo["tasks"], todo["boss"]
    assert act(boss, t["Visit C"], "reassign", user="x").get_json()["problems"][0]["path"] \
        == "/user"
    assert act(boss, t["Visit C"], "reassign", user=str(people["other"])).status_code == 200
    assert t["Visit C"] not in order(boss.get("/todo").get_data(as_text=True))
    assert order(todo["other"].get("/todo").get_data(as_text=True)) == [t["Visit C"]]


def test_snooze_until_a_time(todo, runtime):
    t, boss = todo["tasks"], todo["boss"]
    past = act(boss, t["Visit C"], "snooze", until="2020-01-01T09:00")
    assert past.status_code == 422 and past.get_json()["problems"][0]["path"] == "/until"
    assert act(boss, t["Visit C"], "snooze", until="nope").status_code == 422
    assert act(boss, t["Visit C"], "snooze", until="2026-03-03T09:00").status_code == 200
    assert t["Visit C"] not in order(boss.get("/todo").get_data(as_text=True))
    assert 'data-open="3"' in boss.get("/todo/_count").get_data(as_text=True)
    runtime.clock.set(T0 + DAY + HOUR)  # 09:00 Shanghai on the 3rd is 01:00 UTC
    assert t["Visit C"] in order(boss.get("/todo").get_data(as_text=True))


def test_a_follow_up_becomes_an_activity_of_the_lead(todo, crm, runtime):
    t, boss = todo["tasks"], todo["boss"]
    assert act(boss, t["Follow up A"], "follow_up", text=" ").status_code == 422
    page = act(boss, t["Follow up A"], "follow_up", text="已电话沟通，约了演示")
    assert page.status_code == 200 and "已电话沟通，约了演示" in page.get_data(as_text=True)
    found = crm.ok("GET", ACTIVITY)
    notes = [r for r in found["records"] if r.get("note") == "已电话沟通，约了演示"]
    assert len(notes) == 1 and notes[0]["lead"] in (todo["made"]["A"],
                                                   {"id": todo["made"]["A"]})
    assert crm.ok("GET", f"{LEAD}/{todo['made']['A']}")["name"] == "A"


def test_the_todo_settings_are_checked_at_save(crm):
    bad = {**TODO, "priority": {"lead": "{name}"},
           "hints": [{**TODO["hints"][1], "related": {**TODO["hints"][1]["related"],
                                                       "link": "page"}}]}
    answer = crm.request("PUT", "/apps/crm", json={"kind": "app", "key": "crm",
                                                   "label": "CRM", "todo": bad})
    assert answer.status_code == 422, answer.get_data(as_text=True)
    paths = {p["path"] for p in answer.get_json()["errors"]}
    assert "/todo/hints/0/related/link" in paths


def test_the_api_lists_the_same_ranking_and_hints_and_snoozes(todo, factory, people):
    api, t = factory.api(people["boss"]), todo["tasks"]
    listed = api.ok("GET", "/todo")["tasks"]
    assert [x["id"] for x in listed] == [t["Follow up A"], t["Follow up C"], t["Visit C"],
                                         t["Follow up B"]]
    assert listed[0]["priority"] == 85 and listed[3]["hint"].startswith("B visited")
    bad = api.request("POST", f"/tasks/{t['Visit C']}/snooze", json={"until": "2030-01-01"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["path"] == "/until"
    done = api.ok("POST", f"/tasks/{t['Visit C']}/snooze", json={"until": "2030-01-01T09:00Z"})
    assert done["snoozed_until"].startswith("2030-01-01T09:00")
    noted = api.ok("POST", f"/tasks/{t['Follow up C']}/follow_up", json={"text": "called"})
    assert noted["id"] == t["Follow up C"]
    assert [x["id"] for x in api.ok("GET", "/todo")["tasks"]] == [
        t["Follow up A"], t["Follow up C"], t["Follow up B"]]
    other = factory.api(people["other"])
    assert other.request("POST", f"/tasks/{t['Follow up A']}/follow_up",
                         json={"text": "x"}).status_code == 403


def test_reminded_and_escalated_show_on_the_task(crm, people, runtime, app, factory):
    chase = workflow(
        "chase", [node("start", "trigger", on="manual"),
                  node("do", "task", assignees=[{"role": "manager"}], due={"hours": 4},
                       remind_before={"hours": 1}, escalate_after={"hours": 1},
                       escalate_to=[{"user": people["other"]}],
                       title={"zh": "催办 {name}", "en": "Chase {name}"}),
                  node("end", "end")],
        [edge("start", "do"), edge("do", "end")])
    publish(crm, chase)
    runtime.clock.set(T0)
    lead = crm.create("crm", "lead", {"name": "D", "score": 10, "owner": people["boss"]})
    start(crm, runtime, "chase", lead["id"])
    boss = logged_in(app, "boss@example.com")
    item = boss.get("/todo").get_data(as_text=True)
    assert "已提醒" not in item and "已升级" not in item
    tick(runtime, T0 + 3 * HOUR + HOUR / 2)  # an hour before it is due: the reminder
    item = boss.get("/todo").get_data(as_text=True)
    assert "已提醒" in item and "已升级" not in item
    tick(runtime, T0 + 5 * HOUR + HOUR / 2)  # an hour past it: escalated
    item = boss.get("/todo").get_data(as_text=True)
    assert "已提醒" in item and "已升级" in item and "超期 1 小时" in item
    [task] = factory.api(people["boss"]).ok("GET", "/todo")["tasks"]
    assert (task["reminded"], task["escalated"], task["overdue"]) == (True, True, True)

"""Finding duplicates over a whole form (issue 10): records stored before the match rules were
published are keyed again and matched by a real RQ worker — merged (transitively, undoably)
by merging rules, queued for review by review rules, a pair kept apart never merged; the
progress kept in a row; one scan per form at a time (409); only those who may update every
record start one; a scan killed half-way resumes after the last record it kept, merging
nothing twice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.helpers import assert_error, field, form_doc, publish, rows
from tests.integration.test_exports import work
from tests.support import Factory

FORM = "/apps/crm/forms/lead"
RECORDS = FORM + "/records"
SCANS = FORM + "/identity/scans"
RULES = [{"key": "phone", "fields": ["phone"]},
         {"key": "email", "fields": ["email"]},
         {"key": "wechat", "fields": ["wechat"], "then": "review"},
         {"key": "name_company", "fuzzy": {"name": 0.9, "company": 0.85}, "then": "review"},
         {"key": "name_city", "fuzzy": {"name": 0.95, "city": 0.95}}]
FIELDS = [field("name"), field("phone", "phone"), field("email", "email"), field("company"),
          field("city"), field("wechat"), field("visits", "number")]


def lead_doc(rules: list[dict] | None = None) -> dict:
    identity = {"match": rules, "merge": {"fields": {"visits": "sum"}}} if rules else None
    extra = {"identity": identity} if identity else {}
    return form_doc("lead", FIELDS, title_field="name", permissions={"roles": {
        "member": {"create": "all", "read": "all", "update": "own", "delete": "own"}}},
        **extra)


@pytest.fixture
def crm(fresh_app, redis_url):
    app = fresh_app(REDIS_URL=redis_url)
    factory = Factory(app)
    admin = factory.api(factory.user("admin@example.com", ["admin"], name="Ada"))
    member = factory.api(factory.user("mia@example.com", ["member"], name="Mia"))
    factory.app_doc(admin)
    publish(admin, lead_doc())  # no rules yet: every record is stored as it came
    return {"app": app, "admin": admin, "member": member,
            "runtime": app.extensions["trellis"]}


def add(api, **values) -> int:
    return api.ok("POST", RECORDS, 201, json=values)["id"]


def scan(api, app) -> dict:
    started = api.ok("POST", SCANS, 202)
    assert started["status"] == "queued"
    work(app)
    return api.ok("GET", f"{SCANS}/{started['id']}")


def live_ids(api) -> list[int]:
    return [r["id"] for r in api.ok("GET", RECORDS + "?per_page=1000&sort=id")["records"]]


def open_pairs(api) -> list[tuple[int, int, str]]:
    found = api.ok("GET", FORM + "/identity/candidates")["candidates"]
    return sorted((p["records"][0]["id"], p["records"][1]["id"], p["rule"]) for p in found)


def test_a_scan_merges_by_merging_rules_and_queues_by_review_rules(crm):
    admin, app = crm["admin"], crm["app"]
    a = add(admin, name="王伟", phone="138 0013 8000", visits=1)
    b = add(admin, name="Wang Wei", phone="+86 13800138000", email="w@example.com", visits=2)
    c = add(admin, email="W@EXAMPLE.COM", company="Acme", visits=4)  # A~B by phone, B~C by email
    d = add(admin, name="张三", company="字节跳动有限公司")
    e = add(admin, name="Zhang San", company="字节跳动")  # alike: for review
    f = add(admin, name="李四", city="深圳", wechat="li4")
    g = add(admin, name="李 四", city="深圳")  # alike by name and city: merged
    h = add(admin, name="赵六", wechat="li4")  # the same WeChat id as f: for review
    lone = add(admin, name="孙七", phone="13900139000")
    publish(admin, lead_doc(RULES))
    done = scan(admin, app)
    assert (done["status"], done["phase"], done["total"], done["processed"]) == (
        "done", "matching", 9, 9)
    assert (done["merged"], done["queued"]) == (3, 2)
    assert done["started_at"] and done["finished_at"] and done["error"] is None
    assert live_ids(admin) == [a, d, e, f, h, lone]
    kept = admin.ok("GET", f"{RECORDS}/{a}")
    assert (kept["email"], kept["company"], kept["visits"]) == ("w@example.com", "Acme", 7)
    assert admin.get(f"{RECORDS}/{c}").get_json()["merged_into"] == a
    assert admin.ok("GET", f"{RECORDS}/{f}")["city"] == "深圳"
    assert open_pairs(admin) == [(d, e, "name_company"), (f, h, "wechat")]
    merges = admin.ok("GET", FORM + "/merges")["merges"]
    assert sorted((m["survivor"], tuple(m["merged"]), m["rule"], m["via"]) for m in merges) == [
        (a, (b,), "phone", "scan"), (a, (c,), "email", "scan"), (f, (g,), "name_city", "scan")]
    # every merge can be undone, as any other
    undone = admin.ok("POST", f"{FORM}/merges/{merges[0]['id']}/undo")
    assert undone["restored"] == [merges[0]["merged"][0]]
    # scanning again finds nothing new: the pairs are queued already, the merges are made
    again = scan(admin, app)
    assert (again["merged"], again["queued"]) == (1, 0)  # the undone merge is found again
    assert [s["id"] for s in admin.ok("GET", SCANS)["scans"]] == [again["id"], done["id"]]


def test_a_pair_kept_apart_stays_apart_when_the_rules_change(crm):
    admin, app = crm["admin"], crm["app"]
    p = add(admin, name="周八", city="上海")
    q = add(admin, name="周 八", city="上海")
    as_review = [dict(RULES[4], then="review")]
    publish(admin, lead_doc(as_review))
    assert scan(admin, app)["queued"] == 1
    [pair] = admin.ok("GET", FORM + "/identity/candidates")["candidates"]
    admin.ok("POST", f"{FORM}/identity/candidates/{pair['id']}/distinct")
    publish(admin, lead_doc([RULES[4]]))  # the same rule now merges
    done = scan(admin, app)
    assert (done["merged"], done["queued"]) == (0, 0)
    assert live_ids(admin) == [p, q]
    assert open_pairs(admin) == []


def test_one_scan_per_form_at_a_time_and_only_by_who_may_update_all(crm):
    admin, member, app = crm["admin"], crm["member"], crm["app"]
    add(admin, name="王伟", phone="13800138000")
    assert_error(admin.post(SCANS), 422, "/identity/match")  # no rules published yet
    publish(admin, lead_doc(RULES))
    first = admin.ok("POST", SCANS, 202)
    second = admin.post(SCANS)
    assert second.status_code == 409
    body = second.get_json()
    assert body["scan"]["id"] == first["id"] and body["errors"][0]["path"] == ""
    assert second.headers["Location"].endswith(f"/identity/scans/{first['id']}")
    assert_error(member.post(SCANS), 403, "", "update all records")
    assert_error(member.get(SCANS), 403)
    assert_error(member.get(f"{SCANS}/{first['id']}"), 403)
    assert_error(admin.get(f"{SCANS}/999999"), 404)
    work(app)
    assert admin.ok("GET", f"{SCANS}/{first['id']}")["status"] == "done"
    assert admin.ok("POST", SCANS, 202)["id"] != first["id"]  # done: another may start
    assert len(rows(crm["runtime"], "SELECT * FROM identity_scans")) == 2


def _duplicates(admin, n: int) -> list[int]:
    """``n`` people, each stored three times (by phone, by phone and e-mail, by e-mail)."""
    ids = []
    for i in range(n):
        phone, email = f"1380000{i:04d}", f"p{i}@example.com"
        ids += [add(admin, name=f"客户{i}", phone=phone),
                add(admin, phone=phone, email=email), add(admin, email=email.upper())]
    return ids


def test_a_killed_scan_resumes_after_the_last_record_it_kept(crm, monkeypatch):
    from runtime.identity import scan_job
    from runtime.jobs.tasks import ResumeScans

    admin, app, runtime = crm["admin"], crm["app"], crm["runtime"]
    ids = _duplicates(admin, 6)
    publish(admin, lead_doc(RULES))
    monkeypatch.setattr(scan_job, "BATCH", 4)
    calls = []

    def dies_after_two_batches(progress):
        calls.append(progress["processed"])
        if len(calls) == 3:  # the keys, then two batches
            raise SystemExit("worker killed")  # as a SIGKILL: nothing after this batch runs

    started = admin.ok("POST", SCANS, 202)
    with pytest.raises(SystemExit):
        scan_job.ScanJob(runtime, started["id"], on_progress=dies_after_two_batches).run()
    stopped = admin.ok("GET", f"{SCANS}/{started['id']}")
    assert (stopped["status"], stopped["processed"], stopped["total"]) == ("running", 8, 18)
    assert stopped["merged"] == 5  # people 0 and 1 whole, person 2's second record
    assert ResumeScans().run(runtime, runtime.clock.now()) == "no stalled scans"
    runtime.clock.set(runtime.clock.now() + timedelta(minutes=2))  # its job stopped beating
    assert ResumeScans().run(runtime, runtime.clock.now()) == "resumed 1 scan(s)"
    work(app)
    done = admin.ok("GET", f"{SCANS}/{started['id']}")
    assert (done["status"], done["processed"], done["merged"]) == ("done", 18, 12)
    assert live_ids(admin) == ids[::3]
    merges = admin.ok("GET", FORM + "/merges")["merges"]
    away = [m for merge in merges for m in merge["merged"]]
    assert len(away) == len(set(away)) == 12  # none merged twice


KILLED_WORKER = """
import os, signal, sys
from app import create_app
from runtime.identity import scan_job

url, instance, scan_id = sys.argv[1:4]
app = create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_PATH": instance,
                  "SECRET_KEY": "test-secret"})
scan_job.BATCH = 4
done = []
def killed(progress):
    done.append(progress)
    if len(done) == 3:
        os.kill(os.getpid(), signal.SIGKILL)
with app.app_context():
    scan_job.ScanJob(app.extensions["trellis"], int(scan_id), on_progress=killed).run()
"""


def test_a_scan_resumes_after_its_worker_is_sigkilled(crm, tmp_path):
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from runtime.jobs.tasks import ResumeScans

    admin, app, runtime = crm["admin"], crm["app"], crm["runtime"]
    ids = _duplicates(admin, 5)
    publish(admin, lead_doc(RULES))
    started = admin.ok("POST", SCANS, 202)
    worker = subprocess.run(
        [sys.executable, "-c", KILLED_WORKER, str(runtime.engine.url), str(tmp_path / "w"),
         str(started["id"])],
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=120)
    assert worker.returncode == -signal.SIGKILL, worker.stderr
    assert admin.ok("GET", f"{SCANS}/{started['id']}")["processed"] == 8
    runtime.clock.set(runtime.clock.now() + timedelta(minutes=2))
    assert ResumeScans().run(runtime, runtime.clock.now()) == "resumed 1 scan(s)"
    work(app)
    done = admin.ok("GET", f"{SCANS}/{started['id']}")
    assert (done["status"], done["processed"], done["merged"]) == ("done", 15, 10)
    assert live_ids(admin) == ids[::3]
    away = [m for merge in admin.ok("GET", FORM + "/merges")["merges"] for m in merge["merged"]]
    assert len(away) == len(set(away)) == 10


# -- the pages ---------------------------------------------------------------------------------
def test_the_review_queue_and_the_builder_start_a_scan_and_show_its_progress(crm):
    from tests.integration.helpers import logged_in

    admin, app = crm["admin"], crm["app"]
    _duplicates(admin, 2)
    add(admin, name="张三", company="字节跳动有限公司")
    add(admin, name="Zhang San", company="字节跳动")
    publish(admin, lead_doc(RULES))
    client = logged_in(app)
    client.post("/locale", data={"lang": "zh"})
    page = client.get("/a/crm/lead/duplicates").get_data(as_text=True)
    assert 'data-scan-status="none"' in page and "查找全部记录中的重复" in page
    started = client.post("/a/crm/lead/duplicates/scan", headers={"HX-Request": "true"})
    html = started.get_data(as_text=True)
    assert started.status_code == 200 and 'hx-trigger="every 1s"' in html
    assert 'data-scan-state="queued"' in html and "data-scan-start" not in html
    again = client.post("/a/crm/lead/duplicates/scan", headers={"HX-Request": "true"})
    assert again.get_data(as_text=True).count('data-scan-state="queued"') == 1  # the same one
    work(app)
    done = client.get("/a/crm/lead/duplicates/scan").get_data(as_text=True)
    assert 'data-scan-state="done"' in done and "every 1s" not in done
    assert "合并了 4 条记录" in done and "1 对新的记录等待审核" in done
    assert 'href="/a/crm/lead/merges"' in done and 'href="/a/crm/lead/duplicates"' in done
    history = client.get("/a/crm/lead/merges").get_data(as_text=True)
    assert "查找重复" in history
    builder = client.get("/build/crm/forms/lead/identity").get_data(as_text=True)
    assert 'id="identity-scan-slot"' in builder and 'data-scan-state="done"' in builder
    # one who may update only their own records is not offered the panel, nor may post
    member = logged_in(app, "mia@example.com")
    assert member.get("/a/crm/lead/duplicates/scan").status_code == 403
    plain = member.post("/a/crm/lead/duplicates/scan")
    assert plain.status_code == 303
    assert [s["id"] for s in admin.ok("GET", SCANS)["scans"]] == [1]


def test_an_import_offers_to_find_duplicates_when_it_is_done(crm):
    import io

    from tests.integration.helpers import logged_in

    admin, app = crm["admin"], crm["app"]
    publish(admin, lead_doc(RULES))
    data = "name,phone\n王伟,13800138000\n李娜,13900139000\n".encode()
    imp = admin.post(FORM + "/imports", data={"file": (io.BytesIO(data), "leads.csv")},
                     content_type="multipart/form-data").get_json()
    work(app)
    client = logged_in(app)
    page = client.get(f"/a/crm/lead/import/{imp['id']}").get_data(as_text=True)
    assert 'action="/a/crm/lead/duplicates/scan"' in page and "data-import-scan" in page
    started = client.post("/a/crm/lead/duplicates/scan")
    assert started.status_code == 303 and started.headers["Location"].endswith(
        "/a/crm/lead/duplicates")
    [scan_row] = admin.ok("GET", SCANS)["scans"]
    assert scan_row["status"] == "queued"

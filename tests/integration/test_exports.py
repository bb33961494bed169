"""Exports through the API: the list's filter, sort and search, the reader's row scope and
hidden fields, values as people read them, no formula a spreadsheet would run; long lists in
the background by a real RQ worker, the file its requester's alone until it expires."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from tests.integration.helpers import STAGES, assert_error, field, form_doc, publish
from tests.support import Factory

BASE = "/apps/crm/forms/deal/records"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# (text fields trim a leading tab or line end; tests/unit/runtime/exports covers those)
NASTY = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "=1+1 文字"]


def deal_doc() -> dict:
    return form_doc("deal", [
        field("title", label={"zh": "标题", "en": "Title"}, required=True),
        field("stage", "select", label={"zh": "阶段", "en": "Stage"}, config=STAGES),
        field("amount", "number", label={"zh": "金额", "en": "Amount"}),
        field("place", "region", label={"zh": "地区", "en": "Region"}),
        field("manager", "user", label={"zh": "负责人", "en": "Manager"}),
        field("secret", label={"zh": "机密", "en": "Secret"}),
    ], label={"zh": "商机", "en": "Deal"}, title_field="title",
        permissions={"roles": {"member": {"create": "all", "read": "own", "update": "own",
                                          "delete": "own", "hidden_fields": ["secret"]}}})


def setup(app) -> dict:
    factory = Factory(app)
    admin = factory.api(factory.user("admin@example.com", ["admin"], name="Ada"))
    member = factory.api(factory.user("mia@example.com", ["member"], name="Mia"))
    factory.app_doc(admin)
    publish(admin, deal_doc())
    return {"admin": admin, "member": member, "factory": factory}


@pytest.fixture
def crm(app) -> dict:
    return setup(app)


def rows_of_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(True)[:500]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads UTF-8
    assert b"\r\n" in body
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def sheet_of(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def export(api, fmt: str = "csv", **params):
    query = "&".join(f"{k}={v}" for k, v in {"format": fmt, **params}.items())
    return api.post(f"{BASE}/export?{query}")


def test_csv_shows_values_as_people_read_them_and_never_a_formula(crm):
    admin = crm["admin"]
    admin.create("crm", "deal", {"title": "华为大单", "stage": "won", "amount": -5,
                                 "place": {"province": "广东省", "city": "深圳市"},
                                 "manager": crm["member"].user_id, "secret": "s1"})
    for i, text in enumerate(NASTY):
        admin.create("crm", "deal", {"title": text, "amount": i})
    rows = rows_of_csv(export(admin, lang="zh", sort="amount",
                              columns="id,title,stage,amount,place,manager,owner,created_at"))
    assert rows[0] == ["编号", "标题", "阶段", "金额", "地区", "负责人", "所有者", "创建时间"]
    first = rows[1]
    assert first[1:6] == ["华为大单", "成交", "-5", "广东省 深圳市", "Mia"]
    assert first[6] == "Ada" and first[7].startswith("20")  # local time, to the minute
    titles = [r[1] for r in rows[2:]]
    assert titles == ["'" + t for t in NASTY]  # a leading apostrophe: text, never a formula
    english = rows_of_csv(export(admin, lang="en", columns="title,stage", sort="-amount"))
    assert english[0] == ["Title", "Stage"] and english[-1] == ["华为大单", "Won"]


def test_xlsx_keeps_text_as_text_and_numbers_as_numbers(crm):
    admin = crm["admin"]
    for i, text in enumerate(NASTY):
        admin.create("crm", "deal", {"title": text, "amount": -i, "stage": "lost"})
    response = export(admin, "xlsx", lang="en", sort="-amount", columns="title,amount,stage")
    assert response.status_code == 200 and response.mimetype == XLSX
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    sheet = sheet_of(response.get_data())
    assert sheet.title == "Deal"
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]] == ["Title", "Amount", "Stage"]
    for text, row in zip(NASTY, rows[1:], strict=True):
        title, amount, stage = row
        assert (title.value, title.data_type, title.quotePrefix) == (text, "s", True)
        assert amount.data_type == "n" and stage.value == "Lost"
    assert [r[1].value for r in rows[1:]] == [0, -1, -2, -3, -4]


def test_the_readers_rows_filter_search_and_hidden_fields(crm):
    admin, member = crm["admin"], crm["member"]
    for n, stage in enumerate(["new", "won", "won"]):
        member.create("crm", "deal", {"title": f"mine {n}", "stage": stage})
    admin.create("crm", "deal", {"title": "not mine", "stage": "won"})
    rows = rows_of_csv(export(member, lang="en"))
    header = rows[0]
    assert "Secret" not in header and header[:2] == ["No.", "Title"]
    assert sorted(r[1] for r in rows[1:]) == ["mine 0", "mine 1", "mine 2"]
    won = rows_of_csv(export(member, lang="en", columns="title", sort="title",
                             filter='{"stage":"won"}'))
    assert won == [["Title"], ["mine 1"], ["mine 2"]]
    found = rows_of_csv(export(member, lang="en", columns="title", q="mine%201"))
    assert found == [["Title"], ["mine 1"]]
    formula = rows_of_csv(export(member, lang="en", columns="title", sort="-title",
                                 filter='{stage}="won"'))
    assert formula == [["Title"], ["mine 2"], ["mine 1"]]
    assert_error(export(member, columns="title,secret"), 400, "/columns", "secret")
    assert_error(export(member, filter='{"secret":"x"}'), 400)
    assert_error(export(member, "pdf"), 400, "/format")
    assert_error(export(member, lang="fr"), 400, "/lang")
    reader = crm["factory"].api(member.user_id, ["metadata:read"])
    assert_error(export(reader), 403)


# -- in the background -------------------------------------------------------------------------
@pytest.fixture
def background(fresh_app, redis_url):
    app = fresh_app(REDIS_URL=redis_url, EXPORT_INLINE_ROWS=3)
    return app, setup(app)


def at(url: str) -> str:
    """An address the API gave out, as the test client's path (it adds /api/v1 itself)."""
    return url.removeprefix("/api/v1")


def work(app) -> None:
    """Run the queued jobs in a real RQ worker (in this process, on the test's app)."""
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    import app.jobs as jobs
    from runtime.jobs.worker import queue

    q = queue(app)
    jobs._app = app
    try:
        SimpleWorker([q], connection=q.connection, serializer=JSONSerializer).work(burst=True)
    finally:
        jobs._app = None


def test_a_long_list_is_exported_by_a_worker_for_its_requester_alone(background):
    app, crm = background
    admin = crm["admin"]
    runtime = app.extensions["trellis"]
    admin.ok("POST", f"{BASE}/bulk", json=[{"title": f"=deal {n}", "amount": n}
                                          for n in range(7)])
    response = export(admin, "xlsx", lang="zh", sort="amount", columns="title,amount")
    assert response.status_code == 202, response.get_data(True)
    started = response.get_json()
    assert response.headers["Location"] == started["url"]
    assert (started["status"], started["file_url"]) == ("queued", None)
    assert_error(admin.get(at(started["url"]) + "/file"), 409, "", "not finished")
    other = crm["member"]
    assert_error(other.get(at(started["url"])), 404)  # not theirs: not there
    work(app)
    done = admin.ok("GET", at(started["url"]))
    assert (done["status"], done["done"], done["total"]) == ("done", 7, 7)
    file = admin.get(at(done["file_url"]))
    assert file.status_code == 200 and file.mimetype == XLSX
    assert_error(other.get(at(done["file_url"])), 404)
    values = [[c.value for c in r] for r in sheet_of(file.get_data()).iter_rows()]
    assert values[0] == ["标题", "金额"]
    assert values[1:] == [[f"=deal {n}", n] for n in range(7)]
    path = runtime.settings["export_dir"] + f"/{started['id']}.xlsx"
    import os

    assert os.stat(path).st_mode & 0o077 == 0  # the requester's data: nobody else's to read
    # once expired it is gone, and the scheduler's task deletes the file
    runtime.clock.set(runtime.clock.now() + timedelta(hours=25))
    assert_error(admin.get(at(started["url"])), 404)
    from runtime.jobs.tasks import PurgeExpiredExports

    assert PurgeExpiredExports().run(runtime, runtime.clock.now()) == "purged 1 expired export(s)"
    assert not os.path.exists(path)


def test_a_background_export_applies_the_readers_scope_and_fails_clearly(background):
    app, crm = background
    member, admin = crm["member"], crm["admin"]
    member.ok("POST", f"{BASE}/bulk", json=[{"title": f"m{n}"} for n in range(4)])
    admin.ok("POST", f"{BASE}/bulk", json=[{"title": f"a{n}"} for n in range(4)])
    started = export(member, "csv", lang="en", sort="title").get_json()
    assert_error(export(member, "csv", filter="{nope} > 1"), 400, "/filter", "nope")
    work(app)
    file = member.get(at(member.ok("GET", at(started["url"]))["file_url"]))
    rows = list(csv.reader(io.StringIO(file.get_data().decode("utf-8-sig"))))
    assert "Secret" not in rows[0] and [r[1] for r in rows[1:]] == ["m0", "m1", "m2", "m3"]


def test_at_most_three_unfinished_exports_per_person(background):
    app, crm = background
    admin = crm["admin"]
    admin.ok("POST", f"{BASE}/bulk", json=[{"title": f"d{n}"} for n in range(5)])
    for _ in range(3):
        assert export(admin).status_code == 202
    assert_error(export(admin), 409, "", "exports running")
    work(app)
    assert export(admin).status_code == 202


def test_without_a_job_queue_the_export_fails_at_once(fresh_app):
    app = fresh_app(REDIS_URL="redis://127.0.0.1:9/0", EXPORT_INLINE_ROWS=1)
    crm = setup(app)
    crm["admin"].ok("POST", f"{BASE}/bulk", json=[{"title": "a"}, {"title": "b"}])
    assert_error(export(crm["admin"]), 503, "", "job queue is not reachable")

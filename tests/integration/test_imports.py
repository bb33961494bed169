"""File imports (issue 10): CSV in any office encoding and XLSX, columns mapped from their
names, every row through the same checks and cleaning as the API, by a real RQ worker; failed
rows downloadable as they were; a dry run that keeps nothing; undo of a whole import; a job
killed half-way resumed without importing a row twice."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from openpyxl import Workbook

from tests.integration.helpers import STAGES, assert_error, field, form_doc, publish, rows
from tests.integration.test_exports import work
from tests.support import Factory

IMPORTS = "/apps/crm/forms/lead/imports"
RECORDS = "/apps/crm/forms/lead/records"


def lead_doc() -> dict:
    return form_doc("lead", [
        field("name", label={"zh": "姓名", "en": "Name"}, required=True),
        field("phone", "phone", label={"zh": "手机", "en": "Mobile"}),
        field("email", "email", label={"zh": "邮箱", "en": "Email"}),
        field("area", "region", label={"zh": "所在地区", "en": "Region"}),
        field("stage", "select", label={"zh": "阶段", "en": "Stage"}, config=STAGES),
        field("staff", "number", label={"zh": "员工人数", "en": "Employees"}),
        field("note", label={"zh": "备注", "en": "Note"}),
        field("came_from", "touch", label={"zh": "首次来源", "en": "First source"},
              config={"touch": "first", "part": "source"}),
    ], label={"zh": "线索", "en": "Lead"}, title_field="name",
        permissions={"roles": {"member": {"create": "all", "read": "own", "update": "own",
                                          "delete": "own"}}})


@pytest.fixture
def crm(fresh_app, redis_url):
    app = fresh_app(REDIS_URL=redis_url)
    factory = Factory(app)
    admin = factory.api(factory.user("admin@example.com", ["admin"], name="Ada"))
    member = factory.api(factory.user("mia@example.com", ["member"], name="Mia"))
    factory.app_doc(admin)
    publish(admin, lead_doc())
    return {"app": app, "admin": admin, "member": member,
            "runtime": app.extensions["trellis"]}


def csv_bytes(table: list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(table)
    return out.getvalue().encode(encoding)


def upload(api, data: bytes, name: str = "leads.csv", **form):
    return api.post(IMPORTS, data={"file": (io.BytesIO(data), name), **form},
                    content_type="multipart/form-data")


def started(api, data: bytes, name: str = "leads.csv", **form) -> dict:
    response = upload(api, data, name, **form)
    assert response.status_code == 202, response.get_data(True)
    return response.get_json()


def records(api) -> list[dict]:
    return api.ok("GET", RECORDS + "?per_page=1000&sort=id")["records"]


GBK_TABLE = [["姓名", "手机号", "电子邮箱", "地区", "阶段", "员工数", "备注", "渠道来源"],
             ["王伟", "138 0013 8000", "Wang.Wei@Example.COM", "广东深圳南山", "新建", "600",
              "=HYPERLINK(\"http://evil\")", "百度"],
             ["李娜", "+86 139-0013-9000", "li@example.com", "北京", "won", "20", "", "抖音"],
             ["", "13700137000", "", "", "", "", "no name", ""],
             ["张三", "12345", "not-an-email", "", "", "many", "", ""]]


def test_a_gbk_file_is_mapped_by_its_column_names_and_imported_clean(crm):
    admin, app = crm["admin"], crm["app"]
    imp = started(admin, csv_bytes(GBK_TABLE, "gbk"),
                  mapping=json.dumps({"姓名": "name", "手机号": "phone", "电子邮箱": "email",
                                      "地区": "area", "阶段": "stage", "员工数": "staff",
                                      "备注": "note", "渠道来源": "_touch.source"}))
    assert (imp["status"], imp["encoding"], imp["format"]) == ("queued", "gb18030", "csv")
    work(app)
    done = admin.ok("GET", f"{IMPORTS}/{imp['id']}")
    assert (done["status"], done["total"], done["processed"]) == ("done", 4, 4)
    assert (done["created"], done["merged"], done["failed"]) == (2, 0, 2)
    wang, li = records(admin)
    assert wang["phone"] == "+8613800138000" and wang["email"] == "Wang.Wei@example.com"
    assert (wang["area"]["province"], wang["area"]["city"]) == ("广东省", "深圳市")
    assert wang["stage"] == "new" and wang["staff"] == 600  # a choice by its label
    assert wang["note"] == "=HYPERLINK(\"http://evil\")"  # stored as text, never run
    assert wang["came_from"] == "百度" and li["came_from"] == "抖音"
    assert li["phone"] == "+8613900139000" and li["area"]["province"] == "北京市"
    [touch] = admin.ok("GET", f"{RECORDS}/{wang['id']}/touches")["touches"]
    assert touch["channel"] == "import" and touch["ref"] == f"import:{imp['id']}:row:2"
    history = admin.ok("GET", f"{RECORDS}/{wang['id']}/history")["entries"]
    assert history[0]["via"] == "import"


def test_failed_rows_download_as_they_were_with_why(crm):
    admin, app = crm["admin"], crm["app"]
    imp = started(admin, b"\xef\xbb\xbf" + csv_bytes(GBK_TABLE))
    work(app)
    assert admin.ok("GET", f"{IMPORTS}/{imp['id']}")["failed"] == 2
    response = admin.get(f"{IMPORTS}/{imp['id']}/errors")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    got = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert got[0] == ["row", *GBK_TABLE[0], "errors"]
    assert [r[0] for r in got[1:]] == ["4", "5"]
    assert got[1][1:8] == GBK_TABLE[3][:7] and "name" in got[1][-1]
    assert "phone" in got[2][-1] and "email" in got[2][-1] and "staff" in got[2][-1]


def test_the_mapping_is_suggested_from_labels_keys_and_common_words(crm):
    admin, app = crm["admin"], crm["app"]
    imp = started(admin, csv_bytes([["Name", "Mobile Phone", "E-mail", "城市", "unknown"],
                                    ["Ann", "13800138000", "ann@example.com", "上海", "x"]]))
    assert imp["mapping"] == {"Name": "name", "Mobile Phone": "phone", "E-mail": "email",
                              "城市": "area"}
    work(app)
    [ann] = records(admin)
    assert ann["area"]["province"] == "上海市" and ann["phone"] == "+8613800138000"


def test_xlsx_cells_keep_their_types(crm):
    admin, app = crm["admin"], crm["app"]
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "员工人数", "备注"])
    sheet.append(["王伟", 1200, "+1 call back"])
    sheet.append([None, None, None])  # a blank row is no row
    sheet.append(["李娜", 3.0, "@home"])
    data = io.BytesIO()
    book.save(data)
    imp = started(admin, data.getvalue(), "线索.xlsx")
    work(app)
    assert admin.ok("GET", f"{IMPORTS}/{imp['id']}")["created"] == 2
    wang, li = records(admin)
    assert (wang["staff"], li["staff"]) == (1200, 3)
    assert (wang["note"], li["note"]) == ("+1 call back", "@home")


def test_a_dry_run_checks_every_row_and_keeps_nothing(crm):
    admin, app, runtime = crm["admin"], crm["app"], crm["runtime"]
    imp = started(admin, csv_bytes(GBK_TABLE), dry_run="1")
    work(app)
    done = admin.ok("GET", f"{IMPORTS}/{imp['id']}")
    assert (done["status"], done["created"], done["failed"]) == ("done", 2, 2)
    assert records(admin) == []
    assert rows(runtime, "SELECT count(*) AS n FROM record_touches")[0]["n"] == 0
    assert admin.get(f"{IMPORTS}/{imp['id']}/errors").get_data().count(b"\n") == 3
    assert_error(admin.post(f"{IMPORTS}/{imp['id']}/undo"), 409, "/status")


def test_undo_removes_what_the_import_created_and_reports_what_changed_since(crm):
    admin, app = crm["admin"], crm["app"]
    before = admin.create("crm", "lead", {"name": "老客户"})
    imp = started(admin, csv_bytes(GBK_TABLE))
    work(app)
    wang, li = records(admin)[1:]
    admin.ok("PATCH", f"{RECORDS}/{li['id']}", json={"note": "called"})
    undo = admin.post(f"{IMPORTS}/{imp['id']}/undo")
    assert undo.status_code == 202 and undo.get_json()["status"] == "undoing"
    work(app)
    done = admin.ok("GET", f"{IMPORTS}/{imp['id']}")
    assert done["status"] == "undone" and done["undo"]["removed"] == 1
    [kept] = done["undo"]["kept"]
    assert (kept["row"], kept["id"]) == (3, li["id"]) and "导入后已被修改" in kept["reason"]
    assert [r["id"] for r in records(admin)] == [before["id"], li["id"]]
    assert_error(admin.get(f"{RECORDS}/{wang['id']}"), 404)
    assert_error(admin.post(f"{IMPORTS}/{imp['id']}/undo"), 409, "/status")


def test_bad_files_and_mappings_are_refused_and_leave_nothing(crm):
    admin, runtime = crm["admin"], crm["runtime"]
    assert_error(admin.post(IMPORTS, data={}, content_type="multipart/form-data"), 400,
                 "/file")
    assert_error(upload(admin, b"%PDF-1.4", "leads.pdf"), 415, "/file")
    assert_error(upload(admin, b"not a zip", "leads.xlsx"), 400, "/file", "Excel")
    assert_error(upload(admin, b"", "leads.csv"), 400, "/file", "empty")
    assert_error(upload(admin, csv_bytes(GBK_TABLE), mapping="{nope"), 400, "/mapping")
    assert_error(upload(admin, csv_bytes(GBK_TABLE), mapping='{"电话": "phone"}'), 422,
                 "/mapping/电话", "no column")
    assert_error(upload(admin, csv_bytes(GBK_TABLE), mapping='{"姓名": "id"}'), 422,
                 "/mapping/姓名")
    assert_error(upload(admin, csv_bytes(GBK_TABLE),
                        mapping='{"姓名": "name", "备注": "name"}'), 422, "/mapping/备注")
    assert_error(upload(admin, csv_bytes([["x", "y"], ["1", "2"]])), 422, "/mapping")
    assert_error(upload(admin, csv_bytes(GBK_TABLE), dry_run="maybe"), 400, "/dry_run")
    assert rows(runtime, "SELECT count(*) AS n FROM imports")[0]["n"] == 0
    import os

    assert not os.listdir(runtime.settings["import_dir"])


def test_imports_are_their_importers_and_follow_permissions(crm):
    admin, member, app = crm["admin"], crm["member"], crm["app"]
    mine = started(member, csv_bytes(GBK_TABLE[:2]))
    theirs = started(admin, csv_bytes(GBK_TABLE[:2]))
    assert_error(member.get(f"{IMPORTS}/{theirs['id']}"), 404)
    assert_error(member.get(f"{IMPORTS}/{theirs['id']}/errors"), 404)
    assert admin.ok("GET", f"{IMPORTS}/{mine['id']}")["id"] == mine["id"]  # reads them all
    work(app)
    [own] = records(member)
    assert own["owner"] == member.user_id
    assert_error(member.get(f"{IMPORTS}/nope"), 404)


def test_a_killed_import_is_resumed_without_importing_a_row_twice(crm, monkeypatch):
    from runtime.capture.imports import job
    from runtime.jobs.tasks import ResumeImports

    admin, app, runtime = crm["admin"], crm["app"], crm["runtime"]
    table = [["姓名", "手机"]] + [[f"客户{n}", f"1380000{n:04d}"] for n in range(23)]
    monkeypatch.setattr(job, "BATCH", 5)
    calls = []

    def dies_after_two_batches(progress):
        calls.append(progress.processed)
        if len(calls) == 2:
            raise SystemExit("worker killed")  # as a SIGKILL: nothing after this batch runs

    imp = started(admin, csv_bytes(table))
    with pytest.raises(SystemExit):
        job.ImportJob(runtime, imp["id"], on_progress=dies_after_two_batches).run()
    stopped = admin.ok("GET", f"{IMPORTS}/{imp['id']}")
    assert (stopped["status"], stopped["processed"]) == ("running", 10)
    assert ResumeImports().run(runtime, runtime.clock.now()) == "no stalled imports"
    runtime.clock.set(runtime.clock.now() + timedelta(minutes=2))  # its job stopped beating
    assert ResumeImports().run(runtime, runtime.clock.now()) == "resumed 1 import(s)"
    work(app)
    done = admin.ok("GET", f"{IMPORTS}/{imp['id']}")
    assert (done["status"], done["processed"], done["created"]) == ("done", 23, 23)
    assert sorted(r["name"] for r in records(admin)) == sorted(r[0] for r in table[1:])


KILLED_WORKER = """
import os, signal, sys
from app import create_app
from runtime.capture.imports import job

url, instance, import_id = sys.argv[1:4]
app = create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_PATH": instance,
                  "SECRET_KEY": "test-secret", "IMPORT_DIR": sys.argv[4]})
job.BATCH = 5
done = []
def killed(progress):
    done.append(progress)
    if len(done) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
with app.app_context():
    job.ImportJob(app.extensions["trellis"], import_id, on_progress=killed).run()
"""


def test_an_import_resumes_after_its_worker_is_killed(crm, tmp_path):
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from runtime.jobs.tasks import ResumeImports

    admin, app, runtime = crm["admin"], crm["app"], crm["runtime"]
    table = [["姓名", "手机"]] + [[f"客户{n}", f"1390000{n:04d}"] for n in range(17)]
    imp = started(admin, csv_bytes(table))
    worker = subprocess.run(
        [sys.executable, "-c", KILLED_WORKER, str(runtime.engine.url), str(tmp_path / "w"),
         imp["id"], runtime.settings["import_dir"]],
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=120)
    assert worker.returncode == -signal.SIGKILL, worker.stderr
    assert admin.ok("GET", f"{IMPORTS}/{imp['id']}")["processed"] == 10
    runtime.clock.set(runtime.clock.now() + timedelta(minutes=2))
    assert ResumeImports().run(runtime, runtime.clock.now()) == "resumed 1 import(s)"
    work(app)
    done = admin.ok("GET", f"{IMPORTS}/{imp['id']}")
    assert (done["status"], done["processed"], done["created"]) == ("done", 17, 17)
    assert len(records(admin)) == 17


def test_the_command_line_imports_with_a_progress_bar(crm, tmp_path):
    admin, app = crm["admin"], crm["app"]
    path = tmp_path / "客户.csv"
    path.write_bytes(csv_bytes(GBK_TABLE, "gbk"))
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"姓名": "name", "手机号": "phone", "员工数": "staff"}))
    runner = app.test_cli_runner()
    checked = runner.invoke(args=["import", "crm", "lead", str(path), "--dry-run",
                                  "--mapping", str(mapping)])
    assert checked.exit_code == 0, checked.output
    assert "checked 4 row(s): 2 created, 0 merged, 2 failed" in checked.output
    assert records(admin) == []
    done = runner.invoke(args=["import", "crm", "lead", str(path), "--as",
                               "mia@example.com"])
    assert done.exit_code == 0, done.output
    assert "imported 4 row(s): 2 created, 0 merged, 2 failed" in done.output
    assert "姓名 → name" in done.output and "4/4" in done.output
    assert {r["owner"] for r in records(admin)} == {crm["member"].user_id}
    bad = runner.invoke(args=["import", "crm", "lead", str(path), "--as", "nobody@x.y"])
    assert bad.exit_code == 1 and "error: /as: no active user nobody@x.y" in bad.output


# -- the pages ---------------------------------------------------------------------------------
def test_the_pages_upload_map_preview_check_import_and_undo(crm):
    from tests.integration.helpers import logged_in

    admin, app = crm["admin"], crm["app"]
    with logged_in(app) as client:
        client.post("/locale", data={"lang": "zh"})
        listing = client.get("/a/crm/lead").get_data(as_text=True)
        assert 'href="/a/crm/lead/import"' in listing
        page = client.post("/a/crm/lead/import", data={
            "file": (io.BytesIO(csv_bytes(GBK_TABLE, "gbk")), "线索.csv")},
            content_type="multipart/form-data")
        assert page.status_code == 303, page.get_data(as_text=True)
        url = page.headers["Location"]
        html = client.get(url).get_data(as_text=True)
        # suggested: 手机号 → 手机, 电子邮箱 → 邮箱, 员工数 → 员工人数; the preview as stored
        assert '<option value="phone" selected>' in html
        assert '<option value="email" selected>' in html
        assert '<option value="staff" selected>' in html
        assert "139 0013 9000" in html and "广东省 深圳市 南山区" in html
        assert "姓名" in html and "row-refused" in html  # the row without a name
        # map the channel column to the lead source, then check every row first
        chosen = {f"c{i}": t for i, t in enumerate(
            ["name", "phone", "email", "area", "stage", "staff", "note", "_touch.source"])}
        saved = client.post(url + "/mapping", data=chosen, headers={"HX-Request": "true"})
        assert saved.status_code == 204 and saved.headers["HX-Refresh"] == "true"
        bad = client.post(url + "/mapping", data={**chosen, "c1": "name"},
                          headers={"HX-Request": "true"})
        assert bad.status_code == 422 and "name" in bad.get_data(as_text=True)
        assert client.post(url + "/run", data={"dry_run": "1"}).status_code == 303
        work(app)
        checked = client.get(url).get_data(as_text=True)
        assert "data-import-status=\"done\"" in checked and "/again" in checked
        assert records(admin) == []
        real = client.post(url + "/again")
        real_url = real.headers["Location"]
        assert real_url != url and client.post(real_url + "/run").status_code == 303
        progress = client.get(real_url, headers={"HX-Request": "true",
                                                 "HX-Target": "import-progress"})
        assert 'hx-trigger="every 1s"' in progress.get_data(as_text=True)
        work(app)
        done = client.get(real_url).get_data(as_text=True)
        assert 'data-count="created">2<' in done and "/errors" in done and "/undo" in done
        assert [r["came_from"] for r in records(admin)] == ["百度", "抖音"]
        errors = client.get(real_url + "/errors")
        assert errors.status_code == 200 and "'=HYPERLINK" not in errors.get_data(as_text=True)
        assert client.post(real_url + "/undo").status_code == 303
        work(app)
        assert "已撤销" in client.get(real_url).get_data(as_text=True)
        assert records(admin) == []
        history = client.get("/a/crm/lead/import").get_data(as_text=True)
        assert "线索.csv" in history and "仅检查" in history

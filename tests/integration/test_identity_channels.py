"""Identity resolution through the channels: a public form's ``once_per`` (a second submission
with the same phone updates the record), imports counting merges and undoing them."""

from __future__ import annotations

import pytest

from tests.integration.helpers import field, form_doc, publish, rows
from tests.integration.test_capture_public import fill

PUBLIC = {"slug": "signup", "fields": ["name", "phone", "company"], "min_seconds": 0,
          "once_per": ["phone"]}


@pytest.fixture
def crm(admin_api, factory):
    factory.app_doc(admin_api)
    publish(admin_api, form_doc("lead", [field("name"), field("phone", "phone"),
                                         field("company")], capture={"public": PUBLIC}))
    return admin_api


def test_once_per_phone_updates_the_record_a_second_submission_names(crm, client, runtime):
    assert fill(client, {"name": "王伟", "phone": "138 0013 8000"}).status_code == 200
    assert fill(client, {"name": "王伟", "phone": "+86 13800138000",
                         "company": "Acme"}).status_code == 200
    [record] = crm.ok("GET", "/apps/crm/forms/lead/records")["records"]
    assert (record["name"], record["company"]) == ("王伟", "Acme")
    touches = crm.ok("GET", f"/apps/crm/forms/lead/records/{record['id']}/touches")["touches"]
    assert [t["channel"] for t in touches] == ["public", "public"]
    # once_per is the public form's: the API still creates
    crm.ok("POST", "/apps/crm/forms/lead/records", 201, json={"phone": "13800138000"})
    assert len(rows(runtime, "SELECT id FROM identity_merges")) == 1


@pytest.fixture
def importing(fresh_app, redis_url):
    from tests.support import Factory

    app = fresh_app(REDIS_URL=redis_url)
    factory = Factory(app)
    admin = factory.api(factory.user("admin@example.com", ["admin"], name="Ada"))
    factory.app_doc(admin)
    publish(admin, form_doc("lead", [field("name"), field("phone", "phone"),
                                     field("note")],
                            identity={"match": [{"key": "phone", "fields": ["phone"]}]}))
    return app, admin


def test_an_import_counts_its_merges_and_its_undo_reverts_them_first(importing):
    from tests.integration.test_exports import work
    from tests.integration.test_imports import csv_bytes, started

    app, admin = importing
    records = "/apps/crm/forms/lead/records"
    old = admin.ok("POST", records, 201, json={"name": "老客户", "phone": "13800138000"})
    imp = started(admin, csv_bytes([["name", "phone", "note"],
                                    ["", "138 0013 8000", "from the fair"],
                                    ["李娜", "13900139000", ""],
                                    ["", "+86 139 0013 9000", "second visit"]]),
                  mapping='{"name": "name", "phone": "phone", "note": "note"}')
    work(app)
    done = admin.ok("GET", f"/apps/crm/forms/lead/imports/{imp['id']}")
    assert (done["created"], done["merged"], done["failed"]) == (1, 2, 0), done
    assert admin.ok("GET", f"{records}/{old['id']}")["note"] == "from the fair"
    assert admin.ok("GET", records)["total"] == 2
    admin.ok("POST", f"/apps/crm/forms/lead/imports/{imp['id']}/undo", 202)
    work(app)
    undone = admin.ok("GET", f"/apps/crm/forms/lead/imports/{imp['id']}")
    assert undone["status"] == "undone", undone
    assert (undone["undo"]["unmerged"], undone["undo"]["removed"]) == (2, 1), undone
    assert [r["id"] for r in admin.ok("GET", records)["records"]] == [old["id"]]
    assert admin.ok("GET", f"{records}/{old['id']}")["note"] is None

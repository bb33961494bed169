"""The list page's bulk actions and exports through the Flask test client: what the page
offers whom, the summary of a bulk edit (refused records linked, with why), the export of the
list as shown, and a long list's export in the background with its progress on the page."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from tests.integration.helpers import PASSWORD, STAGES, field, form_doc, publish
from tests.integration.test_exports import work
from tests.support import Factory

LIST = "/a/crm/deal"


def deal_doc(member_policy: dict | None = None) -> dict:
    policy = member_policy or {"create": "all", "read": "all", "update": "own",
                               "delete": "own", "hidden_fields": ["secret"]}
    return form_doc("deal", [
        field("title", label={"zh": "标题", "en": "Title"}, required=True),
        field("stage", "select", label={"zh": "阶段", "en": "Stage"}, config=STAGES),
        field("amount", "number", label={"zh": "金额", "en": "Amount"}, validate=[{
            "formula": 'OR({stage} <> "won", COALESCE({amount}, 0) <= 1000)',
            "message": {"zh": "成交金额不能超过 1000", "en": "a won deal is at most 1000"}}]),
        field("due", "date", label={"zh": "截止日期", "en": "Due"}),
        field("secret", label={"zh": "机密", "en": "Secret"}),
    ], label={"zh": "商机", "en": "Deal"}, title_field="title",
        permissions={"roles": {"member": policy}})


def setup(app, policy: dict | None = None) -> dict:
    factory = Factory(app)
    admin = factory.api(factory.user("admin@example.com", ["admin"], name="Ada"))
    member_id = factory.user("mia@example.com", ["member"], name="Mia")
    factory.app_doc(admin)
    publish(admin, deal_doc(policy))
    return {"admin": admin, "member": factory.api(member_id)}


def login(client, email: str, lang: str = "en") -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(True)
    client.post("/locale", data={"lang": lang})


@pytest.fixture
def crm(app) -> dict:
    return setup(app)


def test_the_list_offers_what_the_reader_may_do(app, client):
    crm = setup(app, {"create": "all", "read": "all", "update": "none", "delete": "none"})
    crm["admin"].create("crm", "deal", {"title": "one"})
    login(client, "admin@example.com")
    page = client.get(LIST).get_data(True)
    assert 'data-bulk-id' in page and 'id="bulk-edit"' in page and 'id="bulk-delete"' in page
    assert 'id="bulk-assign"' in page and 'value="xlsx"' in page
    member = app.test_client()
    login(member, "mia@example.com")
    page = member.get(LIST).get_data(True)
    assert "data-bulk-id" not in page and "bulk-edit" not in page  # nothing to act with
    assert 'value="csv"' in page  # but the list can be exported


def bulk(client, action: str, ids: list[int], **form):
    return client.post(f"{LIST}/_bulk", data={"_action": action, "_ids": [str(i) for i in ids],
                                               **form}, headers={"HX-Request": "true"})


def test_a_bulk_edit_says_what_was_refused_and_why_with_links(crm, client):
    admin, member = crm["admin"], crm["member"]
    mine = [member.create("crm", "deal", {"title": f"mine {n}", "amount": a})["id"]
            for n, a in enumerate((10, 5000))]
    theirs = admin.create("crm", "deal", {"title": "Ada's"})["id"]
    login(client, "mia@example.com", "zh")
    response = bulk(client, "update", [*mine, theirs], _field="stage", stage="won")
    assert response.status_code == 200 and response.headers["HX-Trigger"] == \
        "trellis:records-changed"
    text = re.sub(r"\s+", " ", response.get_data(True))
    assert "1 条记录已修改" in text and "2 条未修改" in text, text
    assert f'<a href="/a/crm/deal/{mine[1]}">mine 1</a>: 金额: 成交金额不能超过 1000' in text
    assert f'<a href="/a/crm/deal/{theirs}">Ada&#39;s</a>: 你可以查看这条记录，但不能修改它' in text
    assert member.ok("GET", f"/apps/crm/forms/deal/records/{mine[0]}")["stage"] == "won"
    assert member.ok("GET", f"/apps/crm/forms/deal/records/{mine[1]}")["stage"] is None


def test_a_bulk_request_refused_whole_says_why_and_changes_nothing(crm, client):
    record = crm["member"].create("crm", "deal", {"title": "x"})["id"]
    login(client, "mia@example.com")
    for form, message in (({}, "Choose a field to change."),
                          ({"_field": "secret"}, "Choose a field to change."),
                          ({"_field": "amount", "amount": "lots"}, "Amount:")):
        response = bulk(client, "update", [record], **form)
        assert response.status_code == 422 and message in response.get_data(True)
    assert bulk(client, "update", [], _field="stage").status_code == 422
    assert bulk(client, "assign", [record]).status_code == 422
    assert bulk(client, "nothing", [record]).status_code == 400
    assert crm["member"].ok("GET", f"/apps/crm/forms/deal/records/{record}")["version"] == 1


def test_bulk_delete_and_assign_from_the_page(crm, client, app):
    admin = crm["admin"]
    ids = [admin.create("crm", "deal", {"title": f"d{n}"})["id"] for n in range(3)]
    login(client, "admin@example.com")
    response = bulk(client, "assign", ids[:2], _owner=str(crm["member"].user_id))
    assert "2 records changed." in response.get_data(True)
    assert crm["member"].ok("GET", f"/apps/crm/forms/deal/records/{ids[0]}")["owner"] == \
        crm["member"].user_id
    response = bulk(client, "delete", ids)
    assert "3 records deleted." in response.get_data(True)
    assert admin.records("crm", "deal")["total"] == 0


def test_the_value_input_is_the_fields_own(crm, client):
    login(client, "mia@example.com")
    select = client.get(f"{LIST}/_bulk/value?_field=stage").get_data(True)
    assert '<select' in select and 'value="won"' in select and "Won" in select
    date = client.get(f"{LIST}/_bulk/value?_field=due").get_data(True)
    assert 'data-widget="date"' in date or 'type="date"' in date
    assert client.get(f"{LIST}/_bulk/value?_field=secret").get_data(True) == ""


def test_export_of_the_list_as_shown(crm, client):
    admin = crm["admin"]
    for n, stage in enumerate(["won", "won", "lost", "won"]):
        admin.create("crm", "deal", {"title": f"Deal {n}", "stage": stage, "amount": n * 100,
                                     "secret": "s"})
    crm["member"].create("crm", "deal", {"title": "=cmd|' /C calc'!A0", "stage": "won"})
    login(client, "mia@example.com")
    state = {"f": ["stage", ""], "o": ["eq", "eq"], "v": ["won", ""], "sort": "-amount",
             "q": "Deal", "csrf_token": "x"}
    response = client.post(f"{LIST}/_export", data={**state, "format": "xlsx"})
    assert response.status_code == 200, response.get_data(True)[:300]
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert "Secret" not in values[0] and values[0][:3] == ["Title", "Stage", "Amount"]
    assert [row[:3] for row in values[1:]] == [["Deal 3", "Won", 300], ["Deal 1", "Won", 100],
                                               ["Deal 0", "Won", 0]]
    everything = client.post(f"{LIST}/_export", data={"format": "csv"})
    rows = list(csv.reader(io.StringIO(everything.get_data().decode("utf-8-sig"))))
    assert ["'=cmd|' /C calc'!A0", "Won"] in [r[:2] for r in rows]
    assert client.post(f"{LIST}/_export", data={"format": "pdf"}).status_code == 400


def test_a_long_list_exports_in_the_background_with_progress_on_the_page(
        fresh_app, redis_url):
    app = fresh_app(REDIS_URL=redis_url, EXPORT_INLINE_ROWS=2)
    crm = setup(app)
    crm["admin"].ok("POST", "/apps/crm/forms/deal/records/bulk",
                    json=[{"title": f"Deal {n}"} for n in range(5)])
    client = app.test_client()
    login(client, "admin@example.com")
    response = client.post(f"{LIST}/_export", data={"format": "csv", "q": "Deal"})
    assert response.status_code == 303 and response.headers["Location"].endswith("?q=Deal")
    page = client.get(response.headers["Location"]).get_data(True)
    assert "exported in the background" in page
    status_url = re.search(r'hx-get="(/a/_exports/[0-9a-f]{32})"', page).group(1)
    assert 'hx-trigger="every 1s"' in page and "Waiting for a worker" in page
    other = app.test_client()
    login(other, "mia@example.com")
    assert other.get(status_url).status_code == 404
    work(app)
    item = client.get(status_url).get_data(True)
    assert "every 1s" not in item and "5 rows, ready until" in item
    download = re.search(r'href="(/a/_exports/[0-9a-f]{32}/download)"', item).group(1)
    assert other.get(download).status_code == 404
    file = client.get(download)
    assert file.status_code == 200 and file.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(file.get_data().decode("utf-8-sig"))))
    assert len(rows) == 6 and rows[0][0] == "Title"

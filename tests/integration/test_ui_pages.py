"""The generated UI through the Flask test client: pages, widgets, permissions, 409s, languages."""

from __future__ import annotations

import html as html_lib
import io
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from runtime.storage.models import Attachment
from tests.e2e.forms import COMPANY, DEAL

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "password-123"


@pytest.fixture(scope="module", autouse=True)
def compiled_translations():
    """The zh catalogue compiled (make does this; a bare pytest run may not have)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in ROOT.glob("app/translations/*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog)


@pytest.fixture
def crm(factory, admin_api):
    factory.app_doc(admin_api)
    factory.form(admin_api, COMPANY)
    factory.form(admin_api, DEAL)
    member = factory.user("member@example.com", ["member"], name="Mia")
    company = admin_api.create("crm", "company", {"name": "华为", "city": "深圳"})
    return {"admin": admin_api.user_id, "member": member, "company": company["id"]}


def login(client, email: str = "admin@example.com") -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(True)


def text_of(response) -> str:
    return response.get_data(as_text=True)


def upload(client, name: str = "note.txt", body: bytes = b"hello trellis") -> dict:
    response = client.post("/a/_upload?app_key=crm&form_key=deal&field_path=files",
                           data={"file": (io.BytesIO(body), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 201, text_of(response)
    return response.get_json()


def deal_form(crm: dict, **overrides) -> dict:
    data = {
        "title": "Big deal", "notes": "line one\nline two", "qty": "3", "amount": "1,234.5",
        "due": "2024-05-01", "meeting": "2024-05-02T10:30", "vip": ["false", "true"],
        "stage": "new", "tags": ["hot", "repeat"], "phone": "138 0013 8000",
        "email": "Bob@Example.COM", "website": "example.com",
        "place": ["CN", "广东省", "深圳市", "南山区"], "manager": str(crm["member"]),
        "company": str(crm["company"]), "secret": "top-secret-xyz",
        "items[0][product]": "Widget", "items[0][qty]": "2", "items[0][price]": "9.5",
        "items[1][product]": "Gadget", "items[1][qty]": "1", "items[1][price]": "20",
        "items[2][product]": "", "items[2][qty]": "", "items[2][price]": "",
    }
    data.update(overrides)
    return data


WIDGET_MARKERS = [
    'data-widget="date"', 'data-widget="datetime"', 'data-widget="select"',
    'data-widget="multiselect"', 'data-widget="region"', 'data-widget="user"',
    'data-widget="relation"', 'data-widget="attachment"', 'data-widget="subtable"',
    'type="tel"', 'type="email"', 'type="url"', 'inputmode="numeric"', 'inputmode="decimal"',
    'type="checkbox"', "<textarea", "assigned on save", 'name="items[__n__][product]"',
]


def test_every_page_renders_for_a_form_with_every_field_type(client, crm, admin_api):
    login(client)
    assert client.get("/a/crm").headers["Location"].endswith("/a/crm/company")
    page = text_of(client.get("/a/crm/deal/new"))
    for marker in WIDGET_MARKERS:
        assert marker in page, marker
    for fld in DEAL["fields"]:
        assert fld["label"]["en"] in page

    attachment = upload(client)
    response = client.post("/a/crm/deal/new", data=deal_form(crm, files=attachment["id"]))
    assert response.status_code == 303, text_of(response)
    detail_url = response.headers["Location"]
    record_id = int(detail_url.rsplit("/", 1)[1])
    stored = admin_api.ok("GET", f"/apps/crm/forms/deal/records/{record_id}")
    assert stored["phone"] == "+8613800138000"
    assert stored["place"] == {"country": "CN", "province": "广东省", "city": "深圳市",
                               "district": "南山区", "code": "440305"}
    assert [i["product"] for i in stored["items"]] == ["Widget", "Gadget"]
    assert stored["vip"] is True and stored["tags"] == ["hot", "repeat"]
    assert stored["meeting"] == "2024-05-02T02:30:00Z"

    detail = text_of(client.get(detail_url))
    for shown in ("Big deal", "138 0013 8000", "广东省 深圳市 南山区", "note.txt", "华为",
                  "Mia", "Widget", "D-0001", "¥1,234.50", "Hot, Repeat", "created the record"):
        assert shown in detail, shown

    listing = text_of(client.get("/a/crm/deal?q=Big"))
    assert "Big deal" in listing and "1 record" in listing

    edit = text_of(client.get(detail_url + "/edit"))
    assert 'value="Big deal"' in edit and 'name="version" value="1"' in edit
    assert f'value="{crm["member"]}" selected>Mia</option>' in edit  # the picker shows names
    assert "note.txt" in edit and 'value="Widget"' in edit

    changed = deal_form(crm, title="Bigger deal", files=attachment["id"], version="1")
    response = client.post(detail_url + "/edit", data=changed)
    assert response.status_code == 303, text_of(response)
    detail = text_of(client.get(detail_url))
    assert re.search(r"<del>Big deal</del>\s*<span class=\"arrow\">→</span>\s*"
                     r"<ins>Bigger deal</ins>", detail)

    response = client.post(detail_url + "/delete")
    assert response.status_code == 303
    assert "Bigger deal" not in text_of(client.get("/a/crm/deal"))
    assert client.get(detail_url).status_code == 404


def test_invalid_input_is_shown_at_the_field_and_kept(client, crm):
    login(client)
    response = client.post("/a/crm/deal/new", data=deal_form(crm, title="", phone="12345",
                                                             qty="many"))
    assert response.status_code == 422
    page = text_of(response)
    assert "is required" in page
    assert "12345 is not a valid phone number" in page
    assert 'value="many"' in page and 'value="12345"' in page  # what was typed stays
    assert 'value="Widget"' in page


def test_hidden_fields_never_reach_a_role_that_hides_them(client, crm, admin_api, factory):
    record = admin_api.create("crm", "deal", {"title": "Shared", "secret": "top-secret-xyz",
                                              "stage": "won"})
    login(client, "member@example.com")
    pages = [client.get("/a/crm/deal/new"), client.get("/a/crm/deal"),
             client.get(f"/a/crm/deal/{record['id']}"),
             client.get(f"/a/crm/deal/{record['id']}/edit")]
    for response in pages:
        page = text_of(response)
        assert response.status_code == 200
        assert 'name="secret"' not in page and "Internal note" not in page
        assert "top-secret-xyz" not in page
    edit = text_of(pages[-1])
    assert re.search(r'<select[^>]*name="stage"[^>]*disabled', edit)  # read-only: disabled

    # read-only and hidden fields are never read from a post
    data = {"title": "Shared 2", "secret": "overwritten", "stage": "lost", "version": "1"}
    response = client.post(f"/a/crm/deal/{record['id']}/edit", data=data)
    assert response.status_code == 303, text_of(response)
    stored = admin_api.ok("GET", f"/apps/crm/forms/deal/records/{record['id']}")
    assert (stored["title"], stored["secret"], stored["stage"]) == (
        "Shared 2", "top-secret-xyz", "won")


def test_validate_returns_the_error_of_the_field_that_changed(client, crm):
    login(client)
    headers = {"HX-Request": "true", "HX-Trigger-Name": "phone"}
    response = client.post("/a/crm/deal/validate", data={"title": "x", "phone": "12345"},
                           headers=headers)
    assert response.status_code == 200
    page = text_of(response)
    assert 'id="err-phone"' in page and "12345 is not a valid phone number" in page

    response = client.post("/a/crm/deal/validate", headers=headers,
                           data={"title": "x", "phone": "138 0013 8000"})
    assert re.search(r'id="err-phone"[^>]*></div>', text_of(response))

    headers["HX-Trigger-Name"] = "items[0][qty]"
    response = client.post("/a/crm/deal/validate", headers=headers,
                           data={"title": "x", "items[0][product]": "A", "items[0][qty]": "x"})
    page = text_of(response)
    assert 'id="err-items"' in page and "row 1, Qty: must be a whole number" in page


def test_a_stale_edit_gets_409_and_keeps_the_typed_input(client, crm, admin_api):
    record = admin_api.create("crm", "deal", {"title": "Original"})
    login(client)
    assert 'name="version" value="1"' in text_of(client.get(f"/a/crm/deal/{record['id']}/edit"))
    admin_api.ok("PATCH", f"/apps/crm/forms/deal/records/{record['id']}",
                 json={"title": "Changed elsewhere"})

    response = client.post(f"/a/crm/deal/{record['id']}/edit",
                           data={"title": "My typed title", "notes": "typed notes",
                                 "version": "1"})
    assert response.status_code == 409
    page = text_of(response)
    assert "changed by someone else" in page
    assert 'value="My typed title"' in page and "typed notes" in page
    assert 'name="version" value="1"' in page
    stored = admin_api.ok("GET", f"/apps/crm/forms/deal/records/{record['id']}")
    assert stored["title"] == "Changed elsewhere"


def test_language_switch_changes_the_page_language(client, crm, app):
    login(client, "member@example.com")
    page = text_of(client.get("/a/crm/deal"))
    assert 'lang="en"' in page and "New record" in page and ">Deal<" in page

    response = client.post("/locale", data={"lang": "zh", "next": "/a/crm/deal"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/a/crm/deal")
    page = text_of(client.get("/a/crm/deal"))
    assert 'lang="zh-CN"' in page and "新建记录" in page and ">商机<" in page
    assert "New record" not in page

    from app.auth.models import User

    with app.extensions["trellis"].session() as session:
        assert session.get(User, crm["member"]).locale == "zh"
    client.post("/locale", data={"lang": "en"})
    assert "New record" in text_of(client.get("/a/crm/deal"))


def test_list_follows_view_metadata_with_sort_filter_search_and_paging(client, crm,
                                                                       admin_api):
    view = {"kind": "view", "key": "by_qty", "form": "deal", "label": "By quantity",
            "columns": ["title", "qty", "stage", "updated_at"],
            "sort": [{"field": "qty", "direction": "desc"}], "per_page": 5}
    admin_api.ok("PUT", "/apps/crm/views/by_qty", json=view)
    admin_api.ok("POST", "/apps/crm/views/by_qty/publish")
    admin_api.ok("POST", "/apps/crm/forms/deal/records/bulk", json={"records": [
        {"title": f"Deal {n:02d}", "qty": n, "stage": "won" if n % 2 else "new"}
        for n in range(1, 13)]})
    login(client)

    page = text_of(client.get("/a/crm/deal"))
    headers = re.findall(r'<th scope="col"[^>]*>(?:<a [^>]*>)?([^<]+)', page)
    assert headers == ["Title", "Quantity", "Stage", "Updated"]
    rows = re.findall(r'class="row-link">([^<]+)<', page)
    assert rows == ["Deal 12", "Deal 11", "Deal 10", "Deal 09", "Deal 08"]
    assert "12 records" in page and "page=3" in page

    rows = re.findall(r'class="row-link">([^<]+)<', text_of(client.get("/a/crm/deal?page=3")))
    assert rows == ["Deal 02", "Deal 01"]
    rows = re.findall(r'class="row-link">([^<]+)<', text_of(client.get("/a/crm/deal?sort=qty")))
    assert rows[0] == "Deal 01"

    page = text_of(client.get("/a/crm/deal?f=qty&o=gte&v=10"))
    assert re.findall(r'class="row-link">([^<]+)<', page) == ["Deal 12", "Deal 11", "Deal 10"]
    assert "Quantity at least 10" in page
    page = text_of(client.get("/a/crm/deal?f=stage&o=eq&v=won&f=qty&o=lt&v=5"))
    assert re.findall(r'class="row-link">([^<]+)<', page) == ["Deal 03", "Deal 01"]

    partial = client.get("/a/crm/deal?q=Deal+07", headers={"HX-Request": "true",
                                                            "HX-Target": "record-list"})
    body = text_of(partial)
    assert "<html" not in body and 'id="record-list"' in body
    assert re.findall(r'class="row-link">([^<]+)<', body) == ["Deal 07"]
    # the search form sends the filter bar's empty row each time: it never reaches the address
    partial = client.get("/a/crm/deal?f=stage&o=eq&v=won&f=&o=eq&v=&f=&o=eq&v=&q=Deal",
                         headers={"HX-Request": "true", "HX-Target": "record-list"})
    assert partial.headers["HX-Push-Url"] == "/a/crm/deal?q=Deal&f=stage&o=eq&v=won"
    page = text_of(client.get("/a/crm/deal?f=&o=eq&v=&f=stage&o=eq&v=won&q=Deal"))
    assert 'name="f" value=""' not in page and 'name="f" value="stage"' in page

    page = text_of(client.get("/a/crm/deal?f=qty&o=gte&v=lots"))
    assert "alert-error" in page  # a bad filter value is explained, the page still works


def test_a_new_forms_list_shows_its_status_and_score(client, admin_api, factory):
    """Issue 9: the default list (no view) shows the first fields that fit a cell, choices
    and calculated ones included, and leaves out long texts and conditional fields."""
    from tests.integration.helpers import field, form_doc, publish

    factory.app_doc(admin_api)
    status = {"choices": [{"value": "new", "label": {"zh": "新线索", "en": "New"}},
                          {"value": "lost", "label": {"zh": "已流失", "en": "Lost"}}]}
    publish(admin_api, form_doc("lead", [
        field("name", label="公司名称"), field("phone", "phone", label="电话"),
        field("email", "email", label="邮箱"), field("area", "region", label="地区"),
        field("notes", "textarea", label="备注"),
        field("industry", "select", label="行业", config=status),
        field("staff", "number", label="员工数"),
        field("status", "select", label="状态", config=status),
        field("reason", "text", label="失败原因", visible_if='{status} = "lost"'),
        field("score", "formula", label="评分", config={"formula": "{staff} / 10"}),
    ]))
    admin_api.create("crm", "lead", {"name": "华为", "staff": 600, "status": "new"})
    login(client)
    html = text_of(client.get("/a/crm/lead"))
    head = html[html.index("<thead"):html.index("</thead>")]
    for shown in ("公司名称", "电话", "行业", "员工数", "状态", "评分"):
        assert shown in head, shown
    assert "备注" not in head and "失败原因" not in head
    # a region is filtered by typing a place, with provinces and cities offered as one types
    bar = html[html.index('class="filter-bar"'):]
    area = re.search(r'<option value="area"[^>]*data-input="([^"]*)"', bar)
    ask = json.loads(html_lib.unescape(area.group(1)))
    assert ask["kind"] == "text" and {"广东省", "深圳市", "北京市"} <= set(ask["suggestions"])
    assert ask["suggestions"].count("北京市") == 1  # a municipality is its own city


def _csrf(client, url: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text_of(client.get(url))).group(1)


def test_columns_and_views_of_ones_own(client, crm, app, admin_api):
    """Issue 9: a person picks and orders the list's columns and saves personal views (sort,
    filters) beside the shared ones; nobody else sees them; hidden fields cannot be chosen."""
    for title, qty in (("Small", 1), ("Big", 50)):
        admin_api.create("crm", "deal", {"title": title, "qty": qty})
    login(client)
    token = _csrf(client, "/a/crm/deal")
    done = client.post("/a/crm/deal/_columns", data={
        "csrf_token": token, "columns": ["qty", "title", "nope", "secret_unknown"]})
    assert done.status_code == 303
    head = text_of(client.get("/a/crm/deal"))
    head = head[head.index("<thead"):head.index("</thead>")]
    assert head.index("Quantity") < head.index("Title") and "Amount" not in head
    saved = client.post("/a/crm/deal/_my_views", data={
        "csrf_token": token, "name": "  big   ones ", "sort": "-qty",
        "f": ["qty"], "o": ["gt"], "v": ["10"]})
    assert saved.headers["Location"] == "/a/crm/deal?mine=big+ones"
    page = text_of(client.get("/a/crm/deal?mine=big+ones"))
    assert "Big" in page and "Small" not in page and "big ones" in page
    # someone else: their own list, no trace of these
    other = app.test_client()
    login(other, "member@example.com")
    page = text_of(other.get("/a/crm/deal?mine=big+ones"))
    assert "big ones" not in page
    head = page[page.index("<thead"):page.index("</thead>")]
    assert head.index("Title") < head.index("Quantity")
    deleted = client.post("/a/crm/deal/_my_views/delete",
                          data={"csrf_token": token, "name": "big ones"})
    assert deleted.status_code == 303
    assert "big ones" not in text_of(client.get("/a/crm/deal"))


def test_widget_helpers_search_users_records_and_regions(client, crm):
    login(client)
    users = client.get("/a/_users?q=Mia").get_json()
    assert [u["name"] for u in users] == ["Mia"] and users[0]["email"] == "member@example.com"
    found = client.get("/a/crm/deal/_lookup/company?q=华").get_json()
    assert found == [{"id": crm["company"], "title": "华为"}]
    assert client.get("/a/crm/deal/_lookup/title?q=x").status_code == 404
    cities = text_of(client.get("/a/_regions?province=广东省"))
    assert '<option value="深圳市">' in cities
    districts = text_of(client.get("/a/_regions?province=广东省&city=深圳市"))
    assert '<option value="南山区">' in districts


def test_uploads_respect_the_field_limits(client, crm):
    login(client)
    response = client.post("/a/_upload?app_key=crm&form_key=deal&field_path=files",
                           data={"file": (io.BytesIO(b"x" * (2 * 1024 * 1024 + 1)), "big.bin")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "larger than" in response.get_json()["errors"][0]["message"]


def test_an_upload_is_accepted_by_what_its_bytes_are(client, crm, admin_api, factory, runtime):
    from PIL import Image

    factory.form(admin_api, {"kind": "form", "key": "gallery", "label": "Gallery", "fields": [
        {"key": "photos", "type": "attachment", "label": "Photos",
         "config": {"accept": ["image/*"]}}]})
    login(client)
    url = "/a/_upload?app_key=crm&form_key=gallery&field_path=photos"
    fake = client.post(url, data={"file": (io.BytesIO(b"<script>alert(1)</script>"),
                                           "photo.png")}, content_type="multipart/form-data")
    assert fake.status_code == 400, text_of(fake)
    assert "photo.png is not an accepted type" in fake.get_json()["errors"][0]["message"]
    assert not [p for p in runtime.upload_dir.rglob("*") if p.is_file()]
    png = io.BytesIO()
    Image.new("RGB", (2, 2)).save(png, "PNG")
    real = client.post(url, data={"file": (io.BytesIO(png.getvalue()), "camera-upload")},
                       content_type="multipart/form-data")  # no name to go by: its bytes
    assert real.status_code == 201 and real.get_json()["content_type"] == "image/png"
    with runtime.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 1


def test_shell_pages(client, crm):
    assert client.get("/a/crm/deal").status_code == 302  # anonymous: to the login page
    response = client.post("/login", data={"email": "admin@example.com", "password": "nope"})
    assert response.status_code == 401 and "邮箱或密码错误。" in text_of(response)  # zh first
    response = client.post("/login", data={"email": "admin@example.com", "password": "nope"},
                           headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Wrong email or password." in text_of(response)
    login(client)
    home = text_of(client.get("/"))
    assert "CRM" in home and "/a/crm/deal" in home and "/a/crm/company" in home
    tokens = client.post("/settings/tokens", data={"name": "import", "scopes": ["records:read"]})
    page = text_of(tokens)
    assert tokens.status_code == 200 and 'id="new-token"' in page and "records:read" in page
    again = text_of(client.get("/settings/tokens"))
    assert 'id="new-token"' not in again and "import" in again
    missing = client.get("/a/crm/nothing")
    assert missing.status_code == 404 and "Not found" in text_of(missing)


def count_queries(app):
    """A list that collects the SQL statements the app's engine runs in this thread (the
    test client's requests; not the search indexer's thread indexing a write a moment later)."""
    import threading

    import sqlalchemy as sa

    statements: list[str] = []
    engine = app.extensions["trellis"].engine
    me = threading.get_ident()

    def collect(conn, cursor, statement, *args) -> None:
        if threading.get_ident() == me:
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", collect)
    return statements


def test_list_cells_show_titles_and_names_in_a_fixed_number_of_queries(client, crm, admin_api,
                                                                       app):
    view = {"kind": "view", "key": "links", "form": "deal", "label": "Links",
            "columns": ["title", "company", "manager", "owner"], "per_page": 50}
    admin_api.ok("PUT", "/apps/crm/views/links", json=view)
    admin_api.ok("POST", "/apps/crm/views/links/publish")
    other = admin_api.create("crm", "company", {"name": "腾讯"})
    login(client)

    def add(n: int) -> None:
        admin_api.ok("POST", "/apps/crm/forms/deal/records/bulk", json={"records": [
            {"title": f"Deal {i}", "company": [crm["company"], other["id"]][i % 2],
             "manager": [crm["member"], crm["admin"]][i % 2]} for i in range(n)]})

    add(3)
    client.get("/a/crm/deal")  # what the process keeps (plans, navigation, the user) is read
    statements = count_queries(app)
    page = text_of(client.get("/a/crm/deal"))
    few = len(statements)
    assert "华为" in page and "腾讯" in page and "Mia" in page and "Admin" in page
    assert f">#{crm['company']}<" not in page  # titles, not ids
    add(30)
    statements.clear()
    page = text_of(client.get("/a/crm/deal"))
    assert len(statements) == few, "\n".join(s.split("\n")[0][:120] for s in statements)
    # one look-up per linked form and one for users
    assert page.count("<tr data-href") == 33


VISIT = {
    "kind": "form", "key": "visit", "label": {"zh": "拜访", "en": "Visit"},
    "fields": [
        {"key": "subject", "type": "text", "label": "Subject", "required": True},
        {"key": "mood", "type": "select", "label": "Mood",
         "config": {"display": "radio", "choices": [{"value": "good", "label": "Good"},
                                                    {"value": "bad", "label": "Bad"}]}},
        {"key": "topics", "type": "multiselect", "label": "Topics",
         "config": {"display": "checkboxes",
                    "choices": [{"value": "price", "label": "Price"},
                                {"value": "terms", "label": "Terms"}]}},
        {"key": "city", "type": "region", "label": "City", "config": {"levels": 2}},
        {"key": "people", "type": "user", "label": "People", "config": {"multiple": True}},
        {"key": "firms", "type": "relation", "label": "Firms",
         "config": {"target_form": "company", "multiple": True}},
        {"key": "stops", "type": "sub_table", "label": "Stops", "config": {"fields": [
            {"key": "firm", "type": "relation", "label": "Firm",
             "config": {"target_form": "company"}},
            {"key": "done", "type": "boolean", "label": "Done"},
            {"key": "day", "type": "date", "label": "Day"}]}},
    ],
}


def test_configured_widgets_and_multiple_links(client, crm, admin_api, factory):
    factory.form(admin_api, VISIT)
    login(client)
    page = text_of(client.get("/a/crm/visit/new"))
    assert page.count('type="radio" name="mood"') == 2
    assert page.count('type="checkbox" name="topics"') == 2
    assert "region-city" in page and "region-district" not in page
    assert re.search(r'<select[^>]*data-widget="user"[^>]*multiple', page)
    assert 'data-url="/a/crm/visit/_lookup/stops.firm" name="stops[__n__][firm]"' in page
    assert "/a/crm/visit/_lookup/firms" in page

    company = str(crm["company"])
    data = {"subject": "Trip", "mood": "good", "topics": ["price", "terms"],
            "city": ["CN", "广东省", "深圳市"], "people": [str(crm["member"]), str(crm["admin"])],
            "firms": [company], "stops[0][firm]": company, "stops[0][done]": ["false", "true"],
            "stops[0][day]": "2024-06-01", "stops[1][done]": "false", "stops[1][day]": ""}
    response = client.post("/a/crm/visit/new", data=data)
    assert response.status_code == 303, text_of(response)
    record_id = int(response.headers["Location"].rsplit("/", 1)[1])
    stored = admin_api.ok("GET", f"/apps/crm/forms/visit/records/{record_id}")
    assert stored["mood"] == "good" and stored["topics"] == ["price", "terms"]
    assert stored["city"] == {"country": "CN", "province": "广东省", "city": "深圳市",
                              "code": "440300"}
    assert stored["people"] == [crm["member"], crm["admin"]]
    assert stored["firms"] == [crm["company"]]
    assert stored["stops"] == [{"firm": crm["company"], "done": True, "day": "2024-06-01"}]

    detail = text_of(client.get(response.headers["Location"]))
    assert "Mia, Admin" in detail and detail.count("华为") >= 2
    edit = text_of(client.get(response.headers["Location"] + "/edit"))
    assert 'value="good" checked' in edit and 'name="stops[0][firm]"' in edit
    assert f'<option value="{company}" selected>华为</option>' in edit

    lookup = client.get("/a/crm/visit/_lookup/stops.firm?q=华").get_json()
    assert lookup == [{"id": crm["company"], "title": "华为"}]


def test_field_errors_come_in_the_readers_language(client, crm, factory, admin_api):
    factory.user("li@example.com", ["designer"], locale="zh")
    login(client, "li@example.com")
    response = client.post("/a/crm/deal/new", data=deal_form(
        crm, title="", qty="many", phone="12345", stage="maybe", due="2024-02-30",
        **{"items[0][qty]": "x"}))
    assert response.status_code == 422
    page = text_of(response)
    for chinese in ("必填", "请填写整数", "12345 不是有效的电话号码", "maybe 不在可选项中",
                    "2024-02-30 不是有效的日期", "第 1 行，数量：请填写整数"):
        assert chinese in page
    assert "not a valid phone number" not in page and "whole number" not in page

    # the API: programs (tokens) get English, the pages' own calls (a session) Chinese
    record = {"title": "", "qty": "many", "phone": "12345", "stage": "maybe",
              "due": "2024-02-30", "items": [{"qty": "x"}]}
    url = "/apps/crm/forms/deal/records"
    errors = admin_api.post(url, json=record).get_json()["errors"]
    assert {e["path"]: e["message"] for e in errors} == {
        "/title": "is required", "/qty": "must be a whole number",
        "/phone": "'12345' is not a valid phone number",
        "/stage": "'maybe' is not one of the choices (new, won, lost)",
        "/due": "'2024-02-30' is not a day of the calendar",
        "/items": "row 1, qty: must be a whole number"}
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    errors = client.post("/api/v1" + url, json=record, headers={"X-CSRFToken": token}
                         ).get_json()["errors"]
    messages = {e["path"]: e["message"] for e in errors}
    assert messages["/phone"] == "12345 不是有效的电话号码"
    assert messages["/items"] == "第 1 行，qty：请填写整数"

"""The list-view designer: pages, new views, and the document it edits is the API's."""

from __future__ import annotations

import html as htmllib
import json
import re

import pytest

from tests.e2e.forms import COMPANY, DEAL

PASSWORD = "password-123"
VIEW = {"kind": "view", "key": "big_deals", "form": "deal",
        "label": {"zh": "大单", "en": "Big deals"},
        "columns": ["title", "qty", "stage"], "sort": [{"field": "qty", "direction": "desc"}],
        "filters": [{"field": "stage", "op": "in", "value": ["new", "won"]}], "per_page": 25}


@pytest.fixture
def crm(factory, admin_api):
    factory.app_doc(admin_api)
    factory.form(admin_api, COMPANY)
    factory.form(admin_api, DEAL)
    admin_api.ok("PUT", "/apps/crm/views/big_deals", json=VIEW)
    factory.user("dora@example.com", ["designer"], name="Dora")
    factory.user("mia@example.com", ["member"], name="Mia")
    return admin_api


def login(client, email: str = "dora@example.com") -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(True)


def text(response) -> str:
    return response.get_data(as_text=True)


def printed_document(html: str) -> dict:
    raw = re.search(r'data-doc="([^"]*)"', html).group(1)
    return json.loads(htmllib.unescape(raw))


def test_designer_prints_the_draft_and_its_controls(client, crm):
    login(client)
    page = client.get("/build/crm/views/big_deals")
    assert page.status_code == 200, text(page)
    html = text(page)
    assert printed_document(html) == VIEW
    assert 'data-etag=\'"1"\'' in html
    assert 'data-api="/api/v1/apps/crm/views/big_deals"' in html
    assert 'href="/a/crm/deal?view=big_deals"' in html  # the preview
    assert "/build/crm/views/big_deals/history" in html
    shown = re.findall(r'id="columns-shown".*?</ul>', html, re.S)[0]
    assert re.findall(r'data-key="(\w+)"', shown) == ["title", "qty", "stage"]
    available = re.findall(r'id="columns-available".*?</ul>', html, re.S)[0]
    assert 'data-key="amount"' in available and 'data-key="updated_at"' in available
    assert 'data-formula-editor data-app="crm" data-form="deal" data-expect="boolean"' in html
    assert 'value="new, won"' in html and 'value="25"' in html
    assert "vendor/sortablejs/Sortable.min.js" in html and "js/formula-editor.js" in html
    assert "<script>" not in html  # no inline scripts (CSP)


def test_the_document_the_designer_saves_is_accepted_by_the_api(client, crm):
    """The page edits the printed document and PUTs it with the ETag: round-trip that."""
    login(client)
    doc = printed_document(text(client.get("/build/crm/views/big_deals")))
    doc["columns"] = ["stage", "title", "amount", "updated_at"]
    doc["sort"] = [{"field": "amount", "direction": "asc"}, {"field": "id", "direction": "desc"}]
    doc["filter"] = '{qty} > 1 AND {stage} = "new"'
    saved = crm.put("/apps/crm/views/big_deals", json=doc, headers={"If-Match": '"1"'})
    assert saved.status_code == 200, saved.get_data(True)
    assert saved.headers["ETag"] == '"2"'
    again = text(client.get("/build/crm/views/big_deals"))
    assert printed_document(again) == doc
    assert '{qty} &gt; 1 AND {stage} = &#34;new&#34;</textarea>' in again
    stale = crm.put("/apps/crm/views/big_deals", json=doc, headers={"If-Match": '"1"'})
    assert stale.status_code == 409


def test_members_may_not_design_views(client, crm):
    login(client, "mia@example.com")
    assert client.get("/build/crm/views/big_deals").status_code == 403
    assert client.get("/build/crm/forms/deal/new-view").status_code == 403


def test_unknown_view_is_404(client, crm):
    login(client)
    assert client.get("/build/crm/views/nope").status_code == 404
    assert client.get("/build/crm/forms/nope/new-view").status_code == 404


def test_new_view_saves_a_first_draft(client, crm):
    login(client)
    page = client.get("/build/crm/forms/deal/new-view")
    assert page.status_code == 200 and "New list view of Deal" in text(page)
    bad = client.post("/build/crm/forms/deal/new-view", data={"key": "Open Deals"})
    assert bad.status_code == 422
    assert "must start with a lower-case letter" in text(bad)
    assert "Give the view a name." in text(bad)
    taken = client.post("/build/crm/forms/deal/new-view",
                        data={"key": "big_deals", "label_en": "Again"})
    assert taken.status_code == 422 and "exists already" in text(taken)
    done = client.post("/build/crm/forms/deal/new-view",
                       data={"key": "open_deals", "label_zh": "进行中", "label_en": "Open"})
    assert done.status_code == 303
    assert done.headers["Location"] == "/build/crm/views/open_deals"
    draft = crm.ok("GET", "/apps/crm/views/open_deals")
    assert draft["label"] == {"zh": "进行中", "en": "Open"} and draft["form"] == "deal"
    # the columns of the form's list without a view: no long text (notes)
    assert draft["columns"][:2] == ["title", "qty"] and draft["columns"][-1] == "updated_at"
    assert "notes" not in draft["columns"]
    # no key typed: derived from the name, as forms' keys are (issue 9)
    named = client.post("/build/crm/forms/deal/new-view", data={"label_zh": "本周跟进"})
    assert named.headers["Location"] == "/build/crm/views/ben_zhou_gen_jin"
    again = client.post("/build/crm/forms/deal/new-view", data={"label_zh": "本周跟进"})
    assert again.headers["Location"] == "/build/crm/views/ben_zhou_gen_jin_2"
    page = text(client.get("/build/crm/views/open_deals"))
    assert page.count('class="bx-col"') == len(DEAL["fields"]) + 4  # and 4 system columns

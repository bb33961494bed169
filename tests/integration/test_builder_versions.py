"""Version history pages of the builder: versions, diffs, rollback with its table effect."""

from __future__ import annotations

import html

import pytest

from tests.integration.helpers import field, form_doc, revise, rows

PASSWORD = "password-123"
HISTORY = "/build/crm/forms/deal/history"


@pytest.fixture
def crm(factory, admin_api):
    factory.app_doc(admin_api)
    v1 = form_doc("deal", [field("title", label={"zh": "标题", "en": "Title"}),
                           field("qty", "number", label={"zh": "数量", "en": "Quantity"})],
                  label={"zh": "商机", "en": "Deal"})
    factory.form(admin_api, v1)
    v2 = revise(v1, fields=[field("title", label={"zh": "名称", "en": "Name"}),
                            field("qty", "text", label={"zh": "数量", "en": "Quantity"}),
                            field("city", label={"zh": "城市", "en": "City"})])
    factory.form(admin_api, v2)
    designer = factory.user("dora@example.com", ["designer"], name="Dora")
    member = factory.user("mia@example.com", ["member"], name="Mia")
    return {"v1": v1, "v2": v2, "designer": designer, "member": member}


def login(client, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(True)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_history_lists_versions_and_diffs_the_last_two(client, crm):
    login(client, "dora@example.com")
    page = client.get(HISTORY)
    assert page.status_code == 200, text(page)
    html = text(page)
    assert "v1" in html and "v2" in html and "Admin" in html
    assert "The draft is the same as the published version 2." in html
    # the default diff is version 1 -> version 2: a relabel, a type change, a new field
    assert "Changes from Version 1 to Version 2" in html
    assert 'Field "Name" (title)' in html and "Title</del>" in html and "Name</ins>" in html
    # a type change speaks of the types by their names in the palette, not their keys
    assert 'Field "Quantity" (qty)' in html and "Field type" in html
    assert "Number</del>" in html and "Text</ins>" in html
    assert 'Field "City" (city)' in html and "Added" in html
    assert 'href="/build/crm/forms/deal/history/1/rollback"' in html
    assert "/history/2/rollback" not in html  # the current version is not offered


def test_diff_against_the_draft_as_an_htmx_partial(client, crm, admin_api):
    draft = revise(crm["v2"], fields=crm["v2"]["fields"][:2])
    admin_api.ok("PUT", "/apps/crm/forms/deal", json=draft)
    login(client, "admin@example.com")
    html = text(client.get(HISTORY))
    assert "has changes not yet published" in html
    assert "Changes from Version 2 to Draft" in html and "Removed" in html
    part = client.get(HISTORY + "?from=1&to=draft", headers={"HX-Request": "true",
                                                           "HX-Target": "diff"})
    assert part.status_code == 200
    assert text(part).lstrip().startswith('<div id="diff"')
    assert "Changes from Version 1 to Draft" in text(part)


def test_members_may_not_see_history(client, crm):
    login(client, "mia@example.com")
    assert client.get(HISTORY).status_code == 403
    assert client.post(HISTORY + "/1/rollback").status_code == 403


def test_unknown_documents_and_versions_are_404(client, crm):
    login(client, "admin@example.com")
    assert client.get("/build/crm/forms/nope/history").status_code == 404
    assert client.get(HISTORY + "/9/rollback").status_code == 404
    assert client.get("/build/crm/apps/other/history").status_code == 404


def test_rollback_says_what_it_does_then_publishes_a_copy(client, crm, admin_api, runtime):
    login(client, "dora@example.com")
    confirm = client.get(HISTORY + "/1/rollback")
    assert confirm.status_code == 200
    html = text(confirm)
    assert "published as the new version 3" in html
    assert ("removes 1 field from the form; its data is kept and comes back if you add it "
            "again: “City”") in html
    assert "converts “Quantity” from Text to Number" in html  # types by their labels
    assert "<summary>Technical details</summary>" in html and "crm__deal" in html
    done = client.post(HISTORY + "/1/rollback")
    assert done.status_code == 303 and done.headers["Location"].endswith(HISTORY)
    versions = admin_api.ok("GET", "/apps/crm/forms/deal/versions")
    assert versions["published_version"] == 3
    assert versions["versions"][-1]["note"] == "rollback to version 1"
    assert admin_api.ok("GET", "/apps/crm/forms/deal?version=3") == crm["v1"]
    assert admin_api.ok("GET", "/apps/crm/forms/deal") == crm["v1"]  # the draft too
    html = text(client.get(HISTORY))
    assert "Rolled back to version 1: it is now published as version 3." in html


def test_rollback_refused_when_data_does_not_convert(client, crm, admin_api, runtime):
    admin_api.create("crm", "deal", {"title": "x", "qty": "lots"})
    login(client, "admin@example.com")
    confirm = text(client.get(HISTORY + "/1/rollback"))
    assert "Stored data would not convert" in confirm and "lots" in confirm
    assert "disabled>" in confirm
    refused = client.post(HISTORY + "/1/rollback")
    assert refused.status_code == 422, text(refused)
    assert "The rollback was refused; nothing changed." in text(refused)
    assert admin_api.ok("GET", "/apps/crm/forms/deal/versions")["published_version"] == 2
    assert rows(runtime, "SELECT qty FROM crm__deal") == [{"qty": "lots"}]


def test_view_and_app_history(client, crm, admin_api):
    view = {"kind": "view", "key": "open_deals", "form": "deal", "label": "Open deals",
            "columns": ["title"]}
    admin_api.ok("PUT", "/apps/crm/views/open_deals", json=view)
    admin_api.ok("POST", "/apps/crm/views/open_deals/publish")
    admin_api.ok("PUT", "/apps/crm/views/open_deals", json=revise(view, columns=["title", "qty"]))
    login(client, "admin@example.com")
    html = text(client.get("/build/crm/views/open_deals/history"))
    assert "Columns" in html and "title</del>" in html and "title, qty</ins>" in html
    assert "/build/crm/views/open_deals" in html  # the designer link
    confirm = text(client.get("/build/crm/views/open_deals/history/1/rollback"))
    assert "has no table of its own" in confirm
    assert client.get("/build/crm/apps/crm/history").status_code == 200

"""App package export and import in the builder: download, check, preview, all-or-nothing."""

from __future__ import annotations

import copy
import html
import io
import json
import re

import pytest

from tests.integration.helpers import company_doc, contact_doc, table_names
from tests.support import Factory

PASSWORD = "password-123"


@pytest.fixture
def crm(factory, admin_api):
    factory.app_doc(admin_api)
    factory.form(admin_api, company_doc())
    factory.form(admin_api, contact_doc())
    view = {"kind": "view", "key": "people", "form": "contact", "label": "People",
            "columns": ["name", "phone"]}
    admin_api.ok("PUT", "/apps/crm/views/people", json=view)
    admin_api.ok("POST", "/apps/crm/views/people/publish")
    factory.user("dora@example.com", ["designer"], name="Dora")
    factory.user("mia@example.com", ["member"], name="Mia")
    return admin_api.ok("GET", "/apps/crm/export")


def login(client, email: str = "dora@example.com") -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(True)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def upload(client, package, name: str = "crm.json"):
    raw = package if isinstance(package, bytes) else json.dumps(package).encode()
    return client.post("/build/import", data={"package": (io.BytesIO(raw), name)},
                       content_type="multipart/form-data")


def confirm(client, page) -> object:
    """Post the confirmation form the preview page printed."""
    raw = page.get_data(as_text=True)
    tag = '<textarea name="package_json" hidden>'
    start = raw.index(tag) + len(tag)
    package = html.unescape(raw[start:raw.index("</textarea>", start)])
    return client.post("/build/import/confirm", data={"package_json": package,
                                                      "filename": "crm.json"})


def test_package_page_and_download(client, crm):
    login(client)
    page = client.get("/build/crm/package")
    assert page.status_code == 200
    html = text(page)
    assert "People" in html and "/build/crm/package.json" in html and "/build/import" in html
    download = client.get("/build/crm/package.json")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="crm.json"'
    assert json.loads(download.data) == crm


def test_members_may_not_export_or_import(client, crm):
    login(client, "mia@example.com")
    assert client.get("/build/crm/package").status_code == 403
    assert client.get("/build/crm/package.json").status_code == 403
    assert client.get("/build/import").status_code == 403
    assert upload(client, crm).status_code == 403


def test_round_trip_into_a_fresh_installation(client, crm, fresh_app):
    other = fresh_app()
    Factory(other).user("dora@example.com", ["designer"], name="Dora")
    second = other.test_client()
    login(client)
    login(second)
    assert second.get("/build/import").status_code == 200
    preview = upload(second, client.get("/build/crm/package.json").data)
    assert preview.status_code == 200, text(preview)
    html = text(preview)
    assert "4 new, 0 changed, 0 unchanged" in html
    assert "adds 5 fields (saved to the database)" in html
    # the table is a technical detail, folded away
    assert re.search(r"<details[^>]*>\s*<summary>Technical details</summary>"
                     r"<ul><li>creates the table crm__contact</li>", html)
    runtime = other.extensions["trellis"]
    with runtime.session() as session:
        assert runtime.store.list(session) == []  # nothing written before the confirmation
    done = confirm(second, preview)
    assert done.status_code == 303 and done.headers["Location"] == "/build/crm/package"
    assert "crm__contact" in table_names(runtime)
    again = json.loads(second.get("/build/crm/package.json").data)
    assert again == crm


def test_changes_to_an_existing_app_are_previewed(client, crm, admin_api):
    login(client)
    changed = copy.deepcopy(crm)
    company = next(d for d in changed["documents"] if d["key"] == "company")
    company["fields"].append({"key": "website", "type": "url", "label": "Website"})
    company["fields"][0]["label"] = "Company name"
    preview = upload(client, changed)
    html = text(preview)
    assert "0 new, 1 changed, 3 unchanged" in html
    assert "adds 1 field (saved to the database): “Website”" in html
    assert 'Field "Company name" (name)' in html and "name</del>" in html
    assert admin_api.ok("GET", "/apps/crm/forms/company/versions")["published_version"] == 1
    assert confirm(client, preview).status_code == 303
    assert admin_api.ok("GET", "/apps/crm/forms/company/versions")["published_version"] == 2
    assert admin_api.ok("GET", "/apps/crm/forms/company") == company


def test_bad_json_names_line_and_column(client, crm):
    login(client)
    page = upload(client, b'{"format": "trellis-app-package",\n  "app": [1, 2,,]}')
    assert page.status_code == 422
    assert "line 2, column 16" in text(page) and "nothing was imported" in text(page)


def test_invalid_package_lists_every_error_with_its_path(client, crm, fresh_app):
    other = fresh_app()
    Factory(other).user("dora@example.com", ["designer"], name="Dora")
    second = other.test_client()
    login(second)
    bad = copy.deepcopy(crm)
    contact = next(i for i, d in enumerate(bad["documents"]) if d["key"] == "contact")
    bad["documents"][contact]["fields"][1]["type"] = "telephone"
    bad["documents"].append({"kind": "view", "key": "x", "form": "nope", "label": "X"})
    page = upload(second, bad)
    assert page.status_code == 422
    html = text(page)
    assert f"/documents/{contact}/fields/1/type" in html
    assert 'Form "contact" › Field "phone"' in html
    assert f"/documents/{len(bad['documents']) - 1}/form" in html
    assert "2 problems in crm.json" in html
    runtime = other.extensions["trellis"]
    with runtime.session() as session:
        assert runtime.store.list(session) == []
    # a forged confirmation is checked again, and refused the same way
    forged = second.post("/build/import/confirm", data={"package_json": json.dumps(bad)})
    assert forged.status_code == 422
    with runtime.session() as session:
        assert runtime.store.list(session) == []


def test_import_refused_when_data_would_not_convert(client, crm, admin_api, runtime):
    admin_api.create("crm", "contact", {"name": "Bo", "stage": "won"})
    login(client)
    changed = copy.deepcopy(crm)
    contact = next(d for d in changed["documents"] if d["key"] == "contact")
    next(f for f in contact["fields"] if f["key"] == "name")["type"] = "number"
    page = upload(client, changed)
    assert page.status_code == 422
    assert "Bo" in text(page) and "disabled>" in text(page)
    assert admin_api.ok("GET", "/apps/crm/forms/contact/versions")["published_version"] == 1

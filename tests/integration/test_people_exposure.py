"""Each reader sees only what the reader needs: user pickers and app packages."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.integration.helpers import company_doc

PASSWORD = "password-123"


@pytest.fixture
def people(app, factory, admin_api):
    factory.app_doc(admin_api)
    factory.form(admin_api, company_doc())
    factory.user("dora@example.com", ["designer"], name="Dora")
    factory.user("mia@example.com", ["member"], name="Mia")
    gone = factory.user("gus@example.com", ["member"], name="Gus")
    with app.extensions["trellis"].engine.begin() as conn:
        conn.execute(sa.text("UPDATE users SET active = :no WHERE id = :id"),
                     {"no": False, "id": gone})


def browser(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(True)
    return client


def test_members_see_names_in_the_user_picker_not_e_mail_addresses(app, people):
    """`/a/_users` listed every user's e-mail to any logged-in user."""
    mia = browser(app, "mia@example.com")
    found = mia.get("/a/_users").get_json()
    assert found == [{"id": u["id"], "name": u["name"]} for u in found]
    assert [u["name"] for u in found] == ["Admin", "Dora", "Mia"]  # Gus is inactive
    # nor can a member find out an address by searching for it
    assert mia.get("/a/_users?q=dora@").get_json() == []
    assert [u["name"] for u in mia.get("/a/_users?q=Do").get_json()] == ["Dora"]


@pytest.mark.parametrize("email", ["admin@example.com", "dora@example.com"])
def test_admins_and_designers_see_e_mail_addresses(app, people, email):
    found = browser(app, email).get("/a/_users?q=example.com").get_json()
    assert {u["name"]: u["email"] for u in found} == {
        "Admin": "admin@example.com", "Dora": "dora@example.com", "Mia": "mia@example.com"}


def test_only_designers_and_admins_export_packages(app, factory, people, admin_api):
    """A package carries every form's permission policies: members could export it."""
    mia = factory.api(factory.user("mo@example.com", ["member"]))
    refused = mia.get("/apps/crm/export")
    assert refused.status_code == 403
    assert "designer" in refused.get_json()["errors"][0]["message"]
    dora = factory.api(factory.user("dee@example.com", ["designer"]))
    assert dora.get("/apps/crm/export").status_code == 200
    assert admin_api.get("/apps/crm/export").status_code == 200
    session = browser(app, "mia@example.com")  # a member's session: the API and the builder
    assert session.get("/api/v1/apps/crm/export").status_code == 403
    assert session.get("/build/crm/package.json").status_code == 403
    assert browser(app, "dora@example.com").get("/build/crm/package.json").status_code == 200


def test_members_read_no_form_documents_versions_or_diffs(app, factory, people, admin_api):
    """A form document carries its permission policies and the fields hidden from members:
    any token with metadata:read could read them, and every version and diff."""
    from tests.integration.helpers import field, form_doc, publish

    publish(admin_api, form_doc("vault", [field("code")], permissions={"roles": {"member": {
        "create": "none", "read": "none", "update": "none", "delete": "none"}}}))
    publish(admin_api, form_doc("company", [field("name", required=True), field("secret")],
                                permissions={"roles": {"member": {
                                    "read": "all", "hidden_fields": ["secret"]}}}))
    mia = factory.api(factory.user("mo@example.com", ["member"]))
    for path in ("/apps/crm/forms/company", "/apps/crm/forms/company/versions",
                 "/apps/crm/forms/company/versions/1", "/apps/crm/forms/company/diff?from=1",
                 "/apps/crm/forms/company?version=1"):
        refused = mia.get(path)
        assert refused.status_code == 403, (path, refused.get_data(True))
        assert "designer" in refused.get_json()["errors"][0]["message"]
    listed = mia.ok("GET", "/apps")["apps"]
    assert [(a["key"], [f["key"] for f in a["forms"]]) for a in listed] == [("crm", ["company"])]
    assert [f["key"] for f in mia.ok("GET", "/apps/crm/forms")["forms"]] == ["company"]
    app_doc = mia.ok("GET", "/apps/crm")
    assert app_doc["key"] == "crm"
    dora = factory.api(factory.user("dee@example.com", ["designer"]))
    assert [f["key"] for f in dora.ok("GET", "/apps/crm/forms")["forms"]] == ["company",
                                                                             "vault"]
    assert dora.ok("GET", "/apps/crm/forms/company")["permissions"]
    assert dora.get("/apps/crm/forms/company/diff?from=1").status_code == 200


def test_a_member_who_reads_no_form_of_an_app_does_not_see_it(app, factory, admin_api):
    from tests.integration.helpers import field, form_doc, publish

    factory.app_doc(admin_api)
    publish(admin_api, form_doc("vault", [field("code")], permissions={"roles": {"member": {
        "read": "none", "create": "none", "update": "none", "delete": "none"}}}))
    mia = factory.api(factory.user("mo@example.com", ["member"]))
    assert mia.ok("GET", "/apps")["apps"] == []
    assert mia.ok("GET", "/apps/crm/forms")["forms"] == []
    assert mia.get("/apps/crm").status_code == 404

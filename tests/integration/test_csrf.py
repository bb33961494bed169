"""With CSRF protection on (as in production): tokens write freely, cookies need the token."""

import re

import pytest


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_bearer_tokens_need_no_csrf_token(csrf_app, admin_api):
    response = admin_api.post("/apps", json={"kind": "app", "key": "crm", "label": "CRM"})
    assert response.status_code == 201, response.get_json()


def test_cookie_sessions_need_the_csrf_header(csrf_app, factory):
    factory.user("ann@example.com", ["admin"])
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert token, "the login form carries a CSRF token"
    login = client.post("/login", data={"email": "ann@example.com", "password": "password-123",
                                         "csrf_token": token.group(1)})
    assert login.status_code == 302
    body = {"kind": "app", "key": "crm", "label": "CRM"}
    refused = client.post("/api/v1/apps", json=body)
    assert refused.status_code == 400
    assert "CSRF" in refused.get_json()["errors"][0]["message"]
    accepted = client.post("/api/v1/apps", json=body, headers={"X-CSRFToken": token.group(1)})
    assert accepted.status_code == 201, accepted.get_json()


def logged_in(app, email: str) -> tuple:
    """A browser logged in as ``email``, and the CSRF token of its session."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    login = client.post("/login", data={"email": email, "password": "password-123",
                                        "csrf_token": token})
    assert login.status_code == 302
    return client, token


BASIC = {"Authorization": "Basic YWRtaW46YWRtaW4="}


def test_only_a_valid_bearer_token_spares_a_cookie_request_the_csrf_token(csrf_app, factory):
    """A session cookie plus `Authorization: Basic …` used to post without a CSRF token."""
    factory.user("ann@example.com", ["admin"])
    client, _token = logged_in(csrf_app, "ann@example.com")
    body = {"kind": "app", "key": "crm", "label": "CRM"}
    for headers in (BASIC, {"Authorization": "Token abc"}, {"Authorization": "Bearer"}):
        refused = client.post("/api/v1/apps", json=body, headers=headers)
        assert refused.status_code in (400, 401), (headers, refused.status_code)
        if refused.status_code == 400:
            assert "CSRF" in refused.get_json()["errors"][0]["message"]
    unknown = client.post("/api/v1/apps", json=body, headers={"Authorization": "Bearer nope"})
    assert unknown.status_code == 401  # a bad token never falls back to the cookie
    assert client.get("/api/v1/apps").get_json()["apps"] == []


def test_pages_and_the_builder_check_csrf_whatever_the_authorization_header(csrf_app, factory,
                                                                            admin_api):
    factory.app_doc(admin_api)
    factory.user("ann@example.com", ["admin"])
    client, _token = logged_in(csrf_app, "ann@example.com")
    bearer = {"Authorization": f"Bearer {admin_api.token}"}
    for headers in (BASIC, bearer):
        for path in ("/build/import", "/settings/tokens", "/locale"):
            response = client.post(path, data={"name": "x", "lang": "en"}, headers=headers)
            assert response.status_code == 400, (path, headers, response.status_code)


def test_pages_act_for_the_person_logged_in_not_for_a_bearer_token(app, factory, admin_api):
    """A token's scopes are checked on the API only: on pages, a read-only token of an admin
    let a session of someone without rights on the form create records as that admin."""
    from tests.e2e.forms import COMPANY

    factory.app_doc(admin_api)
    factory.form(admin_api, COMPANY)
    factory.user("mia@example.com", ["auditor"])  # a role without a policy: no rights
    client = app.test_client()
    assert client.post("/login", data={"email": "mia@example.com",
                                       "password": "password-123"}).status_code == 302
    read_only = factory.token(admin_api.user_id, ["records:read"])
    headers = {"Authorization": f"Bearer {read_only}"}
    assert client.get("/a/crm/company", headers=headers).status_code == 403
    created = client.post("/a/crm/company/new", data={"name": "ACME"}, headers=headers)
    assert created.status_code == 403
    assert admin_api.records("crm", "company")["records"] == []

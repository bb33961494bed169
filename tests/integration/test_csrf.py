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

"""Test helpers: create users and tokens, call the API as someone, publish forms."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def api_routes(app: Flask) -> set[tuple[str, str]]:
    """(method, path) of every route under /api/v1, path parameters written {};
    ``any(a, b)`` converters expanded into one path each."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        paths = [""]
        for part in re.split(r"(<[^>]+>)", rule.rule):
            if part.startswith("<"):
                choices = re.match(r"<any\(([^)]*)\):\w+>", part)
                options = [c.strip() for c in choices.group(1).split(",")] if choices else ["{}"]
                paths = [p + o for p in paths for o in options]
            else:
                paths = [p + part for p in paths]
        routes |= {(m, p) for m in rule.methods & set(METHODS) for p in paths}
    return routes


class ApiClient:
    """The Flask test client with a bearer token and /api/v1 in front of every path."""

    def __init__(self, app: Flask, token: str, user_id: int):
        self.client = app.test_client()
        self.token = token
        self.user_id = user_id

    def request(self, method: str, path: str, **kwargs: Any):
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.client.open("/api/v1" + path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw):
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw):
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw):
        return self.request("DELETE", path, **kw)

    # -- conveniences -------------------------------------------------------------------------
    def ok(self, method: str, path: str, status: int | tuple = (200, 201, 204), **kw):
        response = self.request(method, path, **kw)
        wanted = status if isinstance(status, tuple) else (status,)
        assert response.status_code in wanted, (response.status_code, response.get_data(True))
        return response.get_json(silent=True)

    def records(self, app_key: str, form_key: str, **params) -> dict:
        query = "&".join(f"{k}={json.dumps(v) if isinstance(v, dict | list) else v}"
                         for k, v in params.items())
        return self.ok("GET", f"/apps/{app_key}/forms/{form_key}/records?{query}")

    def create(self, app_key: str, form_key: str, record: dict) -> dict:
        return self.ok("POST", f"/apps/{app_key}/forms/{form_key}/records", 201, json=record)


class Factory:
    def __init__(self, app: Flask):
        self.app = app
        self.runtime = app.extensions["trellis"]

    def user(self, email: str, roles: list[str], name: str | None = None,
             teams: list[str] = (), password: str = "password-123", locale: str = "en") -> int:
        from app.auth import service

        with self.runtime.session() as session, session.begin():
            user = service.create_user(session, email, password, roles,
                                       self.runtime.clock.now(), name=name, locale=locale,
                                       create_roles=True)
            for team in teams:
                service.add_to_team(session, user, team)
            return user.id

    def token(self, user_id: int, scopes: list[str] | None = None) -> str:
        from app.auth import service
        from app.auth.models import User

        with self.runtime.session() as session, session.begin():
            user = session.get(User, user_id)
            _token, secret = service.create_token(session, user, "test", scopes,
                                                  self.runtime.clock.now())
            return secret

    def api(self, user_id: int, scopes: list[str] | None = None) -> ApiClient:
        return ApiClient(self.app, self.token(user_id, scopes), user_id)

    def app_doc(self, api: ApiClient, key: str = "crm", label: Any = None) -> dict:
        return api.ok("POST", "/apps", 201, json={"kind": "app", "key": key,
                                                  "label": label or {"zh": "客户", "en": "CRM"}})

    def form(self, api: ApiClient, doc: dict, app_key: str = "crm") -> dict:
        """Save and publish a form document; returns the publish result."""
        api.ok("PUT", f"/apps/{app_key}/forms/{doc['key']}", json=doc)
        return api.ok("POST", f"/apps/{app_key}/forms/{doc['key']}/publish")

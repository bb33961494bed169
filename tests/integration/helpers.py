"""Helpers shared by the integration tests: error checks, form documents, table inspection."""

from __future__ import annotations

import copy
from typing import Any

import sqlalchemy as sa

RECORDS = "/apps/{app}/forms/{form}/records"
PASSWORD = "password-123"  # every user the Factory makes has it


def check_error_body(response) -> list[dict]:
    """Every error answer of the API: JSON ``{"errors": [{"path", "message"}]}``, no traceback."""
    text = response.get_data(as_text=True)
    assert "Traceback" not in text, text[:2000]
    assert response.mimetype == "application/json", (response.status_code, text[:500])
    body = response.get_json()
    assert isinstance(body, dict) and set(body) == {"errors"}, body
    assert isinstance(body["errors"], list) and body["errors"], body
    for error in body["errors"]:
        # formula errors also say where in the formula: position, line, column
        # the other record a unique value's error names: "record"
        assert {"path", "message"} <= set(error) <= {"path", "message", "position", "line",
                                                     "column", "record"}, error
        assert isinstance(error["path"], str) and isinstance(error["message"], str), error
        assert error["path"] == "" or error["path"].startswith("/"), error
        assert error["message"], error
    return body["errors"]


def assert_error(response, status: int, path: str | None = None, contains: str | None = None
                 ) -> list[dict]:
    """Assert an error answer with ``status``; with ``path``, one error must be at that path
    (and mention ``contains``, case-insensitively, when given)."""
    assert response.status_code == status, (response.status_code, response.get_data(True)[:800])
    errors = check_error_body(response)
    if path is not None:
        at = [e for e in errors if e["path"] == path]
        assert at, f"no error at {path!r}: {errors}"
        if contains is not None:
            assert any(contains.lower() in e["message"].lower() for e in at), errors
    elif contains is not None:
        assert any(contains.lower() in e["message"].lower() for e in errors), errors
    return errors


def paths(response) -> list[str]:
    return [e["path"] for e in check_error_body(response)]


def form_doc(key: str, fields: list[dict], label: Any = None, **extra: Any) -> dict:
    return {"kind": "form", "key": key, "label": label or key.title(), "fields": fields,
            **extra}


def field(key: str, ftype: str = "text", label: Any = None, **extra: Any) -> dict:
    return {"key": key, "type": ftype, "label": label or key, **extra}


STAGES = {"choices": [{"value": "new", "label": {"zh": "新建", "en": "New"}},
                      {"value": "won", "label": {"zh": "成交", "en": "Won"}},
                      {"value": "lost", "label": {"zh": "丢失", "en": "Lost"}}]}
TAGS = {"choices": [{"value": "vip", "label": "VIP"}, {"value": "hot", "label": "Hot"},
                    {"value": "cold", "label": "Cold"}]}


def every_type_fields(target_form: str = "company") -> list[dict]:
    """One field of every registered type (relations point at ``target_form``)."""
    return [
        field("name", "text", required=True),
        field("notes", "textarea"),
        field("employees", "number"),
        field("amount", "decimal", config={"precision": 2}),
        field("due", "date"),
        field("met_at", "datetime"),
        field("active", "boolean"),
        field("stage", "select", config=STAGES),
        field("tags", "multiselect", config=TAGS),
        field("phone", "phone", config={"default_region": "CN"}),
        field("email", "email"),
        field("website", "url"),
        field("place", "region"),
        field("assignee", "user"),
        field("company", "relation", config={"target_form": target_form}),
        field("files", "attachment"),
        field("code", "auto_number", config={"prefix": "C-", "digits": 5}),
        field("came_from", "touch", config={"touch": "first", "part": "source"}),
        field("lines", "sub_table", config={"fields": [field("item"),
                                                       field("qty", "number")]}),
        field("score", "formula", config={"formula": "COALESCE({employees}, 0) * 2"}),
    ]


def company_doc() -> dict:
    return form_doc("company", [field("name", required=True), field("city")],
                    label={"zh": "公司", "en": "Company"})


def contact_doc(**extra: Any) -> dict:
    return form_doc("contact", [
        field("name", required=True),
        field("phone", "phone", config={"default_region": "CN"}),
        field("stage", "select", config=STAGES),
        field("amount", "number"),
        field("company", "relation", config={"target_form": "company"}),
    ], label={"zh": "联系人", "en": "Contact"}, **extra)


def publish(api, doc: dict, app_key: str = "crm") -> dict:
    """Save ``doc`` as the draft and publish it; returns the publish answer."""
    api.ok("PUT", f"/apps/{app_key}/forms/{doc['key']}", json=doc)
    return api.ok("POST", f"/apps/{app_key}/forms/{doc['key']}/publish")


def revise(doc: dict, **changes: Any) -> dict:
    out = copy.deepcopy(doc)
    out.update(changes)
    return out


# -- the database behind the app ---------------------------------------------------------------
def table_names(runtime) -> set[str]:
    return set(sa.inspect(runtime.engine).get_table_names())


def columns(runtime, table: str) -> dict[str, sa.types.TypeEngine]:
    return {c["name"]: c["type"] for c in sa.inspect(runtime.engine).get_columns(table)}


def rows(runtime, sql: str, **params: Any) -> list[dict]:
    with runtime.engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(sql), params).mappings()]


# -- pages ----------------------------------------------------------------------------------------
def logged_in(app, email: str = "admin@example.com"):
    """A test client with a browser session of ``email``."""
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def field_wrapper(html: str, key: str) -> str:
    """The opening tag of a field's wrapper in a rendered form (data-field="key")."""
    start = html.index(f'data-field="{key}"')
    return html[start: html.index(">", start)]

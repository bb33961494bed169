"""The minimal app of the HTTP benchmark checks what it stores and answers like the API, and the
benchmark's wrk data files hold any text."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from bench import minimal_app
from bench.load import data
from bench.load.wrk import Load, lua_string, write_data


def test_a_generated_lead_is_valid_and_normalised():
    row, errors = minimal_app.validate(data.lead(7))
    assert errors == {}
    assert row["phone"].startswith("+861") and len(row["phone"]) == 14
    assert row["email"] == row["email"].split("@")[0] + "@" + row["email"].split("@")[1].lower()
    assert isinstance(row["budget"], Decimal)


@pytest.mark.parametrize(("body", "key"), [
    ({"company": "x"}, "name"), ({"name": "a", "phone": "12"}, "phone"),
    ({"name": "a", "email": "nobody"}, "email"), ({"name": "a", "source": "tv"}, "source"),
    ({"name": "a", "employees": -1}, "employees"), ({"name": "a", "employees": True}, "employees"),
    ({"name": "a", "budget": "lots"}, "budget"), ({"name": "a", "next_follow_up": "May"},
                                                   "next_follow_up"),
    ({"name": "a", "opted_in": "yes"}, "opted_in"), ({"name": "a", "colour": "red"}, "colour"),
    ({"name": "x" * 101}, "name"),
])
def test_bad_values_are_named(body, key):
    assert key in minimal_app.validate(body)[1]


@pytest.fixture
def client(tmp_path):
    url = f"sqlite:///{tmp_path / 'minimal.db'}"
    minimal_app.lead_table(sa.MetaData()).create(sa.create_engine(url))
    app = minimal_app.create_app({"DATABASE_URL": url, "API_TOKEN": "secret",
                                  "SECRET_KEY": "key", "PASSWORD": "password"})
    return app.test_client()


def test_create_list_search_and_page(client):
    auth = {"Authorization": "Bearer secret"}
    assert client.post("/records", json=data.lead(1)).status_code == 401
    created = [client.post("/records", json=data.lead(n), headers=auth) for n in range(1, 6)]
    assert [r.status_code for r in created] == [201] * 5
    assert client.post("/records", json={"name": ""}, headers=auth).status_code == 422
    listed = client.get("/records?per_page=2", headers=auth).get_json()
    assert listed["total"] == 5
    assert [r["id"] for r in listed["records"]] == [5, 4]
    found = client.get(f"/records?q={data.lead(3)['email']}", headers=auth).get_json()
    assert [r["id"] for r in found["records"]] == [3]
    assert client.get("/list").status_code == 302
    client.post("/login", data={"email": "a@example.com", "password": "password"})
    page = client.get("/list").get_data(as_text=True)
    assert page.count("<tr data-href=") == 5 and "5 条记录" in page


def test_lua_long_strings_hold_any_text(tmp_path):
    for text in ("plain", "a]]b", "]=]]==]", "\nstarts with a newline", "中文 \\ \""):
        quoted = lua_string(text)
        level = quoted.index("[", 1)
        assert quoted.endswith("]" + "=" * (level - 1) + "]")
    path = write_data(Load("POST", {"X": "y]]"}, [("/p", "{}"), ("/q", None)]),
                      tmp_path / "d.lua")
    assert path.read_text().count("path = ") == 2

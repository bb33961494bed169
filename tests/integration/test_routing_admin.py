"""The admin page of routing: each team's members with their routing attributes, edited by
admins only, checked with the errors at the fields, in English and Chinese."""

from __future__ import annotations

import json
import re

import pytest

from tests.integration.helpers import logged_in, rows

PAGE = "/admin/routing"


@pytest.fixture(scope="module", autouse=True)
def compiled_translations():
    compile_translations()


def compile_translations() -> None:
    """The zh catalogue compiled (make does this; a bare pytest run may not have)."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2]
    for po in root.glob("app/translations/*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog)


@pytest.fixture
def people(factory) -> dict[str, int]:
    return {"admin": factory.user("admin@example.com", ["admin"], name="Admin"),
            "ann": factory.user("ann@example.com", ["member"], name="Ann", teams=["华东组"]),
            "bob": factory.user("bob@example.com", ["member"], name="Bob",
                                teams=["华东组", "Key accounts"])}


def team_id(runtime, name: str) -> int:
    return rows(runtime, "SELECT id FROM teams WHERE name = :n", n=name)[0]["id"]


def edit_url(runtime, team: str, user: int) -> str:
    return f"{PAGE}/teams/{team_id(runtime, team)}/members/{user}"


GOOD = {"routing": "on", "weight": "3", "capacity": "20", "regions": "华东、华南, 华东",
        "product_lines": "A", "hours_mon": "9:00-12:00, 13:00-18:00", "hours_tue": "09:00-18:00",
        "days_off": "2026-12-24\n2027-02-10/2027-02-17\n"}


def test_only_admins_see_the_page(app, people):
    assert logged_in(app, "ann@example.com").get(PAGE).status_code == 403
    assert app.test_client().get(PAGE).status_code == 302  # to the log-in page


def test_the_page_lists_each_teams_members_with_their_defaults(app, people):
    html = logged_in(app).get(PAGE).get_data(as_text=True)
    assert html.index("Key accounts") < html.index("华东组")  # teams in name order
    section = html[html.index('data-team="华东组"'):]
    assert "Ann" in section and "Bob" in section and "any time" in section
    assert 'href="/admin/routing"' in html  # in the admin navigation


def test_an_admin_edits_a_members_attributes(app, runtime, people):
    client = logged_in(app)
    url = edit_url(runtime, "华东组", people["bob"])
    assert client.get(url).status_code == 200
    response = client.post(url, data=GOOD)
    assert response.status_code == 302
    stored = rows(runtime, "SELECT * FROM routing_members")
    assert len(stored) == 1
    row = {k: json.loads(v) if isinstance(v, str) and v[:1] in "[{" else v
           for k, v in stored[0].items()}
    assert row["weight"] == 3 and row["capacity"] == 20 and row["routing"] in (True, 1)
    assert row["regions"] == ["华东", "华南"] and row["product_lines"] == ["A"]
    assert row["hours"] == {"mon": [["09:00", "12:00"], ["13:00", "18:00"]],
                            "tue": [["09:00", "18:00"]]}
    assert row["days_off"] == ["2026-12-24", "2027-02-10/2027-02-17"]
    html = client.get(PAGE).get_data(as_text=True)
    assert "Mon 09:00-12:00, 13:00-18:00" in html and "2027-02-10/2027-02-17" in html
    # the other team's row of the same user is untouched; pausing and "any time" round-trip
    response = client.post(url, data={"weight": "1", "any_time": "on"})
    assert response.status_code == 302
    form = client.get(url).get_data(as_text=True)
    assert re.search(r'name="any_time" id="f-any_time" checked', form)
    assert not re.search(r'name="routing" id="f-routing" checked', form)


def test_bad_values_are_shown_at_their_fields_and_nothing_is_saved(app, runtime, people):
    client = logged_in(app)
    url = edit_url(runtime, "华东组", people["ann"])
    response = client.post(url, data={**GOOD, "weight": "-2", "capacity": "lots",
                                      "hours_wed": "nine to five",
                                      "days_off": "2026-02-30"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for key in ("weight", "capacity", "hours_wed", "days_off"):
        assert re.search(rf'id="err-{key}"[^>]*>[^<]+<', html), key
    assert 'value="nine to five"' in html  # what was typed is kept
    assert rows(runtime, "SELECT * FROM routing_members") == []


def test_a_user_outside_the_team_or_a_missing_team_is_404(app, runtime, people):
    client = logged_in(app)
    assert client.get(edit_url(runtime, "Key accounts", people["ann"])).status_code == 404
    assert client.get(f"{PAGE}/teams/99999/members/{people['ann']}").status_code == 404


def test_the_page_in_chinese(app, runtime, people):
    client = logged_in(app)
    client.post("/locale", data={"lang": "zh"})
    html = client.get(PAGE).get_data(as_text=True)
    assert "路由" in html and "接收新记录" in html and "工作时间" in html
    form = client.get(edit_url(runtime, "华东组", people["ann"])).get_data(as_text=True)
    assert "休息日" in form and "周一" in form and "权重" in form

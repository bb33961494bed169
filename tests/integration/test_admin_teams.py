"""The admin page of teams: make a team, add and remove members (admins only); the
directory sees the change at once."""

from __future__ import annotations

import pytest

from tests.integration.helpers import logged_in, rows
from tests.integration.test_routing_admin import compile_translations

PAGE = "/admin/teams"


@pytest.fixture(scope="module", autouse=True)
def compiled_translations():
    compile_translations()


@pytest.fixture
def people(factory) -> dict[str, int]:
    return {"admin": factory.user("admin@example.com", ["admin"], name="Admin"),
            "ann": factory.user("ann@example.com", ["member"], name="Ann", teams=["North"]),
            "bob": factory.user("bob@example.com", ["member"], name="Bob")}


def members(runtime, team: str) -> list[int]:
    with runtime.session(read_only=True) as session, session.begin():
        team_id = next(i for i, n in runtime.directory.teams(session).items() if n == team)
        return runtime.directory.members(session, [team_id])


def test_only_admins_manage_teams(app, people):
    member = logged_in(app, "ann@example.com")
    assert member.get(PAGE).status_code == 403
    assert member.post(PAGE, data={"name": "Mine"}).status_code == 403
    assert rows(app.extensions["trellis"], "SELECT name FROM teams") == [{"name": "North"}]


def test_an_admin_makes_a_team_and_adds_and_removes_members(app, runtime, people):
    client = logged_in(app)
    assert client.post(PAGE, data={"name": "  华东组 "}).status_code == 302
    html = client.get(PAGE).get_data(as_text=True)
    assert "Team 华东组 created." in html and 'data-team="华东组"' in html
    team_id = rows(runtime, "SELECT id FROM teams WHERE name = '华东组'")[0]["id"]
    for user in (people["ann"], people["bob"]):
        response = client.post(f"{PAGE}/{team_id}/members", data={"user_id": str(user)})
        assert response.status_code == 302
    assert members(runtime, "华东组") == [people["ann"], people["bob"]]
    assert members(runtime, "North") == [people["ann"]]  # still a member there too
    client.post(f"{PAGE}/{team_id}/members/{people['ann']}/remove")
    assert members(runtime, "华东组") == [people["bob"]]
    section = client.get(PAGE).get_data(as_text=True).split('data-team="华东组"')[1]
    assert "Bob" in section.split("</section>")[0]


def test_bad_input_is_said_and_changes_nothing(app, runtime, people):
    client = logged_in(app)
    html = client.post(PAGE, data={"name": "North"}, follow_redirects=True).get_data(True)
    assert "there is already a team &#39;North&#39;" in html or "already a team" in html
    html = client.post(PAGE, data={"name": " "}, follow_redirects=True).get_data(True)
    assert "1 to 100 characters" in html
    team_id = rows(runtime, "SELECT id FROM teams WHERE name = 'North'")[0]["id"]
    html = client.post(f"{PAGE}/{team_id}/members", data={"user_id": "x"},
                       follow_redirects=True).get_data(True)
    assert "choose an active user" in html
    assert client.post(f"{PAGE}/99999/members", data={"user_id": "2"}).status_code == 404
    assert rows(runtime, "SELECT name FROM teams") == [{"name": "North"}]


def test_the_page_in_chinese(app, people):
    client = logged_in(app)
    client.post("/locale", data={"lang": "zh"})
    html = client.get(PAGE).get_data(as_text=True)
    assert "新建团队" in html and "添加成员" in html and "移除" in html

"""The user and team directory (runtime.directory, answered by app.auth) on a real database:
what storage, pickers and the engines to come ask about people."""

from __future__ import annotations

import inspect

import pytest
import sqlalchemy as sa

from app.auth.directory import UserDirectory
from runtime.directory import Directory, Person

pytestmark = pytest.mark.integration


@pytest.fixture
def people(app, factory) -> dict[str, int]:
    ids = {
        "ada": factory.user("ada@example.com", ["admin"], name="Ada", locale="zh"),
        "dee": factory.user("dee@example.com", ["designer"], name="Dee"),
        "max": factory.user("max@example.com", ["member", "sales"], name="Max",
                            teams=["north", "south"]),
        "mia": factory.user("mia@example.com", ["member"], name="Mia", teams=["north"]),
        "sam": factory.user("sam@example.com", ["sales"], name="Sam", teams=["south"]),
        "gus": factory.user("gus@example.com", ["sales"], name="Gus", teams=["north"]),
        "odd": factory.user("odd@example.com", ["member"], name="100%_odd"),
    }
    with app.extensions["trellis"].engine.begin() as conn:
        conn.execute(sa.text("UPDATE users SET active = :no WHERE id = :id"),
                     {"no": False, "id": ids["gus"]})
    return ids


@pytest.fixture
def directory(runtime) -> Directory:
    return runtime.directory


@pytest.fixture
def session(runtime):
    with runtime.session(read_only=True) as session, session.begin():
        yield session


def team_id(session, name: str) -> int:
    return session.scalar(sa.text("SELECT id FROM teams WHERE name = :n"), {"n": name})


def test_the_app_factory_hands_the_runtime_app_auths_directory(runtime):
    assert isinstance(runtime.directory, UserDirectory)


def test_the_directory_answers_every_question_of_the_protocol_with_its_signature():
    asked = {name for name, member in vars(Directory).items()
             if callable(member) and not name.startswith("_")}
    assert asked >= {"people", "names", "existing", "active", "search", "members",
                     "members_query", "with_role", "roles_of", "principal"}
    for name in asked:
        assert (inspect.signature(getattr(UserDirectory, name))
                == inspect.signature(getattr(Directory, name))), name


def test_people_by_id_with_their_addresses_inactive_ones_too(directory, session, people):
    found = directory.people(session, [people["ada"], people["gus"], 999_999])
    assert found == {
        people["ada"]: Person(people["ada"], "Ada", True, "ada@example.com", "zh"),
        people["gus"]: Person(people["gus"], "Gus", False, "gus@example.com", "en")}
    assert directory.people(session, []) == {}


def test_names_for_display_skip_what_is_not_a_user_id(directory, session, people):
    ids = [people["mia"], people["gus"], None, True, 999_999]
    assert directory.names(session, ids) == {people["mia"]: "Mia", people["gus"]: "Gus"}
    assert directory.names(session, set()) == {}


def test_existing_and_active_users(directory, session, people):
    asked = {people["mia"], people["gus"], 999_999}
    assert directory.existing(session, asked) == {people["mia"], people["gus"]}
    assert directory.active(session, asked) == {people["mia"]}
    assert directory.existing(session, ()) == set() == directory.active(session, ())


def test_a_member_searches_names_only_and_never_gets_addresses(directory, session, people):
    mia = directory.principal(session, people["mia"])
    found = directory.search(session, mia)
    # active users only, in name order; no e-mail address for a member
    assert [(p.name, p.email) for p in found] == [
        ("100%_odd", None), ("Ada", None), ("Dee", None), ("Max", None), ("Mia", None),
        ("Sam", None)]
    assert [p.picker_entry() for p in found][1] == {"id": people["ada"], "name": "Ada"}
    assert directory.search(session, mia, "dee@") == []  # no finding out an address
    assert [p.name for p in directory.search(session, mia, "de")] == ["Dee"]
    assert directory.search(session, None, "example.com") == []


@pytest.mark.parametrize("who", ["ada", "dee"])
def test_admins_and_designers_search_and_see_addresses(directory, session, people, who):
    reader = directory.principal(session, people[who])
    found = directory.search(session, reader, "SAM@EXAMPLE")  # in any case
    assert [p.picker_entry() for p in found] == [
        {"id": people["sam"], "name": "Sam", "email": "sam@example.com"}]


def test_a_search_takes_wildcards_literally_filters_by_role_and_stops_at_the_limit(
        directory, session, people):
    ada = directory.principal(session, people["ada"])
    assert [p.name for p in directory.search(session, ada, "%_")] == ["100%_odd"]
    assert [p.name for p in directory.search(session, ada, "_")] == ["100%_odd"]
    # Gus has the role too, but is inactive
    assert [p.name for p in directory.search(session, ada, roles=["sales"])] == ["Max", "Sam"]
    assert [p.name for p in directory.search(session, ada, roles=["admin", "designer"])] \
        == ["Ada", "Dee"]
    mia = directory.principal(session, people["mia"])
    assert [p.name for p in directory.search(session, mia, "A", limit=2)] == ["Ada", "Max"]


def test_team_members_in_id_order_active_ones_unless_asked(directory, session, people):
    north, south = team_id(session, "north"), team_id(session, "south")
    assert directory.members(session, [north]) == sorted([people["max"], people["mia"]])
    assert directory.members(session, [north], active_only=False) == sorted(
        [people["max"], people["mia"], people["gus"]])
    # a member of both teams once
    assert directory.members(session, [north, south]) == sorted(
        [people["max"], people["mia"], people["sam"]])
    assert directory.members(session, []) == []


def test_teams_by_name_all_or_those_asked(directory, session, people):
    north, south = team_id(session, "north"), team_id(session, "south")
    assert list(directory.teams(session).items()) == [(north, "north"), (south, "south")]
    assert directory.teams(session, [south, 10**6, None]) == {south: "south"}
    assert directory.teams(session, []) == {}


def test_the_members_query_is_sql_that_keeps_inactive_members(directory, session, people):
    """Row scope ``team``: a record a deactivated team mate owns stays the team's."""
    north = team_id(session, "north")
    query = directory.members_query([north])
    assert set(session.scalars(query)) == {people["max"], people["mia"], people["gus"]}
    users = sa.table("users", sa.column("id"), sa.column("name"))
    named = sa.select(users.c.name).where(users.c.id.in_(query)).order_by(users.c.name)
    assert list(session.scalars(named)) == ["Gus", "Max", "Mia"]


def test_users_of_a_role_and_the_roles_of_a_user(directory, session, people):
    assert directory.with_role(session, "sales") == sorted([people["max"], people["sam"]])
    assert directory.with_role(session, "sales", active_only=False) == sorted(
        [people["max"], people["sam"], people["gus"]])
    assert directory.with_role(session, "nobody") == []
    assert directory.roles_of(session, people["max"]) == {"member", "sales"}
    assert directory.roles_of(session, 999_999) == frozenset()


def test_the_principal_a_user_acts_as(directory, session, people):
    max_ = directory.principal(session, people["max"])
    assert max_.user_id == people["max"] and max_.name == "Max"
    assert max_.roles == {"member", "sales"}
    assert max_.team_ids == {team_id(session, "north"), team_id(session, "south")}
    assert max_.scopes is None  # every scope of the user, as a browser session has
    assert directory.principal(session, people["gus"]) is None  # inactive
    assert directory.principal(session, 999_999) is None

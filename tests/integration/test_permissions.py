"""Roles, per-form policies with row scopes, hidden and read-only fields, teams, token scopes:
enforced in lists, counts, search, filters, reads, writes and history alike."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.integration.helpers import assert_error, field, form_doc, publish
from tests.support import ApiClient, Factory

BASE = "/apps/crm/forms/lead/records"

POLICY = {"roles": {
    "member": {"create": "all", "read": "team", "update": "own", "delete": "none",
               "hidden_fields": ["secret_note", "salary"], "readonly_fields": ["score"]},
    "auditor": {"create": "none", "read": "all", "update": "none", "delete": "none",
                "hidden_fields": ["phone"]},
    "sales": {"create": "all", "read": "own", "update": "own", "delete": "own"},
    "manager": {"create": "none", "read": "team", "update": "team", "delete": "team"},
}}


def lead_form() -> dict:
    return form_doc("lead", [
        field("name", required=True),
        field("phone", "phone", config={"default_region": "CN"}),
        field("secret_note"),
        field("salary", "number"),
        field("score", "number"),
        field("stage", "select", config={"choices": [{"value": "new", "label": "New"},
                                                     {"value": "won", "label": "Won"}]}),
    ], permissions=POLICY)


@dataclass
class World:
    factory: Factory
    admin: ApiClient
    users: dict[str, int]
    apis: dict[str, ApiClient]
    records: dict[str, dict]

    def api(self, name: str, scopes: list[str] | None = None) -> ApiClient:
        if scopes is not None:
            return self.factory.api(self.users[name], scopes)
        return self.apis[name]


def build_world(admin_api: ApiClient, factory: Factory) -> World:
    factory.app_doc(admin_api)
    publish(admin_api, lead_form())
    users = {
        "designer": factory.user("designer@example.com", ["designer"]),
        "alice": factory.user("alice@example.com", ["member"], teams=["north"]),
        "bob": factory.user("bob@example.com", ["member"], teams=["north"]),
        "carol": factory.user("carol@example.com", ["member"], teams=["south"]),
        "loner": factory.user("loner@example.com", ["member"]),
        "dave": factory.user("dave@example.com", ["auditor"]),
        "eve": factory.user("eve@example.com", ["sales"], teams=["south"]),
        "frank": factory.user("frank@example.com", ["manager"], teams=["north"]),
        "guest": factory.user("guest@example.com", ["guest"]),
        "both": factory.user("both@example.com", ["member", "auditor"], teams=["south"]),
    }
    apis = {name: factory.api(uid) for name, uid in users.items()}
    records = {}
    for name in ("alice", "bob", "carol", "eve", "loner"):
        records[name] = apis[name].create("crm", "lead", {
            "name": f"lead of {name}", "phone": "13800138000", "stage": "new"})
    records["admin"] = admin_api.create("crm", "lead", {
        "name": "boss lead", "secret_note": "classified", "salary": 9000, "score": 5})
    records["given"] = admin_api.create("crm", "lead", {
        "name": "given to alice", "secret_note": "classified too", "salary": 100,
        "score": 1, "owner": users["alice"]})
    return World(factory, admin_api, users, apis, records)


@pytest.fixture
def world(admin_api, factory) -> World:
    """A world of its own, for tests that change it."""
    return build_world(admin_api, factory)


@pytest.fixture(scope="module")
def seen(shared_app, shared_admin) -> World:
    """One world for the tests that only look (or whose every write is refused)."""
    return build_world(shared_admin, Factory(shared_app))


def names(api: ApiClient, **params) -> set[str]:
    return {r["name"] for r in api.records("crm", "lead", per_page=1000, **params)["records"]}


def total(api: ApiClient, **params) -> int:
    return api.records("crm", "lead", **params)["total"]


# -- row scopes --------------------------------------------------------------------------------
def test_read_scopes_in_lists_and_counts(seen):
    everyone = {"lead of alice", "lead of bob", "lead of carol", "lead of eve", "lead of loner",
                "boss lead", "given to alice"}
    assert names(seen.admin) == everyone
    assert names(seen.api("designer")) == everyone  # default policy of designers: all
    assert names(seen.api("dave")) == everyone  # auditor: read all
    north = {"lead of alice", "lead of bob", "given to alice"}
    assert names(seen.api("alice")) == north  # team scope: her team's records
    assert names(seen.api("bob")) == north
    assert names(seen.api("frank")) == north
    assert names(seen.api("carol")) == {"lead of carol", "lead of eve"}  # the other team
    assert names(seen.api("eve")) == {"lead of eve"}  # own scope
    assert names(seen.api("loner")) == {"lead of loner"}  # team scope without a team: own
    for name, expected in [("alice", 3), ("carol", 2), ("eve", 1), ("dave", 7)]:
        assert total(seen.api(name)) == len(names(seen.api(name))) == expected
        assert total(seen.api(name), per_page=1) == expected
    assert_error(seen.api("guest").get(BASE), 403)  # a role the form gives nothing


def test_read_scopes_on_single_records_and_history(seen):
    carol = seen.records["carol"]["id"]
    assert_error(seen.api("alice").get(f"{BASE}/{carol}"), 404)
    assert_error(seen.api("alice").get(f"{BASE}/{carol}/history"), 404)
    assert seen.api("eve").get(f"{BASE}/{carol}").status_code == 404
    assert seen.api("carol").get(f"{BASE}/{carol}").status_code == 200
    assert seen.api("dave").get(f"{BASE}/{carol}/history").status_code == 200
    bob = seen.records["bob"]["id"]
    assert seen.api("alice").ok("GET", f"{BASE}/{bob}")["name"] == "lead of bob"


def test_cursor_pages_respect_the_scope(seen):
    api = seen.api("alice")
    seen, cursor = [], None
    while True:
        suffix = f"&cursor={cursor}" if cursor else ""
        page = api.ok("GET", f"{BASE}?per_page=1{suffix}")
        seen += [r["name"] for r in page["records"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert set(seen) == {"lead of alice", "lead of bob", "given to alice"} and len(seen) == 3


def test_create_scopes(world):
    assert_error(world.api("dave").post(BASE, json={"name": "x"}), 403, "", "create")
    assert_error(world.api("frank").post(BASE, json={"name": "x"}), 403)
    assert_error(world.api("guest").post(BASE, json={"name": "x"}), 403)
    bulk = world.api("dave").post(BASE + "/bulk", json={"records": [{"name": "x"}]})
    assert_error(bulk, 403)
    assert world.api("eve").create("crm", "lead", {"name": "mine"})["owner"] == world.users["eve"]


def test_update_scopes(world):
    alice, bob, carol = (world.records[n]["id"] for n in ("alice", "bob", "carol"))
    # own: her record yes; a team mate's record she may read but not change
    world.api("alice").ok("PATCH", f"{BASE}/{alice}", json={"stage": "won"})
    response = world.api("alice").patch(f"{BASE}/{bob}", json={"stage": "won"})
    assert response.status_code in (403, 404)
    assert_error(response, response.status_code)
    # team: the manager changes his team's records, not the other team's
    world.api("frank").ok("PATCH", f"{BASE}/{bob}", json={"stage": "won"})
    assert_error(world.api("frank").patch(f"{BASE}/{carol}", json={"stage": "won"}), 404)
    # none
    assert_error(world.api("dave").patch(f"{BASE}/{carol}", json={"stage": "won"}), 403)
    assert world.admin.ok("GET", f"{BASE}/{carol}")["stage"] == "new"
    assert world.admin.ok("GET", f"{BASE}/{carol}")["version"] == 1


def test_delete_scopes(world):
    alice, bob, carol, eve = (world.records[n]["id"] for n in ("alice", "bob", "carol", "eve"))
    assert_error(world.api("alice").delete(f"{BASE}/{alice}"), 403, "", "delete")  # none
    assert_error(world.api("eve").delete(f"{BASE}/{carol}"), 404)  # own: not hers
    world.api("eve").ok("DELETE", f"{BASE}/{eve}", 204)
    world.api("frank").ok("DELETE", f"{BASE}/{bob}", 204)  # team
    assert_error(world.api("frank").delete(f"{BASE}/{carol}"), 404)
    assert total(world.admin) == 5
    assert world.admin.ok("GET", f"{BASE}/{alice}")["version"] == 1


def test_owner_reassignment(world):
    alice = world.records["alice"]["id"]
    response = world.api("alice").patch(f"{BASE}/{alice}", json={"owner": world.users["bob"]})
    assert_error(response, 422, "/owner", "someone else")
    assert_error(world.api("alice").post(BASE, json={"name": "x", "owner": world.users["bob"]}),
                 422, "/owner")
    world.admin.ok("PATCH", f"{BASE}/{alice}", json={"owner": world.users["carol"]})
    assert "lead of alice" not in names(world.api("alice"))
    assert "lead of alice" in names(world.api("carol"))


# -- hidden and read-only fields ---------------------------------------------------------------
def test_hidden_fields_never_reach_the_member(seen):
    given = seen.records["given"]["id"]
    api = seen.api("alice")
    got = api.ok("GET", f"{BASE}/{given}")
    assert "secret_note" not in got and "salary" not in got
    assert got["score"] == 1  # read-only, but visible
    for record in api.records("crm", "lead")["records"]:
        assert "secret_note" not in record and "salary" not in record
    admin_view = seen.admin.ok("GET", f"{BASE}/{given}")
    assert admin_view["secret_note"] == "classified too" and admin_view["salary"] == 100
    # the auditor hides another field
    dave_view = seen.api("dave").ok("GET", f"{BASE}/{given}")
    assert "phone" not in dave_view and dave_view["secret_note"] == "classified too"


def test_search_does_not_match_hidden_values(seen):
    assert total(seen.admin, q="classified") == 2
    assert total(seen.api("alice"), q="classified") == 0
    assert total(seen.api("alice"), q="given") == 1
    # the auditor hides the phone: searching by number finds nothing for him
    assert total(seen.admin, q="0013800") == 5
    assert total(seen.api("dave"), q="0013800") == 0


def test_filter_and_sort_on_hidden_fields_are_400(seen):
    api = seen.api("alice")
    assert_error(api.get(BASE + '?filter={"secret_note":"classified"}'), 400, "/filter/0/field")
    assert_error(api.get(BASE + '?filter=[{"field":"salary","op":"gt","value":0}]'), 400,
                 "/filter/0/field")
    assert_error(api.get(BASE + '?filter={"salary":{"isnull":true}}'), 400, "/filter/0/field")
    assert_error(api.get(BASE + "?sort=-salary"), 400, "/sort/0")
    assert seen.admin.get(BASE + '?filter={"secret_note":"classified"}').status_code == 200


def test_hidden_field_changes_are_not_in_the_history(world):
    given = world.records["given"]["id"]
    world.admin.ok("PATCH", f"{BASE}/{given}", json={"salary": 200, "stage": "won"})
    admin_history = world.admin.ok("GET", f"{BASE}/{given}/history")["entries"]
    member_history = world.api("alice").ok("GET", f"{BASE}/{given}/history")["entries"]
    assert [e["action"] for e in member_history] == ["create", "update"]
    admin_fields = [{c["field"] for c in e["changes"]} for e in admin_history]
    member_fields = [{c["field"] for c in e["changes"]} for e in member_history]
    assert {"secret_note", "salary"} <= admin_fields[0]
    assert member_fields[0] == admin_fields[0] - {"secret_note", "salary"}
    assert member_fields[1] == {"stage"}
    text = str(member_history)
    assert "classified" not in text and "200" not in text


def test_read_only_and_hidden_fields_cannot_be_set(world):
    alice = world.records["alice"]["id"]
    api = world.api("alice")
    assert_error(api.patch(f"{BASE}/{alice}", json={"score": 10}), 422, "/score",
                 "may not set")
    assert_error(api.patch(f"{BASE}/{alice}", json={"salary": 10}), 422, "/salary")
    assert_error(api.post(BASE, json={"name": "x", "score": 3}), 422, "/score")
    assert_error(api.post(BASE, json={"name": "x", "secret_note": "x"}), 422, "/secret_note")
    created = api.create("crm", "lead", {"name": "new one"})
    assert "secret_note" not in created and "salary" not in created
    result = api.ok("POST", BASE + "/bulk", json={"records": [{"name": "ok"},
                                                             {"name": "x", "score": 3}]})
    assert [("record" in r) for r in result["results"]] == [True, False]
    assert world.admin.ok("GET", f"{BASE}/{alice}")["version"] == 1
    world.admin.ok("PATCH", f"{BASE}/{alice}", json={"score": 10})


def test_several_roles_merge(world):
    """member + auditor: the widest scope wins; a field stays hidden only when every role that
    reads hides it (the member hides the note, the auditor the phone: neither stays hidden)."""
    api = world.api("both")
    assert total(api) == 7  # the auditor reads all
    got = api.ok("GET", f"{BASE}/{world.records['given']['id']}")
    assert got["secret_note"] == "classified too" and got["phone"] is None
    assert api.create("crm", "lead", {"name": "x"})["name"] == "x"  # the member creates


# -- tokens and metadata -----------------------------------------------------------------------
def test_token_scopes(world):
    reader = world.api("alice", ["records:read"])
    assert reader.get(BASE).status_code == 200
    assert_error(reader.post(BASE, json={"name": "x"}), 403, "", "records:write")
    alice = world.records["alice"]["id"]
    assert_error(reader.patch(f"{BASE}/{alice}", json={"stage": "won"}), 403)
    assert_error(reader.delete(f"{BASE}/{alice}"), 403)
    assert_error(reader.get("/apps"), 403, "", "metadata:read")
    writer = world.api("alice", ["records:write"])
    assert_error(writer.get(BASE), 403)
    assert writer.post(BASE, json={"name": "x"}).status_code == 201
    # a token never gives more than the user's role
    admin_scopes = world.api("alice", ["metadata:read", "metadata:write"])
    assert_error(admin_scopes.put("/apps/crm/forms/lead", json=lead_form()), 403, "", "role")


@pytest.mark.parametrize("who", ["alice", "dave", "guest"])
def test_only_designers_and_admins_change_metadata(seen, who):
    api = seen.api(who)
    doc = lead_form()
    doc["label"] = "Changed"
    assert_error(api.get("/apps/crm/forms/lead"), 403)  # it carries the policies
    assert_error(api.put("/apps/crm/forms/lead", json=doc), 403)
    assert_error(api.post("/apps/crm/forms/lead/publish"), 403)
    assert_error(api.post("/apps/crm/forms/lead/versions/1/rollback"), 403)
    assert_error(api.put("/apps/crm/forms/other", json=form_doc("other", [field("name")])), 403)
    assert_error(api.post("/apps", json={"kind": "app", "key": "shop", "label": "Shop"}), 403)
    assert_error(api.post("/apps/import", json=seen.admin.ok("GET", "/apps/crm/export")), 403)
    assert seen.admin.ok("GET", "/apps/crm/forms/lead")["label"] == "Lead"
    assert seen.admin.ok("GET", "/apps/crm/forms/lead/versions")["published_version"] == 1


def test_designers_change_metadata(world):
    api = world.api("designer")
    doc = lead_form()
    doc["label"] = "Leads"
    api.ok("PUT", "/apps/crm/forms/lead", json=doc)
    assert api.ok("POST", "/apps/crm/forms/lead/publish")["version"] == 2


def test_policy_changes_apply_on_publish(world):
    doc = lead_form()
    doc["permissions"]["roles"]["member"] = {"create": "all", "read": "all", "update": "all",
                                             "delete": "all"}
    world.admin.ok("PUT", "/apps/crm/forms/lead", json=doc)
    assert total(world.api("alice")) == 3  # the draft is not in force
    world.admin.ok("POST", "/apps/crm/forms/lead/publish")
    assert total(world.api("alice")) == 7
    got = world.api("alice").ok("GET", f"{BASE}/{world.records['admin']['id']}")
    assert got["secret_note"] == "classified"


def test_forms_without_a_policy_use_the_defaults(world, factory):
    publish(world.admin, form_doc("note", [field("text")]))
    alice, bob = world.api("alice"), world.api("bob")
    mine = alice.create("crm", "note", {"text": "a"})
    path = f"/apps/crm/forms/note/records/{mine['id']}"
    assert bob.ok("GET", path)["text"] == "a"  # members read all
    assert_error(bob.patch(path, json={"text": "b"}), 403)  # but change only their own
    assert_error(bob.delete(path), 403)
    alice.ok("PATCH", path, json={"text": "b"})
    alice.ok("DELETE", path, 204)
    assert_error(world.api("guest").get("/apps/crm/forms/note/records"), 403)

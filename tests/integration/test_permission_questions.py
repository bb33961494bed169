"""The questions views ask the records and permissions services instead of building SQL:
may this principal act on record N, on any record of a form, which rows may they read, which
forms may they read."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from runtime.permissions import SYSTEM, readable_forms
from tests.integration.helpers import field, form_doc, publish

pytestmark = pytest.mark.integration

POLICY = {"roles": {
    "member": {"create": "all", "read": "team", "update": "own", "delete": "none"},
    "auditor": {"create": "none", "read": "all", "update": "none", "delete": "none"},
}}


@pytest.fixture
def world(app, runtime, factory, admin_api) -> dict[str, int]:
    factory.app_doc(admin_api)
    publish(admin_api, form_doc("deal", [field("title")], permissions=POLICY))
    none = {"create": "none", "read": "none", "update": "none", "delete": "none"}
    publish(admin_api, form_doc("memo", [field("title")], permissions={"roles": {
        "member": none, "auditor": {**none, "read": "own"}}}))
    ids = {
        "alice": factory.user("alice@example.com", ["member"], teams=["north"]),
        "gus": factory.user("gus@example.com", ["member"], teams=["north"]),
        "carol": factory.user("carol@example.com", ["member"], teams=["south"]),
        "dave": factory.user("dave@example.com", ["auditor"]),
        "olga": factory.user("olga@example.com", ["outsider"]),
    }
    for owner in ("alice", "gus", "carol"):
        ids[f"{owner}_deal"] = admin_api.create("crm", "deal", {
            "title": owner, "owner": ids[owner]})["id"]
    ids["deleted"] = admin_api.create("crm", "deal", {"title": "gone",
                                                      "owner": ids["alice"]})["id"]
    admin_api.ok("DELETE", f"/apps/crm/forms/deal/records/{ids['deleted']}", 204)
    with runtime.engine.begin() as conn:  # a team mate who left: their records stay the team's
        conn.execute(sa.text("UPDATE users SET active = :no WHERE id = :id"),
                     {"no": False, "id": ids["gus"]})
    return ids


@pytest.fixture
def records_of(runtime, world):
    with runtime.session(read_only=True) as session, session.begin():
        plan = runtime.plan(session, "crm", "deal")

        def records(who: str):
            principal = runtime.directory.principal(session, world[who])
            return runtime.records(session, plan, principal, via="ui")

        yield records


def test_may_this_principal_act_on_record_n(world, records_of):
    alice = records_of("alice")
    assert alice.may("read", world["alice_deal"]) and alice.may("update", world["alice_deal"])
    assert alice.may("read", world["gus_deal"])  # a team mate's, inactive or not
    assert not alice.may("update", world["gus_deal"])  # update: her own only
    assert not alice.may("read", world["carol_deal"])  # another team's
    assert not alice.may("delete", world["alice_deal"])  # delete: none
    assert not alice.may("read", world["deleted"])
    assert not alice.may("read", 999_999)
    dave = records_of("dave")
    assert dave.may("read", world["carol_deal"]) and not dave.may("update", world["carol_deal"])


def test_may_this_principal_act_on_any_record_of_the_form(world, records_of):
    alice, dave, olga = records_of("alice"), records_of("dave"), records_of("olga")
    assert alice.may("create") and alice.may("read") and not alice.may("delete")
    assert dave.may("read") and not dave.may("create")
    # no policy for the role: nothing, and asking about a record raises nothing either
    assert not olga.may("read") and not olga.may("read", world["alice_deal"])


def test_the_rows_a_principal_may_read(world, records_of):
    wanted = [world[k] for k in ("alice_deal", "gus_deal", "carol_deal", "deleted")] + [999_999]
    assert {r["id"] for r in records_of("alice").readable_rows(wanted)} == {
        world["alice_deal"], world["gus_deal"]}
    assert {r["id"] for r in records_of("dave").readable_rows(wanted)} == {
        world["alice_deal"], world["gus_deal"], world["carol_deal"]}
    assert records_of("olga").readable_rows(wanted) == []
    assert records_of("alice").readable_rows([]) == []


def test_which_forms_a_principal_may_read(runtime, world):
    with runtime.session(read_only=True) as session:
        forms = runtime.published_forms(session, "crm")
        principal = runtime.directory.principal
        assert readable_forms(principal(session, world["alice"]), forms) == {"deal"}
        assert readable_forms(principal(session, world["dave"]), forms) == {"deal", "memo"}
        assert readable_forms(principal(session, world["olga"]), forms) == frozenset()
        assert readable_forms(SYSTEM, forms) == {"deal", "memo"}


def test_the_record_page_offers_edit_and_delete_by_the_same_questions(app, world):
    client = app.test_client()
    client.post("/login", data={"email": "alice@example.com", "password": "password-123"})
    own, mate, other = (f"/a/crm/deal/{world[k]}" for k in ("alice_deal", "gus_deal",
                                                             "carol_deal"))
    page = client.get(own).get_data(as_text=True)
    assert own + "/edit" in page and own + "/delete" not in page
    page = client.get(mate).get_data(as_text=True)
    assert mate + "/edit" not in page and mate + "/delete" not in page
    assert client.get(mate + "/edit").status_code == 403
    assert client.get(other).status_code == 404

"""Relation hops obey the related form's permissions (issue 7, defect 1).

A member whose row scope is ``own`` on ``item`` and ``company``, and from whom
``company.secret`` is hidden, must not learn the secret through a formula over items (API
``filter``, the list page's ``fx``, the live form, the formula editor's endpoints), nor through
a calculated column, nor link an item to a company the member cannot read.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from urllib.parse import quote

import pytest

from tests.integration.helpers import assert_error, field, form_doc, logged_in, publish
from tests.support import ApiClient, Factory

pytestmark = pytest.mark.integration
ITEMS = "/apps/crm/forms/item/records"
COMPANIES = "/apps/crm/forms/company/records"
OWN = {"create": "all", "read": "own", "update": "own", "delete": "own"}


def company_form() -> dict:
    return form_doc("company", [
        field("name", required=True),
        field("secret"),
        field("city"),
        field("secret_len", "formula", config={"formula": "LEN({secret})"}),
        field("shout", "formula", config={"formula": '{name} & "!"'}),
    ], permissions={"roles": {"member": {**OWN, "hidden_fields": ["secret"]}}})


def vault_form() -> dict:
    return form_doc("vault", [field("code")], permissions={"roles": {"member": {
        "create": "none", "read": "none", "update": "none", "delete": "none"}}})


def item_form() -> dict:
    target = {"target_form": "company"}
    return form_doc("item", [
        field("name", required=True),
        field("company", "relation", config=target),
        field("partners", "relation", config={**target, "multiple": True}),
        field("vault", "relation", config={"target_form": "vault"}),
        field("lines", "sub_table", config={"fields": [
            field("supplier", "relation", config=target), field("qty", "number")]}),
        field("note", visible_if='{company.city} = "Paris"'),
        field("co_name", "formula", config={"formula": "{company.name}"}),
        field("co_shout", "formula", config={"formula": 'UPPER({co_name}) & "?"'}),
        field("co_secret", "formula", config={"formula": "{company.secret}"}),
        field("echo", "formula", config={"formula": '"[" & {co_secret} & "]"'}),
        field("vault_code", "formula", config={"formula": "{vault.code}"}),
    ], permissions={"roles": {"member": OWN}})


@dataclass
class World:
    admin: ApiClient
    alice: ApiClient
    users: dict[str, int]
    ids: dict[str, int]


def build_world(admin: ApiClient, factory: Factory) -> World:
    factory.app_doc(admin)
    for doc in (company_form(), vault_form(), item_form()):
        publish(admin, doc)
    users = {"alice": factory.user("alice@example.com", ["member"]),
             "bob": factory.user("bob@example.com", ["member"])}
    alice = factory.api(users["alice"])
    ids = {
        # the admin's company: outside alice's row scope
        "acme": admin.create("crm", "company", {"name": "Acme", "secret": "TOPSECRET",
                                                "city": "Paris"})["id"],
        # alice's own company, whose secret she still may not see
        "bee": admin.create("crm", "company", {"name": "Bee", "secret": "HONEY",
                                               "city": "Paris", "owner": users["alice"]})["id"],
        "safe": admin.create("crm", "vault", {"code": "1234"})["id"],
    }
    # an item the admin gave alice, linking the admin's company
    ids["given"] = admin.create("crm", "item", {
        "name": "given", "company": ids["acme"], "partners": [ids["acme"]],
        "lines": [{"supplier": ids["acme"], "qty": 1}], "vault": ids["safe"],
        "owner": users["alice"]})["id"]
    ids["mine"] = alice.create("crm", "item", {"name": "mine", "company": ids["bee"]})["id"]
    return World(admin, alice, users, ids)


@pytest.fixture(scope="module")
def seen(shared_app, shared_admin) -> World:
    """One world for the tests that only look (or whose every write is refused)."""
    return build_world(shared_admin, Factory(shared_app))


@pytest.fixture
def world(admin_api, factory) -> World:
    return build_world(admin_api, factory)


def rows(html: str) -> list[str]:
    """The names in a list page's rows (their first cell links to the record)."""
    return sorted(re.findall(r'class="row-link">([^<]*)</a>', html))


def names(api: ApiClient, flt: str) -> list[str]:
    body = api.ok("GET", f"{ITEMS}?filter={quote(flt)}&sort=name")
    return [r["name"] for r in body["records"]]


# -- the attack: recovering a hidden value through a formula filter ---------------------------
def test_a_hidden_field_of_the_related_form_cannot_be_named_in_an_api_filter(seen):
    errors = assert_error(seen.alice.get(f"{ITEMS}?filter="
                                         + quote('LEFT({company.secret}, 3) = "TOP"')),
                          400, "/filter", "{company.secret} is not a field")
    assert (errors[0]["position"], errors[0]["column"]) == (5, 6)
    assert "secret" not in errors[0]["message"].replace("{company.secret}", "")
    assert names(seen.admin, 'LEFT({company.secret}, 3) = "TOP"') == ["given"]


def test_a_form_the_reader_may_not_read_cannot_be_reached(seen):
    errors = assert_error(seen.alice.get(f"{ITEMS}?filter=" + quote('{vault.code} = "1234"')),
                          400, "/filter")
    assert errors[0]["position"] == 0
    assert names(seen.admin, '{vault.code} = "1234"') == ["given"]


def test_a_related_record_outside_the_readers_row_scope_reads_as_empty(seen):
    assert names(seen.alice, '{company.name} = "Acme"') == []
    assert names(seen.alice, "ISBLANK({company.name})") == ["given"]
    assert names(seen.alice, '{company.name} = "Bee"') == ["mine"]
    assert names(seen.admin, '{company.name} = "Acme"') == ["given"]


def test_the_list_page_refuses_hidden_related_fields_and_reads_related_rows_as_the_reader(
        seen, shared_app):
    client = logged_in(shared_app, "alice@example.com")
    page = client.get("/a/crm/item?fx=" + quote('LEFT({company.secret}, 3) = "TOP"'))
    text = html_lib.unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    assert "{company.secret} is not a field" in text
    page = client.get("/a/crm/item?fx=" + quote('{company.name} = "Acme"'))
    text = page.get_data(as_text=True)
    assert rows(text) == [] and "0 records" in text
    text = client.get("/a/crm/item?fx=" + quote('{company.name} = "Bee"')).get_data(True)
    assert rows(text) == ["mine"]
    assert rows(client.get("/a/crm/item").get_data(True)) == ["given", "mine"]


# -- linking ------------------------------------------------------------------------------------
def test_linking_a_record_the_caller_cannot_read_is_422(seen):
    acme, bee, safe = seen.ids["acme"], seen.ids["bee"], seen.ids["safe"]
    alice = seen.alice
    assert_error(alice.post(ITEMS, json={"name": "x", "company": acme}), 422, "/company",
                 "not visible to you")
    assert_error(alice.post(ITEMS, json={"name": "x", "partners": [bee, acme]}), 422,
                 "/partners", f"record {acme}")
    assert_error(alice.post(ITEMS, json={"name": "x", "lines": [{"supplier": bee},
                                                                {"supplier": acme}]}),
                 422, "/lines", "row 2")
    assert_error(alice.post(ITEMS, json={"name": "x", "vault": safe}), 422, "/vault")
    result = alice.ok("POST", ITEMS + "/bulk", json={"records": [
        {"name": "ok", "company": bee}, {"name": "bad", "company": acme}]})
    assert "record" in result["results"][0]
    assert result["results"][1]["errors"][0]["path"] == "/company"
    mine = seen.ids["mine"]
    assert_error(alice.patch(f"{ITEMS}/{mine}", json={"company": acme}), 422, "/company")
    assert_error(alice.patch(f"{ITEMS}/{mine}", json={"partners": [acme]}), 422, "/partners")
    # the same message as for a record that does not exist: nothing tells them apart
    missing = assert_error(alice.post(ITEMS, json={"name": "x", "company": 999999}), 422,
                           "/company")
    refused = assert_error(alice.post(ITEMS, json={"name": "x", "company": acme}), 422,
                           "/company")
    assert missing[0]["message"].replace("999999", "N") == \
        refused[0]["message"].replace(str(acme), "N")


def test_links_already_stored_may_be_kept(world):
    given, acme, bee = world.ids["given"], world.ids["acme"], world.ids["bee"]
    alice = world.alice
    record = alice.ok("GET", f"{ITEMS}/{given}")
    # sent back as read, links to records alice cannot read stay where they are
    updated = alice.ok("PATCH", f"{ITEMS}/{given}", json={
        "name": "given, renamed", "company": record["company"], "partners": [acme, bee],
        "lines": [{"supplier": acme, "qty": 2}, {"supplier": bee, "qty": 3}]})
    assert updated["company"] == acme and updated["partners"] == [acme, bee]
    # ... but a link she removed cannot come back
    alice.ok("PATCH", f"{ITEMS}/{given}", json={"company": bee})
    assert_error(alice.patch(f"{ITEMS}/{given}", json={"company": acme}), 422, "/company")


# -- calculated fields --------------------------------------------------------------------------
def test_calculated_fields_reading_hidden_fields_are_hidden_too(seen):
    alice_view = seen.alice.ok("GET", f"{ITEMS}/{seen.ids['mine']}")
    assert alice_view["co_name"] == "Bee" and alice_view["co_shout"] == "BEE?"
    for key in ("co_secret", "echo", "vault_code"):
        assert key not in alice_view
    admin_view = seen.admin.ok("GET", f"{ITEMS}/{seen.ids['mine']}")
    # computed on the whole record, whoever saved it
    assert (admin_view["co_secret"], admin_view["echo"]) == ("HONEY", "[HONEY]")
    for record in seen.alice.ok("GET", ITEMS)["records"]:
        assert not {"co_secret", "echo", "vault_code"} & set(record)
    company = seen.alice.ok("GET", f"{COMPANIES}/{seen.ids['bee']}")
    assert "secret_len" not in company and company["shout"] == "Bee!"
    assert_error(seen.alice.get(f"{ITEMS}?filter=" + quote('{echo} = "[HONEY]"')), 400,
                 "/filter", "{echo} is not a field")
    assert_error(seen.alice.get(f"{ITEMS}?sort=co_secret"), 400, "/sort/0")
    assert seen.alice.ok("GET", f"{ITEMS}?q=HONEY")["total"] == 0
    history = seen.alice.ok("GET", f"{ITEMS}/{seen.ids['mine']}/history")["entries"]
    assert "HONEY" not in str(history) and "co_name" in str(history)


def test_the_stored_value_does_not_depend_on_who_saved(world):
    mine = world.ids["mine"]
    world.alice.ok("PATCH", f"{ITEMS}/{mine}", json={"name": "renamed by alice"})
    assert world.admin.ok("GET", f"{ITEMS}/{mine}")["co_secret"] == "HONEY"
    given = world.ids["given"]
    world.alice.ok("PATCH", f"{ITEMS}/{given}", json={"name": "renamed"})
    admin_view = world.admin.ok("GET", f"{ITEMS}/{given}")
    assert (admin_view["co_name"], admin_view["co_secret"], admin_view["vault_code"]) == (
        "Acme", "TOPSECRET", "1234")
    # the calculated column the reader may see is the designer's publication
    assert world.alice.ok("GET", f"{ITEMS}/{given}")["co_name"] == "Acme"


# -- the live form ------------------------------------------------------------------------------
def test_the_live_form_reads_related_records_as_the_reader(seen, shared_app):
    client = logged_in(shared_app, "alice@example.com")
    state = client.post("/a/crm/item/state", data={"name": "x",
                                                   "company": str(seen.ids["acme"])}).get_json()
    assert state["values"]["co_name"] == "" and state["values"]["co_shout"] == "?"
    assert "note" in state["hidden"]  # {company.city} reads as empty
    assert not {"co_secret", "echo", "vault_code"} & set(state["values"])
    state = client.post("/a/crm/item/state", data={"name": "x",
                                                   "company": str(seen.ids["bee"])}).get_json()
    assert state["values"]["co_name"] == "Bee" and "note" not in state["hidden"]
    admin = logged_in(shared_app)
    state = admin.post("/a/crm/item/state", data={"name": "x",
                                                  "company": str(seen.ids["acme"])}).get_json()
    assert state["values"]["co_name"] == "Acme" and state["values"]["co_secret"] == "TOPSECRET"
    # the stored record's links too
    page = client.get(f"/a/crm/item/{seen.ids['given']}/edit").get_data(as_text=True)
    assert "TOPSECRET" not in page and "Acme" not in page
    state = client.post(f"/a/crm/item/state?record={seen.ids['given']}",
                        data={"name": "given"}).get_json()
    assert state["values"]["co_name"] == ""


# -- the formula editor's endpoints -------------------------------------------------------------
def test_the_field_list_shows_each_reader_what_the_reader_may_see(seen):
    url = "/apps/crm/forms/item/formula/fields"
    refs = {f["ref"] for f in seen.alice.ok("GET", url)["fields"]}
    assert {"name", "co_name", "co_shout", "company.name", "company.city"} <= refs
    assert not {"co_secret", "echo", "vault_code", "company.secret", "vault.code"} & refs
    admin_refs = {f["ref"] for f in seen.admin.ok("GET", url)["fields"]}
    assert {"co_secret", "echo", "company.secret", "vault.code"} <= admin_refs
    company = {f["ref"] for f in seen.alice.ok("GET", "/apps/crm/forms/company/formula/fields")
               ["fields"]}
    assert "name" in company and not {"secret", "secret_len"} & company


def test_the_formula_check_refuses_what_the_reader_may_not_see(seen):
    url = "/apps/crm/forms/item/formula"
    answer = seen.alice.ok("POST", url, json={"formula": 'LEFT({company.secret}, 3) = "TOP"'})
    assert answer["ok"] is False and answer["error"]["column"] == 6
    assert "{company.secret} is not a field" in answer["error"]["message"]
    answer = seen.alice.ok("POST", url, json={"formula": "{co_secret}"})
    assert answer["ok"] is False
    answer = seen.alice.ok("POST", url, json={"formula": "{company.name} & {co_name}",
                                              "record": {"company.name": "A", "co_name": "B"}})
    # calculated values are worked out from the sample
    assert answer["ok"] is True and answer["value"] == "AA"
    assert seen.admin.ok("POST", url, json={"formula": "{company.secret}"})["ok"] is True


# -- view filters -------------------------------------------------------------------------------
def test_view_filters_may_name_hidden_fields_but_read_related_rows_as_the_reader(world,
                                                                                   app):
    view = {"kind": "view", "key": "honey", "form": "item", "label": "Honey",
            "filter": 'ISBLANK({vault.code}) AND {company.secret} = "HONEY" '
                      'OR {company.secret} = "TOPSECRET"'}
    world.admin.ok("PUT", "/apps/crm/views/honey", json=view)
    world.admin.ok("POST", "/apps/crm/views/honey/publish")
    client = logged_in(app, "alice@example.com")
    page = client.get("/a/crm/item?view=honey")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'class="alert alert-error"' not in text
    # her own company's secret matches; the admin's company reads as empty for her
    assert rows(text) == ["mine"]
    admin = logged_in(app).get("/a/crm/item?view=honey").get_data(as_text=True)
    assert rows(admin) == ["given", "mine"]
    # a view's field filters may name hidden fields too
    view = {"kind": "view", "key": "acme", "form": "company", "label": "Acme",
            "filters": [{"field": "secret", "op": "eq", "value": "HONEY"}]}
    world.admin.ok("PUT", "/apps/crm/views/acme", json=view)
    world.admin.ok("POST", "/apps/crm/views/acme/publish")
    text = client.get("/a/crm/company?view=acme").get_data(as_text=True)
    assert rows(text) == ["Bee"] and 'class="alert alert-error"' not in text
    # a view sorted by a column hidden from the reader lists in its other order, no error
    view = {"kind": "view", "key": "by_secret", "form": "item", "label": "By secret",
            "sort": [{"field": "co_secret", "direction": "desc"}]}
    world.admin.ok("PUT", "/apps/crm/views/by_secret", json=view)
    world.admin.ok("POST", "/apps/crm/views/by_secret/publish")
    text = client.get("/a/crm/item?view=by_secret").get_data(as_text=True)
    assert rows(text) == ["given", "mine"] and 'class="alert alert-error"' not in text


def test_a_team_scope_reaches_the_teams_related_records(world, factory):
    team = {**OWN, "read": "team"}
    publish(world.admin, {**company_form(), "permissions": {"roles": {"member": {
        **team, "hidden_fields": ["secret"]}}}})
    dan = factory.user("dan@example.com", ["member"], teams=["north"])
    eve = factory.user("eve@example.com", ["member"], teams=["north"])
    fay = factory.user("fay@example.com", ["member"])
    eve_co = world.admin.create("crm", "company", {"name": "Eve Co", "owner": eve})["id"]
    for owner, name in ((dan, "dan's"), (fay, "fay's")):
        world.admin.create("crm", "item", {"name": name, "company": eve_co, "owner": owner})
    assert names(factory.api(dan), '{company.name} = "Eve Co"') == ["dan's"]
    assert names(factory.api(fay), '{company.name} = "Eve Co"') == []
    factory.api(dan).create("crm", "item", {"name": "linked", "company": eve_co})
    assert_error(factory.api(fay).post(ITEMS, json={"name": "x", "company": eve_co}), 422,
                 "/company")

"""Bulk changes through the API: each chosen record passes the checks a single change passes
(row scope, hidden and read-only fields, validation and calculated formulas, unique values),
is changed whole or not at all, leaves its audit entry and record event, and what was refused
comes back with the reasons; requests are bounded."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from runtime.events.consumers import Consumer, ConsumerContext
from runtime.events.event import RecordEvent
from runtime.events.models import RecordEventRow
from runtime.storage.models import AuditEntry
from tests.integration.helpers import STAGES, assert_error, field, form_doc, publish
from tests.support import Factory

BASE = "/apps/crm/forms/deal/records"


def deal_doc() -> dict:
    return form_doc("deal", [
        field("title", required=True),
        field("stage", "select", config=STAGES),
        field("amount", "number", validate=[{
            "formula": 'OR({stage} <> "won", COALESCE({amount}, 0) <= 1000)',
            "message": "a won deal is at most 1000"}]),
        field("email", "email", unique=True),
        field("secret"), field("locked"), field("city"),
        field("score", "formula", config={"formula": 'IF({stage} = "won", 10, 1)'}),
    ], title_field="title", permissions={"roles": {"member": {
        "create": "all", "read": "all", "update": "own", "delete": "own",
        "hidden_fields": ["secret"], "readonly_fields": ["locked"]}}})


@pytest.fixture
def crm(admin_api, factory):
    factory.app_doc(admin_api)
    publish(admin_api, deal_doc())
    member = factory.api(factory.user("mia@example.com", ["member"], name="Mia"))
    return {"admin": admin_api, "member": member}


def create(api, **values) -> dict:
    return api.create("crm", "deal", {"title": "deal", **values})


def read(api, record_id: int) -> dict:
    return api.ok("GET", f"{BASE}/{record_id}")


def audit(runtime, record_id: int) -> list[dict]:
    with runtime.engine.connect() as conn:
        table = AuditEntry.__table__
        rows = conn.execute(sa.select(table).where(table.c.record_id == record_id,
                                                   table.c.form_key == "deal")
                            .order_by(table.c.id)).mappings()
        return [dict(r) for r in rows]


def events(runtime, record_id: int) -> list[dict]:
    with runtime.engine.connect() as conn:
        table = RecordEventRow.__table__
        rows = conn.execute(sa.select(table).where(table.c.record_id == record_id,
                                                   table.c.form_key == "deal")
                            .order_by(table.c.id)).mappings()
        return [dict(r) for r in rows]


def by_id(answer: dict) -> dict[int, dict]:
    return {r["id"]: r for r in answer["results"]}


# -- update ------------------------------------------------------------------------------------
def test_bulk_update_changes_each_record_the_reader_may_and_says_why_not_the_others(
        crm, runtime):
    mine = [create(crm["member"], amount=100)["id"] for _ in range(2)]
    theirs = create(crm["admin"])["id"]
    answer = crm["member"].ok("POST", f"{BASE}/bulk-update",
                              json={"ids": [*mine, theirs, 999_999, mine[0]],
                                    "changes": {"stage": "won"}})
    assert (answer["action"], answer["updated"], answer["unchanged"], answer["refused"]) \
        == ("update", 2, 0, 2)
    assert [r["id"] for r in answer["results"]] == [*mine, theirs, 999_999]  # each id once
    results = by_id(answer)
    assert results[theirs]["errors"] == [
        {"path": "", "message": "you may read this record but not change it"}]
    assert results[999_999]["errors"][0]["message"] == \
        "the record does not exist or is not visible to you"
    for record_id in mine:
        record = read(crm["member"], record_id)
        assert (record["stage"], record["score"], record["version"]) == ("won", 10, 2)
        assert results[record_id] == {"id": record_id, "status": "updated", "version": 2}
        entry = audit(runtime, record_id)[-1]  # audited and an event, as a single update
        assert (entry["action"], entry["via"], entry["user_id"]) == \
            ("update", "api", crm["member"].user_id)
        assert {c["field"] for c in entry["changes"]} == {"stage", "score"}
        assert events(runtime, record_id)[-1]["changes"]["stage"] == [None, "won"]
    assert read(crm["admin"], theirs)["version"] == 1 and len(audit(runtime, theirs)) == 1


def test_the_forms_validation_refuses_records_one_by_one(crm):
    small = create(crm["admin"], amount=500)["id"]
    big = create(crm["admin"], amount=5000)["id"]
    already = create(crm["admin"], stage="won", amount=1)["id"]
    answer = crm["admin"].ok("POST", f"{BASE}/bulk-update",
                             json={"ids": [small, big, already], "changes": {"stage": "won"}})
    results = by_id(answer)
    assert results[small]["status"] == "updated"
    assert results[already] == {"id": already, "status": "unchanged", "version": 1}
    assert results[big]["status"] == "refused"
    assert results[big]["errors"] == [{"path": "/amount",
                                       "message": "a won deal is at most 1000"}]
    assert read(crm["admin"], big)["stage"] is None  # left as it was


def test_unique_values_are_refused_for_all_but_one(crm):
    ids = [create(crm["admin"])["id"] for _ in range(3)]
    answer = crm["admin"].ok("POST", f"{BASE}/bulk-update",
                             json={"ids": ids, "changes": {"email": "same@example.com"}})
    assert [r["status"] for r in answer["results"]] == ["updated", "refused", "refused"]
    assert "same@example.com" in answer["results"][1]["errors"][0]["message"]


def test_hidden_and_read_only_fields_are_refused_whole(crm):
    record = create(crm["member"])["id"]
    for key, message in (("secret", "is not a field of deal"),
                         ("nope", "is not a field of deal"),
                         ("locked", "you may not set this field"),
                         ("score", "calculated by its formula")):
        response = crm["member"].post(f"{BASE}/bulk-update",
                                      json={"ids": [record], "changes": {key: "x"}})
        assert_error(response, 422, f"/changes/{key}", message)
    assert_error(crm["member"].post(f"{BASE}/bulk-update",
                                    json={"ids": [record], "changes": {"amount": "many"}}),
                 422, "/changes/amount")
    assert_error(crm["member"].post(f"{BASE}/bulk-update", json={"ids": [record]}), 422,
                 "/changes")
    assert read(crm["admin"], record)["version"] == 1
    assert "secret" not in read(crm["member"], record)


def test_requests_are_bounded_and_checked(crm):
    api = crm["admin"]
    changes = {"stage": "won"}
    assert_error(api.post(f"{BASE}/bulk-update", json={"ids": list(range(1, 1002)),
                                                        "changes": changes}),
                 413, "/ids", "at most 1000")
    assert_error(api.post(f"{BASE}/bulk-update", json={"ids": [], "changes": changes}),
                 400, "/ids")
    assert_error(api.post(f"{BASE}/bulk-delete", json={"ids": "1,2"}), 400, "/ids")
    assert_error(api.post(f"{BASE}/bulk-delete", json={"ids": [1, "two", True, 0, 2**40]}),
                 422)
    errors = assert_error(api.post(f"{BASE}/bulk-delete", json={"ids": [1, "two"]}), 422)
    assert [e["path"] for e in errors] == ["/ids/1"]
    assert_error(api.post(f"{BASE}/bulk-delete", json=[1, 2]), 422)
    assert_error(api.post(f"{BASE}/bulk-delete", data="ids", content_type="text/plain"), 415)
    ids = [create(api)["id"] for _ in range(3)]
    answer = api.ok("POST", f"{BASE}/bulk-update",
                    json={"ids": ids * 333 + ids[:1], "changes": changes})  # 1000: allowed
    assert answer["updated"] == 3


def test_a_token_without_write_scope_may_not(crm, factory):
    record = create(crm["admin"])["id"]
    reader = factory.api(crm["admin"].user_id, ["records:read"])
    assert_error(reader.post(f"{BASE}/bulk-delete", json={"ids": [record]}), 403)


# -- atomic per record -------------------------------------------------------------------------
class Tripwire(Consumer):
    """A synchronous consumer that fails on records of the city "boom", after their row, audit
    entry and event were written: nothing of those records may stay."""

    key = "tripwire"
    synchronous = True
    forms = frozenset({("crm", "deal")})

    def consume(self, ctx: ConsumerContext, event: RecordEvent) -> None:
        if event.kind == "update" and ctx.records("deal").get(event.record_id)["city"] == "boom":
            raise RuntimeError("tripwire")


def test_each_record_is_written_whole_or_not_at_all(fresh_app):
    app = fresh_app(EVENT_CONSUMERS=(Tripwire,))
    runtime, factory = app.extensions["trellis"], Factory(app)
    admin = factory.api(factory.user("admin@example.com", ["admin"]))
    factory.app_doc(admin)
    publish(admin, deal_doc())
    ok, boom, ok2 = (create(admin, city=c)["id"] for c in ("sh", "boom", "bj"))
    answer = admin.ok("POST", f"{BASE}/bulk-update",
                      json={"ids": [ok, boom, ok2], "changes": {"stage": "lost"}})
    assert [r["status"] for r in answer["results"]] == ["updated", "refused", "updated"]
    assert "tripwire" in answer["results"][1]["errors"][0]["message"]
    assert read(admin, boom)["stage"] is None and read(admin, boom)["version"] == 1
    assert [e["action"] for e in audit(runtime, boom)] == ["create"]
    assert [e["kind"] for e in events(runtime, boom)] == ["create"]
    for record_id in (ok, ok2):
        assert read(admin, record_id)["stage"] == "lost"
        assert [e["kind"] for e in events(runtime, record_id)] == ["create", "update"]


# -- delete and assign -------------------------------------------------------------------------
def test_bulk_delete_is_soft_per_row_scope_and_audited(crm, runtime):
    mine = create(crm["member"])["id"]
    theirs = create(crm["admin"])["id"]
    answer = crm["member"].ok("POST", f"{BASE}/bulk-delete", json={"ids": [mine, theirs]})
    assert (answer["deleted"], answer["refused"]) == (1, 1)
    assert by_id(answer)[theirs]["errors"][0]["message"] == \
        "you may read this record but not delete it"
    assert crm["member"].get(f"{BASE}/{mine}").status_code == 404
    assert audit(runtime, mine)[-1]["action"] == "delete"
    assert events(runtime, mine)[-1]["kind"] == "delete"
    with runtime.engine.connect() as conn:  # soft: the row stays
        assert conn.execute(sa.text("SELECT deleted_at FROM crm__deal WHERE id = :i"),
                            {"i": mine}).scalar() is not None
    again = crm["member"].ok("POST", f"{BASE}/bulk-delete", json={"ids": [mine]})
    assert again["results"][0]["status"] == "refused"


def test_bulk_assign_needs_the_right_to_update_all(crm, runtime):
    ids = [create(crm["admin"])["id"] for _ in range(2)]
    member = crm["member"].user_id
    answer = crm["admin"].ok("POST", f"{BASE}/bulk-assign", json={"ids": ids,
                                                                  "owner": member})
    assert answer["updated"] == 2
    assert {read(crm["admin"], i)["owner"] for i in ids} == {member}
    assert audit(runtime, ids[0])[-1]["changes"] == [
        {"field": "owner", "old": crm["admin"].user_id, "new": member}]
    # the member now owns them, but may not give them to someone else
    assert_error(crm["member"].post(f"{BASE}/bulk-assign",
                                    json={"ids": ids, "owner": crm["admin"].user_id}),
                 422, "/owner", "may not give records to someone else")
    assert_error(crm["admin"].post(f"{BASE}/bulk-assign", json={"ids": ids, "owner": 987}),
                 422, "/owner", "does not exist")
    assert_error(crm["admin"].post(f"{BASE}/bulk-assign", json={"ids": ids}), 422, "/owner")
    mine = crm["member"].ok("POST", f"{BASE}/bulk-assign", json={"ids": ids,
                                                                 "owner": member})
    assert mine["unchanged"] == 2


def test_an_update_that_changes_nothing_answers_without_hidden_fields(crm):
    """Found on the way: such an update answered with the stored record whole."""
    record = create(crm["member"], stage="new")["id"]
    crm["admin"].ok("PATCH", f"{BASE}/{record}", json={"secret": "top secret"})
    answer = crm["member"].ok("PATCH", f"{BASE}/{record}", json={"stage": "new"})
    assert answer["version"] == 2 and "secret" not in answer
    bulk = crm["member"].ok("POST", f"{BASE}/bulk-update",
                            json={"ids": [record], "changes": {"stage": "new"}})
    assert bulk["results"] == [{"id": record, "status": "unchanged", "version": 2}]

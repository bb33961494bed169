"""Record events: every write on every path writes its event in the write's transaction;
synchronous consumers act inside it; asynchronous ones get jobs only after the commit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.integration.events_support import (
    Echo,
    Preparer,
    Recorder,
    Scorer,
    deliveries,
    events,
    received,
    setup_crm,
    trellis_queue,
)
from tests.integration.helpers import PASSWORD, assert_error, field, form_doc

T0 = datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)


def test_every_path_writes_one_event_in_the_writes_transaction(app, runtime, client):
    factory, admin = setup_crm(app)
    runtime.clock.set(T0)
    base = "/apps/crm/forms/lead/records"
    one = admin.create("crm", "lead", {"name": "Ann", "city": "Wuhan"})
    bulk = admin.ok("POST", base + "/bulk", json=[{"name": "Bob"}, {"name": ""}, {"name": "Cy"}])
    assert bulk["created"] == 2
    admin.ok("PATCH", f"{base}/{one['id']}", json={"city": "Xi'an"})
    admin.ok("PATCH", f"{base}/{one['id']}", json={"city": "Xi'an"})  # no change: no event
    admin.ok("DELETE", f"{base}/{one['id']}", 204)
    assert client.post("/login", data={"email": "admin@example.com", "password": PASSWORD}
                       ).status_code == 302
    page = client.post("/a/crm/lead/new", data={"name": "Dee", "city": "Hefei"})
    assert page.status_code == 303, page.get_data(True)
    dee = int(page.headers["Location"].rsplit("/", 1)[1])
    edit = client.post(f"/a/crm/lead/{dee}/edit", data={"name": "Dee", "city": "Nanjing",
                                                         "version": "1"})
    assert edit.status_code == 303, edit.get_data(True)
    assert client.post(f"/a/crm/lead/{dee}/delete").status_code in (302, 303)
    # refused writes leave nothing
    admin.ok("PATCH", f"{base}/{dee}", 404, json={"city": "x"})
    admin.ok("POST", base, 422, json={"name": ""})

    got = [(e["kind"], e["record_id"], e["version"], e["channel"], e["changes"])
           for e in events(runtime)]
    bob, cy = (r["record"]["id"] for r in bulk["results"] if "record" in r)
    assert got == [
        ("create", one["id"], 1, "api", {"name": [None, "Ann"], "city": [None, "Wuhan"]}),
        ("create", bob, 1, "api", {"name": [None, "Bob"]}),
        ("create", cy, 1, "api", {"name": [None, "Cy"]}),
        ("update", one["id"], 2, "api", {"city": ["Wuhan", "Xi'an"]}),
        ("delete", one["id"], 3, "api", {}),
        ("create", dee, 1, "ui", {"name": [None, "Dee"], "city": [None, "Hefei"]}),
        ("update", dee, 2, "ui", {"city": ["Hefei", "Nanjing"]}),
        ("delete", dee, 3, "ui", {}),
    ]
    for event in events(runtime):
        assert (event["app_key"], event["form_key"]) == ("crm", "lead")
        assert event["at"] == T0 and event["actor_id"] == admin.user_id
        assert event["depth"] == 0 and event["cause_id"] is None
    assert deliveries(runtime) == []  # nobody consumes events in this app


def test_a_consumer_prepares_new_records_before_their_insert(fresh_app):
    app = fresh_app(EVENT_CONSUMERS=(Preparer,))
    runtime = app.extensions["trellis"]
    _factory, admin = setup_crm(app)
    base = "/apps/crm/forms/lead/records"
    Preparer.batches, Preparer.seen = [], []
    one = admin.create("crm", "lead", {"name": "Annabel"})
    bulk = admin.ok("POST", base + "/bulk", json=[{"name": "Bo"}, {"name": ""},
                                                  {"name": "Cyrus"}])
    made = [r["record"] for r in bulk["results"] if "record" in r]
    # written once, with the prepared values: in the answer, the row and the event
    assert (one["score"], one["version"]) == (7, 1)
    assert [(r["score"], r["version"]) for r in made] == [(2, 1), (5, 1)]
    assert admin.ok("GET", f"{base}/{made[1]['id']}")["score"] == 5
    assert [(e["kind"], e["changes"].get("score")) for e in events(runtime)] == [
        ("create", [None, 7]), ("create", [None, 2]), ("create", [None, 5])]
    # once per batch after the write, with the ids; then each event with its state
    assert Preparer.batches == [[(one["id"], 7)], [(made[0]["id"], 2), (made[1]["id"], 5)]]
    assert Preparer.seen == [(one["id"], 7), (made[0]["id"], 2), (made[1]["id"], 5)]
    # a failure before the insert saves nothing, and says which consumer failed
    failed = admin.ok("POST", base + "/bulk", 500, json=[{"name": "Di"}, {"name": "boom"}])
    assert "preparer" in failed["errors"][0]["message"]
    assert len(events(runtime)) == 3 and admin.ok("GET", base)["total"] == 3


def test_synchronous_consumer_acts_before_the_answer_and_its_failure_undoes_the_write(
        fresh_app, redis_url):
    app = fresh_app(EVENT_CONSUMERS=(Scorer, Recorder), REDIS_URL=redis_url)
    runtime, q = app.extensions["trellis"], trellis_queue(app)
    _factory, admin = setup_crm(app)
    base = "/apps/crm/forms/lead/records"

    lead = admin.create("crm", "lead", {"name": "Annabel"})
    assert (lead["score"], lead["version"]) == (7, 2)  # the answer shows the scorer's work
    bulk = admin.ok("POST", base + "/bulk", json=[{"name": "Bo"}, {"name": "Cyrus"}])
    assert [(r["record"]["score"], r["record"]["version"]) for r in bulk["results"]] == [
        (2, 2), (5, 2)]
    patched = admin.ok("PATCH", f"{base}/{lead['id']}", json={"name": "Ann"})
    assert (patched["score"], patched["version"]) == (3, 4)
    written = events(runtime)
    assert [(e["kind"], e["record_id"], e["version"], e["depth"]) for e in written] == [
        ("create", lead["id"], 1, 0), ("update", lead["id"], 2, 1),
        ("create", lead["id"] + 1, 1, 0), ("create", lead["id"] + 2, 1, 0),
        ("update", lead["id"] + 1, 2, 1), ("update", lead["id"] + 2, 2, 1),
        ("update", lead["id"], 3, 0), ("update", lead["id"], 4, 1)]
    assert written[1]["cause_id"] == written[0]["id"]
    assert written[1]["channel"] == "system" and written[1]["actor_id"] is None
    # the asynchronous recorder is owed every event, its scorer-made ones too
    assert len(deliveries(runtime)) == len(written)
    jobs_before = q.count

    def nothing_changed():
        assert len(events(runtime)) == len(written)
        assert len(deliveries(runtime)) == len(written)
        assert q.count == jobs_before  # a rolled-back write leaves no job behind
        assert admin.records("crm", "lead")["total"] == 3

    response = admin.post(base, json={"name": "boom"})
    assert_error(response, 500, "", "scorer")
    assert "exploded" not in response.get_data(True)  # the cause is in the log only
    nothing_changed()
    assert_error(admin.post(base + "/bulk", json=[{"name": "fine"}, {"name": "boom"}]), 500)
    nothing_changed()
    assert_error(admin.patch(f"{base}/{lead['id']}", json={"name": "boom"}), 500)
    nothing_changed()
    assert_error(admin.post(base, json={"name": "refused"}), 422, "/name", "refuses")
    nothing_changed()
    assert admin.ok("GET", f"{base}/{lead['id']}")["name"] == "Ann"


def test_consumers_that_trigger_each_other_stop_at_the_depth_bound(fresh_app):
    app = fresh_app(EVENT_CONSUMERS=(Echo,))
    runtime = app.extensions["trellis"]
    _factory, admin = setup_crm(app, form_doc("echo", [field("n", "number")]))
    response = admin.post("/apps/crm/forms/echo/records", json={"n": 1})
    assert_error(response, 500, "", "levels deep")
    assert events(runtime) == []
    assert admin.records("crm", "echo")["total"] == 0


def test_jobs_are_enqueued_only_after_the_commit(fresh_app, redis_url):
    app = fresh_app(EVENT_CONSUMERS=(Recorder,), REDIS_URL=redis_url)
    runtime, q = app.extensions["trellis"], trellis_queue(app)
    setup_crm(app)
    with runtime.session() as session:
        with session.begin():
            records = runtime.records(session, runtime.plan(session, "crm", "lead"),
                                      _admin(session))
            records.create({"name": "kept"})
            assert q.count == 0  # not before the commit
        assert q.count == 1
        job = q.jobs[0]
        assert job.args[0] == "recorder" and len(job.args[1]) == 1
        session.begin()
        records.create({"name": "dropped"})
        session.rollback()
        nested_outer = session.begin()
        savepoint = session.begin_nested()
        records.create({"name": "undone in a savepoint"})
        savepoint.rollback()
        records.create({"name": "kept too"})
        nested_outer.commit()
    assert q.count == 2 and len(q.jobs[1].args[1]) == 1
    assert [e["changes"]["name"][1] for e in events(runtime)] == ["kept", "kept too"]


def _admin(session):
    from app.auth import service
    from app.auth.models import User

    return service.principal(session.scalar(sa.select(User).limit(1)))


def test_redis_down_the_write_stands_and_the_sweeper_delivers(fresh_app):
    app = fresh_app(EVENT_CONSUMERS=(Recorder,), REDIS_URL="redis://127.0.0.1:9/0")
    runtime = app.extensions["trellis"]
    _factory, admin = setup_crm(app)
    runtime.clock.set(T0)
    lead = admin.create("crm", "lead", {"name": "Ann"})
    assert [d["status"] for d in deliveries(runtime)] == ["pending"]
    assert received(runtime) == []
    assert runtime.events.sweep(T0 + timedelta(seconds=30)) == 0  # not overdue yet
    assert runtime.events.sweep(T0 + timedelta(seconds=60)) == 1  # delivered here instead
    assert [(r["record_id"], r["kind"]) for r in received(runtime)] == [(lead["id"], "create")]
    assert [d["status"] for d in deliveries(runtime)] == ["done"]
    assert runtime.events.sweep(T0 + timedelta(hours=1)) == 0
    assert len(received(runtime)) == 1


def test_consumer_registry_is_checked_at_start_up(fresh_app):
    from runtime.events.consumers import Consumer

    class Twin(Consumer):
        key = "recorder"

        def consume(self, ctx, event):
            pass

    class NoConsume(Consumer):
        key = "lazy"

    class BadKind(Recorder):
        key = "bad_kind"
        kinds = frozenset({"created"})

    for consumers, message in (((Recorder, Twin), "duplicate key 'recorder'"),
                               ((NoConsume,), "does not define consume"),
                               ((BadKind,), "unknown kinds"),
                               (("tests.integration.events_support.Recorder",),
                                "is not a Consumer class")):
        with pytest.raises(ValueError, match=message):
            fresh_app(migrate=False, EVENT_CONSUMERS=consumers)


def test_the_migration_makes_the_tables_the_models_describe(runtime):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from app.models import target_metadata

    with runtime.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [d for d in compare_metadata(context, target_metadata)
                if any(t in repr(d) for t in ("record_events", "event_deliveries",
                                              "list_preferences"))]
    assert diff == []

"""Routing on a real database: assign() sets the owner (or a user field) through the records
service, with its audit entry and record event; the assignment log through the API; members'
attributes; least-loaded counts; fallbacks; and 50 concurrent assignments over 10 members."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from runtime.permissions import SYSTEM
from runtime.routing.store import RoutingStore
from tests.integration.helpers import assert_error, field, form_doc, publish, rows

STAGE = {"choices": [{"value": v, "label": v} for v in ("new", "open", "closed")]}
POLICY = {"roles": {"member": {"create": "all", "read": "own", "update": "own",
                               "delete": "none"}}}
LOG = "/apps/crm/forms/lead/records/{}/assignments"
# a Wednesday, 10:00 in Shanghai, the installation's time zone (working hours are read there)
WED_10 = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def lead_doc() -> dict:
    return form_doc("lead", [field("name"), field("stage", "select", config=STAGE),
                             field("province"), field("assignee", "user")],
                    permissions=POLICY)


@pytest.fixture
def crm(admin_api, factory, runtime):
    factory.app_doc(admin_api)
    publish(admin_api, lead_doc())
    runtime.clock.set(WED_10)
    yield admin_api
    runtime.clock.reset()


def team_of(factory, name: str, count: int, start: int = 0) -> list[int]:
    return [factory.user(f"{name}{i}@example.com", ["member"], name=f"{name} {i}",
                         teams=[name]) for i in range(start, start + count)]


def team_id(runtime, name: str) -> int:
    return rows(runtime, "SELECT id FROM teams WHERE name = :n", n=name)[0]["id"]


def assign(runtime, record_id: int, config: dict, rule: str | None = "route",
           late_write: bool = False):
    """Assign in a transaction of its own (``late_write``: as a web request's, which takes
    SQLite's write lock at its first write or locking read)."""
    with runtime.session(late_write=late_write) as session, session.begin():
        plan = runtime.plan(session, "crm", "lead")
        records = runtime.records(session, plan, SYSTEM, via="rule")
        return runtime.routing.assign(records, record_id, config, rule=rule)


def set_attributes(runtime, team: str, user_id: int, **attrs) -> None:
    with runtime.session() as session, session.begin():
        store = RoutingStore(session, runtime.directory, runtime.clock.now())
        store.save_attributes(team_id(runtime, team), user_id, attrs)


def new_leads(api, count: int, **values) -> list[int]:
    return [api.create("crm", "lead", {"name": f"lead {i}", **values})["id"]
            for i in range(count)]


# -- round-robin through the records write path ------------------------------------------------
def test_round_robin_sets_the_owner_through_the_records_service(crm, factory, runtime):
    sales = team_of(factory, "sales", 3)
    leads = new_leads(crm, 4)
    config = {"strategy": "round_robin", "team": "sales"}
    owners = [assign(runtime, lead, config).assignee for lead in leads]
    assert owners == [sales[0], sales[1], sales[2], sales[0]]
    record = crm.ok("GET", f"/apps/crm/forms/lead/records/{leads[1]}")
    assert record["owner"] == sales[1]
    history = crm.ok("GET", f"/apps/crm/forms/lead/records/{leads[1]}/history")["entries"]
    assert history[-1]["via"] == "rule"
    assert history[-1]["changes"] == [{"field": "owner", "old": crm.user_id, "new": sales[1]}]
    events = rows(runtime, "SELECT kind, changes, channel FROM record_events "
                           "WHERE record_id = :id ORDER BY id", id=leads[1])
    assert events[-1]["kind"] == "update" and events[-1]["channel"] == "rule"
    cursor = rows(runtime, "SELECT last_user, turns FROM routing_cursors")
    assert cursor == [{"last_user": sales[0], "turns": 4}]


def test_the_assignment_log_says_who_why_and_keeps_reassignments(crm, factory, runtime):
    sales = team_of(factory, "sales", 3)
    with runtime.engine.begin() as conn:
        conn.execute(sa.text("UPDATE users SET active = :no WHERE id = :id"),
                     {"no": False, "id": sales[1]})
    lead = new_leads(crm, 1)[0]
    assign(runtime, lead, {"strategy": "round_robin", "team": "sales"})
    assign(runtime, lead, {"strategy": "round_robin", "team": team_id(runtime, "sales")},
           rule="reassign")
    log = crm.ok("GET", LOG.format(lead))["assignments"]
    assert [(e["assignee"], e["previous"], e["rule"]) for e in log] == [
        (sales[0], crm.user_id, "route"), (sales[2], sales[0], "reassign")]
    first = log[0]
    assert first["strategy"] == "round_robin" and first["at"] == "2026-12-02T02:00:00Z"
    assert first["reason"] == "first in turn" and first["team_name"] == "sales"
    assert first["assignee_name"] == "sales 0" and first["field"] == "owner"
    assert [(c["user"], c["chosen"], c["skipped"]) for c in first["candidates"]] == [
        (sales[0], True, None), (sales[1], False, "inactive"), (sales[2], False, "not_next")]
    assert first["candidates"][1]["reason"] == "the user is deactivated"
    assert log[1]["reason"] == f"next in turn after user {sales[0]}"


def test_the_log_follows_the_readers_row_scope(crm, factory, runtime):
    sales = team_of(factory, "sales", 2)
    lead = new_leads(crm, 1)[0]
    assign(runtime, lead, {"strategy": "round_robin", "team": "sales"})
    owner, other = factory.api(sales[0]), factory.api(sales[1])
    assert len(owner.ok("GET", LOG.format(lead))["assignments"]) == 1
    assert_error(other.get(LOG.format(lead)), 404)
    assert_error(crm.get(LOG.format(10**6)), 404)
    assert crm.ok("GET", LOG.format(new_leads(crm, 1)[0])) == {"assignments": []}


# -- attributes: hours, days off, pause, regions, weights --------------------------------------
def test_members_attributes_decide_who_is_skipped(crm, factory, runtime):
    sales = team_of(factory, "sales", 4)
    set_attributes(runtime, "sales", sales[0], hours={"wed": [["13:00", "18:00"]]})
    set_attributes(runtime, "sales", sales[1], days_off=["2026-12-02"])
    set_attributes(runtime, "sales", sales[2], routing=False)
    set_attributes(runtime, "sales", sales[3], regions=["华南"])
    south, east = new_leads(crm, 1, province="华南")[0], new_leads(crm, 1, province="华东")[0]
    config = {"strategy": "round_robin", "team": "sales", "match": {"regions": "province"}}
    assert assign(runtime, south, config).assignee == sales[3]
    nobody = assign(runtime, east, config)
    assert nobody.assignee is None and nobody.choice.reason.code == "nobody"
    log = crm.ok("GET", LOG.format(east))["assignments"][0]
    assert log["assignee"] is None
    assert [c["skipped"] for c in log["candidates"]] == [
        "outside_hours", "day_off", "paused", "region"]
    assert crm.ok("GET", f"/apps/crm/forms/lead/records/{east}")["owner"] == crm.user_id
    runtime.clock.set(datetime(2026, 12, 2, 6, 0, tzinfo=UTC))  # 14:00: sales 0 is in
    assert assign(runtime, east, config).assignee == sales[0]


def test_weighted_round_robin_follows_the_weights(crm, factory, runtime):
    sales = team_of(factory, "sales", 2)
    set_attributes(runtime, "sales", sales[0], weight=3)
    config = {"strategy": "weighted_round_robin", "team": "sales"}
    picks = [assign(runtime, lead, config).assignee for lead in new_leads(crm, 8)]
    assert Counter(picks) == {sales[0]: 6, sales[1]: 2}


# -- least loaded ------------------------------------------------------------------------------
def test_least_loaded_counts_open_records_in_one_query(crm, factory, runtime):
    sales = team_of(factory, "sales", 3)
    set_attributes(runtime, "sales", sales[2], capacity=1)
    with runtime.engine.begin() as conn:  # sales 0 holds 2 open, sales 1 one open, 3 closed
        for owner, stage, count in ((sales[0], "open", 2), (sales[1], "open", 1),
                                    (sales[1], "closed", 3), (sales[2], "open", 1)):
            for _ in range(count):
                conn.execute(sa.text("INSERT INTO crm__lead (created_at, updated_at, version, "
                                     "owner_id, stage) VALUES (:t, :t, 1, :o, :s)"),
                             {"t": datetime(2026, 12, 1), "o": owner, "s": stage})
    lead = new_leads(crm, 1)[0]
    config = {"strategy": "least_loaded", "team": "sales", "open": '{stage} <> "closed"'}
    chosen = assign(runtime, lead, config)
    assert chosen.assignee == sales[1]
    assert {u: r.code for u, r in chosen.choice.skipped.items()} == {
        sales[0]: "more_load", sales[2]: "at_capacity"}
    # without the formula every live record counts: sales 1 holds 4
    other = new_leads(crm, 1)[0]
    assert assign(runtime, other, {"strategy": "least_loaded", "team": "sales"}
                  ).assignee == sales[0]


def test_a_user_field_is_set_and_counted_instead_of_the_owner(crm, factory, runtime):
    sales = team_of(factory, "sales", 2)
    config = {"strategy": "least_loaded", "team": "sales", "assignee_field": "assignee"}
    leads = new_leads(crm, 4)
    assert [assign(runtime, lead, config).assignee for lead in leads] == [
        sales[0], sales[1], sales[0], sales[1]]
    record = crm.ok("GET", f"/apps/crm/forms/lead/records/{leads[0]}")
    assert record["assignee"] == sales[0] and record["owner"] == crm.user_id


# -- by field value and fallbacks ---------------------------------------------------------------
def test_by_field_routes_to_the_mapped_team_or_user_and_falls_back(crm, factory, runtime):
    south = team_of(factory, "south", 2)
    queue = team_of(factory, "queue", 1)
    boss = factory.user("boss@example.com", ["member"], name="Boss")
    config = {"strategy": "by_field", "field": "province",
              "routes": {"华南": {"team": "south"}, "北京": {"user": boss}},
              "fallback": {"team": "queue"}}
    routed = {p: assign(runtime, new_leads(crm, 1, province=p)[0], config).assignee
              for p in ("华南", "北京", "上海")}
    assert routed == {"华南": south[0], "北京": boss, "上海": queue[0]}
    lead = new_leads(crm, 1, province="上海")[0]
    assign(runtime, lead, config)
    entry = crm.ok("GET", LOG.format(lead))["assignments"][0]
    assert entry["fallback"] is True and entry["team_name"] == "queue"
    assert entry["reason"] == (f"nobody qualified: next in turn after user {queue[0]} in the "
                               "fallback team")


def test_a_fallback_user_takes_what_nobody_in_the_team_can(crm, factory, runtime):
    sales = team_of(factory, "sales", 1)
    boss = factory.user("boss@example.com", ["member"], name="Boss")
    set_attributes(runtime, "sales", sales[0], routing=False)
    lead = new_leads(crm, 1)[0]
    done = assign(runtime, lead, {"strategy": "round_robin", "team": "sales",
                                  "fallback": {"user": boss}})
    assert done.assignee == boss and done.fallback
    entry = crm.ok("GET", LOG.format(lead))["assignments"][0]
    assert entry["reason"] == "nobody qualified: the fallback user"
    assert [(c["user"], c["skipped"]) for c in entry["candidates"]] == [
        (sales[0], "paused"), (boss, None)]


def test_bad_configs_are_refused_with_paths_and_change_nothing(crm, factory, runtime):
    from metadata.errors import InvalidDocument

    lead = new_leads(crm, 1)[0]
    for config, path in (({"strategy": "dice"}, "/strategy"),
                         ({"strategy": "round_robin"}, ""),
                         ({"strategy": "round_robin", "team": "x", "assignee_field": "name"},
                          "/assignee_field")):
        with pytest.raises(InvalidDocument) as error:
            assign(runtime, lead, config)
        assert error.value.problems[0].path == path
    missing = assign(runtime, lead, {"strategy": "round_robin", "team": "nobody's"})
    assert missing.assignee is None and missing.choice.reason.code == "no_team"
    assert len(crm.ok("GET", LOG.format(lead))["assignments"]) == 1


# -- concurrency -------------------------------------------------------------------------------
@pytest.mark.parametrize(("strategy", "late_write"), [("round_robin", False),
                                                     ("least_loaded", False),
                                                     ("round_robin", True)])
def test_fifty_concurrent_assignments_over_ten_members_give_five_each(crm, factory, runtime,
                                                                      strategy, late_write):
    """Each assignment in its own thread, connection and transaction, all let go at once: the
    cursor row is read and written under its lock, so the turn is never taken twice."""
    sales = team_of(factory, "sales", 10)
    leads = new_leads(crm, 50)
    start, errors, chosen = threading.Barrier(50), [], []

    def work(lead: int) -> None:
        try:
            start.wait()
            chosen.append(assign(runtime, lead, {"strategy": strategy, "team": "sales"},
                                 late_write=late_write).assignee)
        except Exception as exc:  # noqa: BLE001 -- reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(lead,)) for lead in leads]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    took = time.perf_counter() - began
    print(f"\n{runtime.engine.dialect.name} {strategy}{' (late write)' if late_write else ''}: "
          f"50 concurrent assignments in "
          f"{took:.2f} s: {dict(sorted(Counter(chosen).items()))}")
    assert errors == []
    assert Counter(chosen) == dict.fromkeys(sales, 5)
    owners = rows(runtime, "SELECT owner_id, COUNT(*) AS n FROM crm__lead GROUP BY owner_id")
    assert {r["owner_id"]: r["n"] for r in owners} == dict.fromkeys(sales, 5)
    assert rows(runtime, "SELECT turns FROM routing_cursors") == [{"turns": 50}]
    assert rows(runtime, "SELECT COUNT(*) AS n FROM record_assignments") == [{"n": 50}]


def test_the_migration_makes_the_tables_the_models_describe(runtime):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from app.models import target_metadata

    with runtime.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [d for d in compare_metadata(context, target_metadata)
                if any(t in repr(d) for t in ("routing_members", "routing_cursors",
                                              "record_assignments"))]
    assert diff == []


def test_the_record_page_shows_the_assignment_log_in_the_readers_language(crm, factory,
                                                                         runtime, app):
    from tests.integration.helpers import logged_in
    from tests.integration.test_routing_admin import compile_translations

    compile_translations()
    sales = team_of(factory, "sales", 2)
    set_attributes(runtime, "sales", sales[1], routing=False)
    lead = new_leads(crm, 1)[0]
    assign(runtime, lead, {"strategy": "round_robin", "team": "sales"}, rule="route_sql")
    client = logged_in(app)
    html = client.get(f"/a/crm/lead/{lead}").get_data(as_text=True)
    section = html[html.index('id="assignments-title"'):]
    assert "sales 0" in section and "first in turn" in section and "Round-robin" in section
    assert "rule route_sql" in section and "paused: takes no new records" in section
    client.post("/locale", data={"lang": "zh"})
    html = client.get(f"/a/crm/lead/{lead}").get_data(as_text=True)
    assert "分配记录" in html and "第一个轮到" in html and "已暂停：不接收新记录" in html


def test_teams_that_fall_back_on_each_other_never_deadlock(crm, factory, runtime):
    """East falls back on west and west on east, both out of hours: every assignment takes
    both turns, in id order, whichever team it starts with."""
    east, west = team_of(factory, "east", 2), team_of(factory, "west", 2)
    for team, members in (("east", east), ("west", west)):
        for user in members:
            set_attributes(runtime, team, user, hours={"sun": [["09:00", "10:00"]]})
    leads = new_leads(crm, 20)
    configs = [{"strategy": "round_robin", "team": a, "fallback": {"team": b}}
               for a, b in (("east", "west"), ("west", "east"))]
    start, errors, chosen = threading.Barrier(20), [], []

    def work(n: int, lead: int) -> None:
        try:
            start.wait()
            chosen.append(assign(runtime, lead, configs[n % 2]).assignee)
        except Exception as exc:  # noqa: BLE001 -- reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=pair) for pair in enumerate(leads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert Counter(chosen) == dict.fromkeys(east + west, 5)

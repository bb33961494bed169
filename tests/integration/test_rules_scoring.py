"""Decay and re-scoring on a real database: decay under ``trellis tick --now`` (30 and 65
days later) crossing a threshold down, once per period; a re-score after a model change with
the ledger invariant over the whole table and the old lines kept; a re-score resumed after its
job was killed; the dry run's scoring lines; the scoring table's fired counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from runtime.rules.rescore import STALE, Rescorer, resume_stalled
from tests.integration.helpers import rows
from tests.integration.rules_executor_support import (
    LEAD,
    RULES,
    activity_form,
    lead_form,
    publish_rules,
    scoring_rules,
)
from tests.integration.test_rules_executor import assert_invariant, ledger

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def crm(admin_api, factory):
    factory.app_doc(admin_api)
    factory.form(admin_api, lead_form())
    factory.form(admin_api, activity_form())
    factory.user("ka@example.com", ["member"], name="KA", teams=["key_accounts"])
    return admin_api


@pytest.fixture
def cli(app):
    return app.test_cli_runner()


def tick(cli, runtime, moment: datetime) -> str:
    result = cli.invoke(args=["tick", "--now", moment.isoformat()])
    assert result.exit_code == 0, result.output
    runtime.clock.set(moment)
    return result.stdout


def lead(api, **values) -> dict:
    return api.create("crm", "lead", {"industry": "金融", "employees": 800,
                                      "decision_maker": True, **values})


def read(api, lead_id: int) -> dict:
    return api.ok("GET", f"{LEAD}/{lead_id}")


def test_decay_under_tick_crosses_down_once_per_period(crm, cli, runtime):
    publish_rules(crm, scoring_rules(decay={"every_days": 30, "points": -20,
                                            "since": "last_touch"}))
    runtime.clock.set(T0)
    hot = lead(crm)  # 45
    crm.create("crm", "activity", {"lead": hot["id"], "kind": "demo"})  # 95: sql, at T0
    touched = lead(crm, last_touch=(T0 + timedelta(days=20)).isoformat())  # 45, no behaviour
    assert (read(crm, hot["id"])["score"], read(crm, hot["id"])["stage"]) == (95, "sql")
    tick(cli, runtime, T0 + timedelta(days=29))
    assert read(crm, hot["id"])["score"] == 95  # not a whole period yet
    tick(cli, runtime, T0 + timedelta(days=30, hours=1))
    now = read(crm, hot["id"])
    assert (now["score"], now["stage"]) == (75, "nurture")  # crossed down: the stage follows
    assert read(crm, touched["id"])["score"] == 45  # its last touch was 10 days ago
    # the same time again books nothing (the hourly interval is bypassed by calling it)
    from runtime.rules.decay import run_decay

    assert run_decay(runtime, T0 + timedelta(days=30, hours=1)) == 0
    # 65 days later: two more periods of the hot lead (60 and 90 days after its demo: its
    # last touch is blank), two of the other (30 and 60 days after its last touch)
    tick(cli, runtime, T0 + timedelta(days=95, hours=2))
    assert read(crm, hot["id"])["score"] == 35
    assert read(crm, touched["id"])["score"] == 5
    decays = [e for e in ledger(crm, hot["id"]) if e["kind"] == "decay"]
    assert [e["points"] for e in decays] == [-20, -20, -20]
    assert_invariant(runtime)
    runtime.clock.reset()


def test_decay_by_percent_stops_at_the_floor_and_an_interaction_restarts_it(crm, runtime):
    from runtime.rules.decay import run_decay

    publish_rules(crm, scoring_rules(min=0, decay={"every_days": 10, "percent": 50}))
    runtime.clock.set(T0)
    one = lead(crm)  # 45
    assert run_decay(runtime, T0 + timedelta(days=10)) == 1
    assert read(crm, one["id"])["score"] == 22  # 45 - 22.5 rounded half up to 23
    runtime.clock.set(T0 + timedelta(days=15))
    crm.create("crm", "activity", {"lead": one["id"], "kind": "demo"})  # 72, a new anchor
    assert run_decay(runtime, T0 + timedelta(days=20)) == 0  # 5 days since the demo
    assert run_decay(runtime, T0 + timedelta(days=25)) == 1
    assert read(crm, one["id"])["score"] == 36
    assert_invariant(runtime)
    runtime.clock.reset()


def test_decay_reads_the_ledger_through_its_partial_index(crm, runtime):
    """Only behaviour and decay lines are in the index decay reads by (the attribute lines
    every scored write books stay out of it), and decay's query does read by it."""
    import sqlalchemy as sa

    from runtime.rules.decay import run_decay

    publish_rules(crm, scoring_rules(decay={"every_days": 30, "points": -5}))
    lead(crm)
    seen: list[tuple] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "last_behaviour" in statement:
            seen.append((statement, parameters))
    sa.event.listen(runtime.engine, "before_cursor_execute", keep)
    try:
        run_decay(runtime, T0 + timedelta(days=40))
    finally:
        sa.event.remove(runtime.engine, "before_cursor_execute", keep)
    [(statement, parameters)] = seen
    with runtime.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            plan = "\n".join(str(r[-1]) for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters))
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = "\n".join(r[0] for r in conn.exec_driver_sql(
                "EXPLAIN " + statement, parameters))
    assert "ix_score_ledger_decay" in plan, plan


def test_the_totals_of_a_batch_are_each_records_own_in_any_group_order(crm, runtime):
    """A batch's totals (one query grouped by record, kind and key) come back in whatever
    order the database groups them: PostgreSQL hashes them (forced here), and each record
    must still get its own lines."""
    import sqlalchemy as sa

    from runtime.rules.ledger import Ledger

    publish_rules(crm, scoring_rules())
    ids = [lead(crm, employees=100 * i, decision_maker=bool(i % 2))["id"] for i in range(1, 9)]
    with runtime.session() as session, session.begin():
        if runtime.engine.dialect.name == "postgresql":
            for setting in ("enable_sort", "enable_indexscan", "enable_bitmapscan"):
                session.execute(sa.text(f"SET LOCAL {setting} = off"))
        ledger = Ledger(session, "crm", "lead", runtime.clock.now())
        batch = ledger.totals_between("lead_score", ids[0], ids[-1])
        one_by_one = {i: ledger.totals(i, "lead_score") for i in ids}
    assert {i: (t.attributes, t.total) for i, t in batch.items()} == {
        i: (t.attributes, t.total) for i, t in one_by_one.items()}


def v2(**model) -> dict:
    doc = scoring_rules(**model)
    attrs = doc["scoring"][0]["attributes"]
    attrs[0]["points"] = 40  # the target industry is worth more
    del attrs[2]  # decision makers no longer count
    attrs.append({"key": "summit", "when": "{source} = \"行业峰会\"", "points": 5})
    return doc


def test_a_model_change_rescores_every_record_keeping_the_old_lines(crm, runtime):
    publish_rules(crm, scoring_rules())
    a = lead(crm, source="行业峰会")  # 45
    b = lead(crm, industry="教育", employees=10)  # 20 (decision maker)
    c = crm.create("crm", "lead", {"name": "no score"})  # no lines at all
    crm.create("crm", "activity", {"lead": a["id"], "kind": "demo"})  # 95
    crm.ok("PUT", RULES, json=v2())
    answer = crm.ok("POST", RULES + "/publish")
    run_id = answer["rescore"]
    assert run_id and crm.ok("GET", f"{RULES}/rescores/{run_id}")["status"] == "queued"
    assert "re-score" in Rescorer(runtime, run_id).run()
    run = crm.ok("GET", f"{RULES}/rescores/{run_id}")
    assert (run["status"], run["total"], run["processed"], run["changed"]) == (
        "done", 3, 3, 2)
    assert read(crm, a["id"])["score"] == 40 + 15 + 5 + 50
    assert read(crm, b["id"])["score"] == 0
    assert read(crm, c["id"])["score"] == 0  # no lines: the sum of nothing
    entries = ledger(crm, a["id"])
    assert [(e["kind"], e["rule"], e["points"]) for e in entries][-3:] == [
        ("rescore", "industry", 30), ("rescore", "summit", 5), ("rescore", "dm", -20)]
    assert [e["kind"] for e in entries][:4] == ["attribute"] * 3 + ["behaviour"]
    versions = {r["kind"]: r["version"] for r in rows(
        runtime, "SELECT kind, version FROM score_ledger WHERE record_id = :r", r=a["id"])}
    assert versions == {"attribute": 1, "behaviour": 1, "rescore": 2}
    # a later write under the new version books nothing twice
    crm.ok("PATCH", f"{LEAD}/{a['id']}", json={"note": "again"})
    assert read(crm, a["id"])["score"] == 110
    # the same scoring published again starts nothing
    doc = v2()
    doc["label"] = {"zh": "改名", "en": "Renamed"}
    crm.ok("PUT", RULES, json=doc)
    assert crm.ok("POST", RULES + "/publish")["rescore"] is None
    assert_invariant(runtime)


def test_a_rescore_crossing_a_threshold_sets_the_stage_and_fires_its_rules(crm, runtime):
    publish_rules(crm, scoring_rules())
    one = lead(crm)  # 45: nurture
    crm.create("crm", "activity", {"lead": one["id"], "kind": "page_view", "page": "pricing"})
    assert read(crm, one["id"])["stage"] == "nurture"  # 60
    doc = v2()
    doc["scoring"][0]["attributes"][0]["points"] = 60  # 60 + 15 + 15 = 90: sql
    crm.ok("PUT", RULES, json=doc)
    run_id = crm.ok("POST", RULES + "/publish")["rescore"]
    Rescorer(runtime, run_id).run()
    now = read(crm, one["id"])
    assert (now["score"], now["stage"]) == (90, "sql")
    assert now["owner"] == rows(runtime, "SELECT id FROM users WHERE email = 'ka@example.com'"
                                )[0]["id"]  # route_sql fired
    assert_invariant(runtime)


def test_a_killed_rescore_resumes_where_it_stopped(crm, runtime):
    publish_rules(crm, scoring_rules())
    assert resume_stalled(runtime, runtime.clock.now()) == 1  # the first version's run
    made = [lead(crm) for _ in range(5)]
    crm.ok("PUT", RULES, json=v2())
    run_id = crm.ok("POST", RULES + "/publish")["rescore"]
    Rescorer(runtime, run_id, batch=2).run(max_batches=1)  # then the worker is killed
    run = crm.ok("GET", f"{RULES}/rescores/{run_id}")
    assert (run["status"], run["processed"], run["total"]) == ("running", 2, 5)
    assert resume_stalled(runtime, runtime.clock.now()) == 0  # its runner still beats
    late = runtime.clock.now() + STALE + timedelta(seconds=1)
    runtime.clock.set(late)
    assert resume_stalled(runtime, late) == 1
    run = crm.ok("GET", f"{RULES}/rescores/{run_id}")
    assert (run["status"], run["processed"]) == ("done", 5)
    for record in made:
        kinds = [e["kind"] for e in ledger(crm, record["id"])]
        assert kinds.count("rescore") == 2, kinds  # each record once: industry, dm
        assert read(crm, record["id"])["score"] == 55
    assert_invariant(runtime)
    runtime.clock.reset()


def test_a_record_written_after_its_batch_was_read_is_scored_again_under_the_lock(
        crm, runtime, monkeypatch):
    """A batch is read and scored ahead, while the one before it is written: a write to one
    of its records in between (a new value, its own lines under the new version) makes the
    batch be worked out again under the lock, not written from what was read."""
    publish_rules(crm, scoring_rules())
    made = [lead(crm) for _ in range(4)]
    crm.ok("PUT", RULES, json=v2())
    run_id = crm.ok("POST", RULES + "/publish")["rescore"]
    real = Rescorer._prepare
    written = []

    def read_then_written(self, reader, after, max_id):
        prepared = real(self, reader, after, max_id)
        if prepared is not None and not written:  # the first batch read: then a write
            written.append(crm.ok("PATCH", f"{LEAD}/{made[1]['id']}",
                                  json={"industry": "教育", "employees": 900}))
        return prepared

    monkeypatch.setattr(Rescorer, "_prepare", read_then_written)
    Rescorer(runtime, run_id, batch=2).run()
    run = crm.ok("GET", f"{RULES}/rescores/{run_id}")
    assert (run["status"], run["processed"]) == ("done", 4)
    same = lead(crm, industry="教育", employees=900)  # scored by the new version at once
    assert read(crm, made[1]["id"])["score"] == read(crm, same["id"])["score"]
    assert [read(crm, m["id"])["score"] for m in (made[0], *made[2:])] == [55] * 3
    assert_invariant(runtime)


def test_a_batch_read_ahead_no_longer_stands_once_a_line_is_booked_on_its_records(
        crm, runtime):
    """Lines that leave the score where it was write no record (no new version): the
    ledger's count and last id over the batch tell the re-score all the same."""
    from runtime.rules.executor import Executor
    from runtime.rules.ledger import Ledger
    from runtime.rules.rescore_batch import BatchReader
    from runtime.rules.scoring import Line

    publish_rules(crm, scoring_rules())
    made = [lead(crm) for _ in range(3)]
    with runtime.session() as session, session.begin():
        ls = runtime.rules.app(session, "crm").by_form["lead"][0]
        executor = Executor(runtime, session, "crm", runtime.clock.now())
        reader = BatchReader(ls, runtime.plan(session, "crm", "lead"), 10)
        prepared = reader.prepare(executor, 0, made[-1]["id"])
        assert prepared.count == 3 and reader.still(executor, prepared)
        Ledger(session, "crm", "lead", runtime.clock.now()).book(
            made[1]["id"], ls.key, ls.version, [Line("lead_score", "rule", "x", 5),
                                                Line("lead_score", "rule", "x", -5)], None)
        assert not reader.still(executor, prepared)
        session.rollback()


def test_rescores_started_on_demand_and_refused_without_a_model(crm, runtime):
    publish_rules(crm, scoring_rules())
    lead(crm)
    started = crm.request("POST", RULES + "/rescores")
    assert started.status_code == 202, started.get_json()
    again = crm.request("POST", RULES + "/rescores").get_json()
    assert again["id"] == started.get_json()["id"]  # the one under way
    listed = crm.ok("GET", RULES + "/rescores")["rescores"]
    assert [r["id"] for r in listed][0] == again["id"]
    assert crm.request("GET", RULES + "/rescores/999999").status_code == 404


def test_the_dry_run_returns_scoring_lines_score_and_stage(crm):
    publish_rules(crm, scoring_rules())
    stored = lead(crm)  # 45
    new = crm.ok("POST", RULES + "/dry-run", json={
        "event": "created", "record": {"industry": "制造", "employees": 900}})
    [model] = new["scoring"]
    assert [(line["kind"], line["rule"], line["points"]) for line in model["lines"]] == [
        ("attribute", "industry", 10), ("attribute", "size", 15)]
    assert (model["before"], model["score"], model["stage"]) == (0, 25, None)
    changed = crm.ok("POST", RULES + "/dry-run", json={
        "event": "updated", "record_id": stored["id"], "record": {"decision_maker": False}})
    [model] = changed["scoring"]
    assert [(line["rule"], line["points"]) for line in model["lines"]] == [("dm", -20)]
    assert (model["before"], model["score"], model["stage"]) == (45, 25, None)
    assert model["crossings"] == [{"threshold": "nurture", "direction": "down"}]
    demo = crm.ok("POST", RULES + "/dry-run", json={
        "event": "related_created", "record_id": stored["id"], "related_form": "activity",
        "link": "lead", "related": {"kind": "demo"}})
    [model] = demo["scoring"]
    assert [(line["kind"], line["rule"], line["points"], line["reason"])
            for line in model["lines"]] == [("behaviour", "demo", 50, "Demo asked")]
    assert (model["score"], model["stage"]) == (95, "sql")
    assert read(crm, stored["id"])["score"] == 45  # nothing changed


def test_the_fired_counts_group_the_ledger_by_rule(crm):
    publish_rules(crm, scoring_rules())
    one = lead(crm)
    lead(crm, decision_maker=False)
    crm.ok("PATCH", f"{LEAD}/{one['id']}", json={"decision_maker": False})  # takes 20 back
    crm.create("crm", "activity", {"lead": one["id"], "kind": "demo"})
    counts = crm.ok("GET", RULES + "/fired")["models"]["lead_score"]
    assert counts["attributes"] == {"industry": 2, "size": 2, "dm": 1}
    assert counts["behaviours"] == {"demo": 1}

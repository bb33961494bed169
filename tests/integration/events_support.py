"""What the event tests share: the consumers they register (as classes, through the factory's
EVENT_CONSUMERS), the table where those note what they received, and readers of the outbox."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

from metadata.errors import Problem
from runtime.events.consumers import Batch, Consumer, ConsumerContext
from runtime.events.event import RecordEvent
from runtime.events.models import EventDelivery, RecordEventRow
from runtime.storage.records import InvalidRecord
from tests.integration.helpers import field, form_doc
from tests.support import Factory

RECEIVED = sa.Table(
    "test_received_events", sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),  # the order in which they were consumed
    sa.Column("consumer", sa.String(63)),
    sa.Column("event_id", sa.BigInteger),
    sa.Column("form_key", sa.String(63)),
    sa.Column("record_id", sa.BigInteger),
    sa.Column("version", sa.Integer),
    sa.Column("kind", sa.String(16)),
    sa.Column("pid", sa.Integer),
)
LEAD = form_doc("lead", [field("name", required=True), field("city"),
                         field("score", "number")])
# set in the environment of worker processes
STALL_DIR = "TRELLIS_TEST_STALL_DIR"  # a file stall-<event id> there: stop on that event
PAUSE_MS = "TRELLIS_TEST_PAUSE_MS"  # a random pause up to this long in every delivery


def note(ctx: ConsumerContext, consumer: str, event: RecordEvent) -> None:
    ctx.session.execute(RECEIVED.insert().values(
        consumer=consumer, event_id=event.id, form_key=event.form_key,
        record_id=event.record_id, version=event.version, kind=event.kind, pid=os.getpid()))


class Recorder(Consumer):
    """Notes every event in the consumer's own transaction; in worker processes it can pause
    (to mix up timings) or stop on an event until it is killed."""

    key = "recorder"

    def consume(self, ctx: ConsumerContext, event: RecordEvent) -> None:
        note(ctx, self.key, event)
        ctx.session.flush()
        pause = int(os.environ.get(PAUSE_MS, "0"))
        if pause:
            time.sleep(random.uniform(0, pause) / 1000)
        stall_dir = os.environ.get(STALL_DIR)
        if stall_dir and (Path(stall_dir) / f"stall-{event.id}").exists():
            # noted but not acknowledged: a kill -9 now must lose the note and keep the event
            (Path(stall_dir) / f"pid-{event.id}").write_text(str(os.getpid()))
            time.sleep(300)


class Flaky(Consumer):
    """Fails while ``failing`` is set (tests that deliver in their own process flip it)."""

    key = "flaky"
    failing = True

    def consume(self, ctx: ConsumerContext, event: RecordEvent) -> None:
        if Flaky.failing:
            raise ValueError(f"flaky fails on purpose (event {event.id})")
        note(ctx, self.key, event)


class Scorer(Consumer):
    """A synchronous consumer: sets a lead's score from its name before the write answers,
    and refuses to let anything else be saved for a lead named "boom"."""

    key = "scorer"
    synchronous = True
    kinds = frozenset({"create", "update"})
    forms = frozenset({("crm", "lead")})

    def consume(self, ctx: ConsumerContext, event: RecordEvent) -> None:
        if "name" not in event.changes:
            return  # its own score update, among others
        name = event.changes["name"].new or ""
        if name == "boom":
            raise RuntimeError("the scorer exploded")
        if name == "refused":
            raise InvalidRecord([Problem("/name", "the scorer refuses this name")])
        ctx.records("lead").update(event.record_id, {"score": len(name)})


class Preparer(Consumer):
    """Scores leads before their insert (the name's length), notes each batch it booked after
    the write with the events' record ids, and hands each event its record's state; a lead
    named "boom" makes it fail before anything is written."""

    key = "preparer"
    synchronous = True
    kinds = frozenset({"create"})
    forms = frozenset({("crm", "lead")})
    batches: list[list[tuple[int, int]]] = []  # per batch: (record id, score) per event
    seen: list[tuple[int, object]] = []  # (record id, ctx.prepared) per consumed event

    def prepare(self, ctx: ConsumerContext, batch: Batch) -> list[int]:
        states = []
        for record in batch.values:
            if record["name"] == "boom":
                raise RuntimeError("the preparer exploded")
            assert record["id"] is None and record["version"] == 1
            record["score"] = len(record["name"])
            states.append(record["score"])
        return states

    def prepared(self, ctx: ConsumerContext, events: Sequence[RecordEvent],
                 states: Sequence[int]) -> None:
        Preparer.batches.append([(e.record_id, s) for e, s in zip(events, states, strict=True)])

    def consume(self, ctx: ConsumerContext, event: RecordEvent) -> None:
        Preparer.seen.append((event.record_id, ctx.prepared))


class Echo(Consumer):
    """A synchronous consumer that answers every change of an echo with another one: a loop
    that only the depth bound stops."""

    key = "echo"
    synchronous = True
    forms = frozenset({("crm", "echo")})

    def consume(self, ctx: ConsumerContext, event: RecordEvent) -> None:
        if event.kind != "delete":
            record = ctx.records("echo").get(event.record_id)
            ctx.records("echo").update(event.record_id, {"n": (record["n"] or 0) + 1})


def events(runtime) -> list[dict]:
    with runtime.engine.connect() as conn:
        rows = conn.execute(sa.select(RecordEventRow.__table__)
                            .order_by(RecordEventRow.id)).mappings()
        return [dict(r) for r in rows]


def deliveries(runtime) -> list[dict]:
    with runtime.engine.connect() as conn:
        rows = conn.execute(sa.select(EventDelivery.__table__)
                            .order_by(EventDelivery.id)).mappings()
        return [dict(r) for r in rows]


def received(runtime) -> list[dict]:
    with runtime.engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(RECEIVED).order_by(RECEIVED.c.id))
                .mappings()]


def setup_crm(app, *forms: dict) -> tuple[Factory, object]:
    factory = Factory(app)
    admin = factory.api(factory.user("admin@example.com", ["admin"], name="Admin"))
    factory.app_doc(admin)
    for doc in forms or (LEAD,):
        factory.form(admin, doc)
    RECEIVED.create(app.extensions["trellis"].engine, checkfirst=True)
    return factory, admin


def trellis_queue(app):
    from runtime.jobs.worker import queue

    return queue(app)

"""The event sink behind the records service: writes the outbox rows in the write's
transaction, runs the synchronous consumers there, and hands the asynchronous ones their
events once the transaction has committed."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from metadata.errors import Problem, TrellisError
from metadata.messages import msg
from metadata.registry import Registry
from runtime.directory import Directory
from runtime.events.consumers import Batch, Consumer, ConsumerContext
from runtime.events.event import RecordEvent, event_rows, stream_of
from runtime.events.outbox import insert_deliveries, insert_events
from runtime.permissions import SYSTEM
from runtime.storage.records import Records
from runtime.storage.sink import SINK

log = logging.getLogger(__name__)

CAUSE = "trellis.record_events.cause"  # the event whose consumer is running
TOUCHED = "trellis.record_events.touched"  # records synchronous consumers wrote
PENDING = "trellis.record_events.pending"  # (transaction, consumer, event ids) to hand out
AFTER_COMMIT = "trellis.after_commit"  # callables to run once the transaction committed
JOB_SIZE = 500  # event ids per job
QUEUE_PAUSE = 30  # seconds without trying the queue after it failed


@dataclass(frozen=True)
class EventSettings:
    max_attempts: int = 5  # an asynchronous delivery fails for good after this many
    retry_seconds: float = 10  # first backoff; doubled after each failed attempt
    redeliver_seconds: float = 60  # the sweeper hands an unacknowledged delivery out again
    # consumers' writes causing consumers' writes, this deep at most (rules stop their own
    # chains earlier, at the app's depth: runtime.rules.published.MAX_DEPTH)
    max_depth: int = 16

    @classmethod
    def from_settings(cls, settings: Mapping) -> EventSettings:
        return cls(max_attempts=int(settings.get("event_max_attempts", cls.max_attempts)),
                   retry_seconds=float(settings.get("event_retry_seconds", cls.retry_seconds)),
                   redeliver_seconds=float(settings.get("event_redeliver_seconds",
                                                        cls.redeliver_seconds)))

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.redeliver_seconds)

    def backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.retry_seconds * 2 ** (attempts - 1), 6 * 3600))


class Publisher(Protocol):
    """Hands event ids to a consumer's worker (an RQ queue): False when there is no queue,
    an exception when the queue cannot be reached."""

    def publish(self, consumer: str, event_ids: list[int]) -> bool: ...


class ConsumerFailed(TrellisError):
    status = 500


def consumer_failed(key: str) -> ConsumerFailed:
    return ConsumerFailed([Problem("", msg("nothing was saved: the synchronous event consumer "
                                           "%(consumer)s failed (the error is in the server "
                                           "log)", consumer=key))])


def too_deep(cause: RecordEvent, depth: int) -> ConsumerFailed:
    return ConsumerFailed([Problem("", msg(
        "nothing was saved: event consumers changed records more than %(n)s levels deep "
        "(last: record %(record)s of %(form)s); they probably trigger each other in a loop",
        n=depth, record=cause.record_id, form=cause.form_key))])


class EventHub:
    """The runtime's record events: the sink Records writes to, and the consumers."""

    def __init__(self, consumers: Registry[Consumer], sessions: Callable[[], Session],
                 plans: Callable, clock: Callable[[], datetime],
                 settings: EventSettings | None = None, *, directory: Directory):
        self.consumers = consumers
        self.directory = directory  # for the records services consumers write through
        self.sessions = sessions
        self.plans = plans
        self.clock = clock
        self.settings = settings or EventSettings()
        self.synchronous = [c for c in consumers if c.synchronous]
        # those with a step before the write (Consumer.prepare)
        self.preparing = [c for c in self.synchronous
                          if type(c).prepare is not Consumer.prepare]
        self.asynchronous = [c for c in consumers if not c.synchronous]
        self.publisher: Publisher | None = None  # set by the app when there is a Redis
        self.services: object = None  # handed to consumers (the runtime sets itself)
        self._queue_down_until = 0.0  # time.monotonic(): not business time

    def attach(self, sessions: sessionmaker) -> None:
        """Make every session of ``sessions`` carry the sink and hand out its events after
        its commits (the runtime attaches each of its session makers)."""
        sessions.configure(info={SINK: self})
        sa_event.listen(sessions, "after_commit", self._after_commit)
        sa_event.listen(sessions, "after_soft_rollback", self._after_soft_rollback)
        sa_event.listen(sessions, "after_transaction_end", self._after_transaction_end)

    # -- the sink -----------------------------------------------------------------------------
    def prepare(self, session: Session, app_key: str, form_key: str, kind: str,
                now: datetime, count: int, values: Callable[[], Sequence[dict[str, Any]]]
                ) -> list[tuple[Consumer, Sequence[Any]]]:
        """Hand the records about to be written to the consumers that prepare them; their
        states, for ``written``."""
        wanting = [c for c in self.preparing if kind in c.kinds
                   and (c.forms is None or (app_key, form_key) in c.forms)]
        if not wanting or not count:
            return []
        batch = Batch(app_key, form_key, kind, self._depth(session), count, values)
        out = []
        for consumer in wanting:
            ctx = ConsumerContext(session=session, now=now, app_key=app_key,
                                  _records=self._records, channel=consumer.channel,
                                  services=self.services)
            with self._guard(consumer, f"{kind} of {count} record(s) of "
                                       f"{app_key}/{form_key}"):
                states = consumer.prepare(ctx, batch)
            if states is not None:
                if len(states) != count:
                    raise ValueError(f"{consumer.key}.prepare returned {len(states)} states "
                                     f"for {count} records")
                out.append((consumer, states))
        return out

    def _depth(self, session: Session) -> int:
        cause: RecordEvent | None = session.info.get(CAUSE)
        depth = 0 if cause is None else cause.depth + 1
        if cause is not None and depth > self.settings.max_depth:
            raise too_deep(cause, self.settings.max_depth)
        return depth

    def written(self, session: Session, entries: Sequence[Mapping],
                prepared: Sequence[tuple[Consumer, Sequence[Any]]] | None = None
                ) -> set[tuple[str, str, int]]:
        cause: RecordEvent | None = session.info.get(CAUSE)
        depth = self._depth(session)
        rows = event_rows(entries, depth, cause.id if cause is not None else None)
        touched = session.info.get(TOUCHED)
        if touched is not None:  # a synchronous consumer's write: the outer write reads again
            touched.update((r["app_key"], r["form_key"], r["record_id"]) for r in rows)
        insert_events(session.connection(), rows)
        if not self.synchronous and not self.asynchronous:
            return set()
        events = [RecordEvent.from_row(row) for row in rows]
        self._owe(session, events)
        return self._run_synchronous(session, events, prepared or ())

    def _owe(self, session: Session, events: list[RecordEvent]) -> None:
        """Deliveries for the asynchronous consumers, handed out after the commit."""
        if not self.asynchronous or not events:
            return
        at = events[0].at
        sweep_at = at + self.settings.lease  # one object: converted once for every row
        deliveries = []
        pending = session.info.setdefault(PENDING, [])
        transaction = session.get_nested_transaction() or session.get_transaction()
        for consumer in self.asynchronous:
            wanted = consumer.owed(session, events, self.services)
            deliveries.extend({"consumer": consumer.key, "event_id": e.id, "stream": e.stream,
                               "status": "pending", "attempts": 0, "updated_at": at,
                               "sweep_at": sweep_at} for e in wanted)
            if wanted:
                pending.append((transaction, consumer.key, [e.id for e in wanted]))
        insert_deliveries(session.connection(), deliveries)

    def _run_synchronous(self, session: Session, events: list[RecordEvent],
                         prepared: Sequence[tuple[Consumer, Sequence[Any]]]
                         ) -> set[tuple[str, str, int]]:
        if not self.synchronous:
            return set()
        outermost = TOUCHED not in session.info
        if outermost:
            session.info[TOUCHED] = set()
        try:
            states = {}
            for consumer, found in prepared:  # the batch's work that needed the ids
                states[consumer.key] = found
                with self._guard(consumer, f"the {len(events)} event(s) from event "
                                           f"{events[0].id}"):
                    consumer.prepared(self.context(session, consumer, events[0],
                                                   events[0].at), events, found)
            # each consumer's events asked for once for the write (a form without rules: none)
            owed = [(consumer, {id(e) for e in consumer.owed(session, events, self.services)})
                    for consumer in self.synchronous]
            for i, event in enumerate(events):
                for consumer, wanted in owed:
                    if id(event) in wanted:
                        found = states.get(consumer.key)
                        state = found[i] if found is not None else None
                        if state is None or not consumer.settled(session, event, state,
                                                                 self.services):
                            self._consume_now(session, consumer, event, state)
        finally:
            touched = session.info.pop(TOUCHED) if outermost else set()
        return touched

    def _consume_now(self, session: Session, consumer: Consumer, event: RecordEvent,
                     prepared: Any = None) -> None:
        with self._guard(consumer, f"event {event.id} (record {event.record_id} of "
                                   f"{event.app_key}/{event.form_key})"), \
                self.caused_by(session, event):
            ctx = self.context(session, consumer, event, event.at)
            ctx.prepared = prepared
            consumer.consume(ctx, event)

    @contextmanager
    def _guard(self, consumer: Consumer, what: str) -> Iterator[None]:
        """A consumer's failure undoes the write: a refusal with its own problems as it is,
        anything else as a 500 (the traceback in the log)."""
        try:
            yield
        except TrellisError:
            raise  # a refusal with its own problems (or a loop found deeper down)
        except Exception:
            log.exception("synchronous event consumer %s failed on %s", consumer.key, what)
            raise consumer_failed(consumer.key) from None

    @contextmanager
    def caused_by(self, session: Session, event: RecordEvent) -> Iterator[None]:
        """Writes made inside are events caused by ``event`` (one level deeper)."""
        outer = session.info.get(CAUSE)
        session.info[CAUSE] = event
        try:
            yield
        finally:
            if outer is None:
                session.info.pop(CAUSE, None)
            else:
                session.info[CAUSE] = outer

    def context(self, session: Session, consumer: Consumer, event: RecordEvent,
                now: datetime) -> ConsumerContext:
        return ConsumerContext(session=session, now=now, app_key=event.app_key,
                               _records=self._records, channel=consumer.channel,
                               services=self.services)

    def _records(self, session: Session, app_key: str, form_key: str, now: datetime,
                 channel: str) -> Records:
        return Records(session, self.plans(session, app_key, form_key), SYSTEM, now,
                       via=channel, directory=self.directory)

    # -- handing out after the commit ---------------------------------------------------------
    def _after_commit(self, session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint: the outer transaction may still roll back
        for callback in session.info.pop(AFTER_COMMIT, None) or ():
            try:
                callback()
            except Exception:  # handing work out is best effort: sweepers take the rest
                log.exception("an after-commit hand-out failed")
        pending = session.info.pop(PENDING, None)
        if pending:
            groups: dict[str, list[int]] = {}
            for _transaction, consumer, ids in pending:
                groups.setdefault(consumer, []).extend(ids)
            self.publish(groups)

    def _after_soft_rollback(self, session: Session, previous: SessionTransaction) -> None:
        pending = session.info.get(PENDING)
        if pending:
            pending[:] = [p for p in pending if not _within(p[0], previous)]

    def _after_transaction_end(self, session: Session, transaction: SessionTransaction
                               ) -> None:
        if transaction.parent is None:  # committed and handed out, or abandoned
            session.info.pop(PENDING, None)
            session.info.pop(AFTER_COMMIT, None)

    def publish(self, groups: Mapping[str, list[int]]) -> bool:
        """Enqueue delivery jobs; False when there is no queue or it failed (the sweeper
        delivers them later)."""
        if self.publisher is None or time.monotonic() < self._queue_down_until:
            return False
        try:
            for consumer, ids in groups.items():
                for start in range(0, len(ids), JOB_SIZE):
                    if not self.publisher.publish(consumer, ids[start:start + JOB_SIZE]):
                        return False
        except Exception as exc:  # Redis down: the write stands, the sweeper hands it out
            # and the next writes do not wait for Redis again for a while
            self._queue_down_until = time.monotonic() + QUEUE_PAUSE
            log.warning("could not enqueue record events (%s); the sweeper will deliver them",
                        exc)
            return False
        return True

    # -- delivery, sweeping, retrying (runtime.events.delivery) -------------------------------
    def deliver(self, consumer_key: str, event_ids: Sequence[int]) -> str:
        from runtime.events.delivery import deliver

        return deliver(self, consumer_key, event_ids)

    def sweep(self, now: datetime) -> int:
        from runtime.events.delivery import sweep

        return sweep(self, now)


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


__all__ = ["EventHub", "EventSettings", "Publisher", "stream_of"]

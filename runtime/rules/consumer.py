"""The rules' record-event consumer: synchronous, so scores, stages and assignees are in the
answer of the write that caused them. For each create or update of a record of a form with a
published ruleset it runs that ruleset; for each new record that links to a record of such a
form (an activity to its contact) it runs the linked record's rules as ``related_created`` with
the behaviour rules of its scoring models."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from runtime.events.consumers import Batch, Consumer, ConsumerContext
from runtime.events.event import RecordEvent
from runtime.rules.engine import Event
from runtime.rules.executor import Executor, Pass, writers_of
from runtime.rules.ledger import Ledger


class RulesConsumer(Consumer):
    key = "rules"
    synchronous = True
    kinds = frozenset({"create", "update"})
    channel = "rules"

    def prepare(self, ctx: ConsumerContext, batch: Batch) -> list[dict | None] | None:
        """New records are scored before their insert: written once, with their score and
        stage; their ledger lines are booked for the batch at once in ``prepared``."""
        rt = ctx.services
        if batch.kind != "create" or rt is None or not hasattr(rt, "rules"):
            return None
        own = [ls for ls in rt.rules.app(ctx.session, batch.app_key).by_form.get(
            batch.form_key, ()) if ls.models]
        if not own:
            return None
        executor = Executor(rt, ctx.session, batch.app_key, ctx.now)
        states: list[dict | None] = []
        for record in batch.values:
            scored = {}
            for ls in own:
                found = executor.score_new(ls, record, batch.depth)
                if found is not None:
                    scored[ls.key] = found
            states.append(scored or None)
        return states

    def prepared(self, ctx: ConsumerContext, events: Sequence[RecordEvent],
                 states: Sequence[dict | None]) -> None:
        first = events[0]
        ledger = Ledger(ctx.session, first.app_key, first.form_key, ctx.now)
        ledger.book_many((event.record_id, s.ruleset.key, s.ruleset.version, s.lines,
                          event.id, event.actor_id)
                         for event, state in zip(events, states, strict=True) if state
                         for s in state.values() if s.lines)

    def owed(self, session: Any, events: Sequence[RecordEvent], services: Any = None
             ) -> list[RecordEvent]:
        """The events ``consume`` acts on: those of forms with rulesets, and creations in
        forms that related rules watch (the app's rules looked at once per form, not per
        event)."""
        if services is None or not hasattr(services, "rules"):
            return []
        acting: dict[tuple[str, str], tuple[bool, bool]] = {}
        out = []
        for event in events:
            form = (event.app_key, event.form_key)
            if form not in acting:
                rules = services.rules.app(session, event.app_key)
                acting[form] = (bool(rules.by_form.get(event.form_key)),
                                bool(rules.related.get(event.form_key)))
            own, related = acting[form]
            if self.wants(event) and (own or (related and event.kind == "create")):
                out.append(event)
        return out

    def settled(self, session: Any, event: RecordEvent, prepared: Any,
                services: Any = None) -> bool:
        """Scored before the insert (``prepared``: by ruleset), and no rule to run."""
        rules = services.rules.app(session, event.app_key)
        own = rules.by_form.get(event.form_key, ())
        related = rules.related.get(event.form_key, ()) if event.kind == "create" else ()
        return not related and all(ls.key in prepared and not ls.compiled.rules
                                   for ls in own)

    def consume(self, ctx: ConsumerContext, event: RecordEvent) -> None:
        rt = ctx.services
        if rt is None or not hasattr(rt, "rules"):
            return
        scored = ctx.prepared or {}
        if self.settled(ctx.session, event, scored, rt):
            return
        rules = rt.rules.app(ctx.session, event.app_key)
        own = rules.by_form.get(event.form_key, ())
        related = rules.related.get(event.form_key, ()) if event.kind == "create" else ()
        executor = Executor(rt, ctx.session, event.app_key, ctx.now, cause_id=event.id)
        record = executor.read(event.form_key, event.record_id)
        if record is None:
            return
        caused_by = writers_of(ctx.session, event.cause_id)
        for ls in own:
            executor.run(Pass(ls, engine_event(event, record, caused_by), event.record_id,
                              event.id, event.actor_id), scored.get(ls.key))
        if own and related:
            record = executor.read(event.form_key, event.record_id) or record
        for target, link in related:
            for target_id in linked_ids(record.get(link)):
                target_record = executor.read(target, target_id)
                if target_record is None:
                    continue
                for ls in rules.by_form.get(target, ()):
                    executor.run(Pass(ls, Event(
                        "related_created", target_record, related_form=event.form_key,
                        link=link, depth=event.depth, caused_by=caused_by), target_id,
                        event.id, event.actor_id, related=record))
                    target_record = executor.read(target, target_id) or target_record


def engine_event(event: RecordEvent, record: Mapping, caused_by: frozenset[str]) -> Event:
    """The engine's view of a record event: ``created``, or ``updated`` with the changed
    fields and the record as it was before (unchanged fields as they are)."""
    if event.kind == "create":
        return Event("created", record, depth=event.depth, caused_by=caused_by)
    old = {**record, **{key: change.old for key, change in event.changes.items()}}
    return Event("updated", record, old=old, changed=frozenset(event.changes),
                 depth=event.depth, caused_by=caused_by)


def linked_ids(value: Any) -> Iterator[int]:
    """The record ids a relation value holds (one id, or a list of them)."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, Mapping):
            item = item.get("id")
        if isinstance(item, int) and not isinstance(item, bool):
            yield item

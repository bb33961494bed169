"""The rules' record-event consumer: synchronous, so scores, stages and assignees are in the
answer of the write that caused them. For each create or update of a record of a form with a
published ruleset it runs that ruleset; for each new record that links to a record of such a
form (an activity to its lead) it runs the linked record's rules as ``related_created`` with
the behaviour rules of its scoring models."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from runtime.events.consumers import Consumer, ConsumerContext
from runtime.events.event import RecordEvent
from runtime.rules.engine import Event
from runtime.rules.executor import Executor, Pass, writers_of


class RulesConsumer(Consumer):
    key = "rules"
    synchronous = True
    kinds = frozenset({"create", "update"})
    channel = "rules"

    def consume(self, ctx: ConsumerContext, event: RecordEvent) -> None:
        rt = ctx.services
        if rt is None or not hasattr(rt, "rules"):
            return
        rules = rt.rules.app(ctx.session, event.app_key)
        own = rules.by_form.get(event.form_key, ())
        related = rules.related.get(event.form_key, ()) if event.kind == "create" else ()
        if not own and not related:
            return
        executor = Executor(rt, ctx.session, event.app_key, ctx.now, cause_id=event.id)
        record = executor.read(event.form_key, event.record_id)
        if record is None:
            return
        caused_by = writers_of(ctx.session, event.cause_id)
        for ls in own:
            executor.run(Pass(ls, engine_event(event, record, caused_by), event.record_id,
                              event.id, event.actor_id))
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

"""The workflows' record-event consumer (asynchronous): a record created or changed starts
the published workflows whose trigger it meets (once per event: the start key); running
instances of the record exit when an exit condition holds, and their tokens waiting on the
record are resumed; a deleted record cancels its instances; the instances of a record merged
into another go on with the record it was merged into."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from runtime.events.consumers import Consumer, ConsumerContext
from runtime.events.event import RecordEvent
from runtime.workflows.core import exits
from runtime.workflows.effects import CHANNEL
from runtime.workflows.interest import interest
from runtime.workflows.runner import graph_of, launcher, published_version
from runtime.workflows.store import TOKENS, Rows


class WorkflowConsumer(Consumer):
    key = "workflows"
    kinds = frozenset({"create", "update", "delete", "merge"})
    channel = CHANNEL

    def owed(self, session, events, services=None):
        """Only the events some workflow needs (runtime.workflows.interest: kept while the
        metadata stamp stands, no query per write)."""
        if services is None or not hasattr(services, "nodes"):
            return []
        needed = interest(services, session)
        return [e for e in events
                if e.kind in needed.get((e.app_key, e.form_key), ()) and self.wants(e)]

    def consume(self, ctx: ConsumerContext, event: RecordEvent) -> None:
        rt = ctx.services
        if rt is None or not hasattr(rt, "nodes"):
            return
        rows = Rows(ctx.session, ctx.now, launcher(rt))
        running = rows.running_of(event.app_key, event.form_key, event.record_id)
        if event.kind == "delete":
            for instance in running:
                rows.finish(instance, "cancelled", "the record was deleted")
            return
        if event.kind == "merge":
            if "merged_into" in event.changes:
                self._merged(rt, rows, running, int(event.changes["merged_into"].new))
            return
        record = _record(rt, ctx, event)
        if record is None:
            return
        for instance in running:
            graph = graph_of(rt, ctx.session, instance["app_key"], instance["workflow"],
                             instance["version"])
            if exits(graph, record):
                rows.finish(instance, "exited", "an exit condition holds")
                continue
            self._listening(rows, graph, instance, event)
        self._triggers(rt, rows, event, record)

    @staticmethod
    def _merged(rt, rows: Rows, running: list[dict], survivor: int) -> None:
        """The record went into ``survivor``: each instance follows it, or ends where its
        workflow says ``on_merge: cancel``."""
        for instance in running:
            graph = graph_of(rt, rows.session, instance["app_key"], instance["workflow"],
                             instance["version"])
            if graph.doc.get("on_merge") == "cancel":
                rows.finish(instance, "cancelled", f"the record was merged into #{survivor}")
            else:
                rows.follow(instance, survivor)

    @staticmethod
    def _listening(rows: Rows, graph, instance: Mapping, event: RecordEvent) -> None:
        tokens = rows.session.execute(sa.select(TOKENS.c.id, TOKENS.c.node).where(
            TOKENS.c.instance_id == instance["id"], TOKENS.c.status == "waiting")).all()
        for token in tokens:
            if graph.types[token.node].listens(graph.nodes[token.node]):
                rows.owe(instance["id"], token.id, token.node, "record",
                         f"r:{event.id}:{token.id}", {"event": event.id})

    def _triggers(self, rt, rows: Rows, event: RecordEvent, record: Mapping) -> None:
        if event.channel == CHANNEL:
            return  # a workflow's own writes start nothing (it would start itself again)
        for doc in rt.published_documents(rows.session, "workflow"):
            body = doc.body
            if doc.app_key != event.app_key or body.get("form") != event.form_key \
                    or body.get("enabled") is False:
                continue
            trigger = next((n for n in body.get("nodes", []) if n.get("type") == "trigger"),
                           None)
            if trigger is None or not matches(rt, rows.session, event,
                                              trigger.get("config") or {}):
                continue
            version = published_version(rows.session, event.app_key, doc.key)
            graph = graph_of(rt, rows.session, event.app_key, doc.key, version)
            when = graph.formulas[graph.trigger].get("when")
            if when is not None and not when(record):
                continue
            rows.start(event.app_key, doc.key, version, event.form_key, event.record_id,
                       graph.trigger, multiple=graph.multiple,
                       start_key=f"{doc.key}:e{event.id}", started_by=event.actor_id)


def matches(rt, session, event: RecordEvent, config: Mapping[str, Any]) -> bool:
    on = config.get("on")
    if on == "created":
        return event.kind == "create"
    if on == "updated":
        return event.kind == "update"
    if on == "field_changed":
        return event.kind == "update" and any(event.changed(f) for f in config["fields"])
    if on == "webhook":
        return event.channel == "webhook"
    if on == "threshold":
        return crossed_up(rt, session, event, config["model"], config["threshold"])
    return False  # manual and schedule starts: the API and runtime.workflows.schedule


def crossed_up(rt, session, event: RecordEvent, model_key: str, threshold: str) -> bool:
    """Whether the write moved the score of scoring model ``model_key`` into ``threshold``."""
    rules = getattr(rt, "rules", None)
    if rules is None:
        return False
    for ls in rules.app(session, event.app_key).by_form.get(event.form_key, ()):
        for model in ls.models:
            if model.key != model_key or model.field not in event.changes:
                continue
            change = event.changes[model.field]
            return any(t.key == threshold and direction == "up" for t, direction in
                       model.crossings(float(change.old or 0), float(change.new or 0)))
    return False


def _record(rt, ctx: ConsumerContext, event: RecordEvent) -> dict | None:
    from metadata.errors import NotFound
    from runtime.permissions import SYSTEM

    try:
        plan = rt.plan(ctx.session, event.app_key, event.form_key)
        return rt.records(ctx.session, plan, SYSTEM).get_all(event.record_id)
    except NotFound:
        return None

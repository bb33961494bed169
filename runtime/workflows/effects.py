"""What the runner does for a transition's effects, in the step's transaction: write the
record (through the records service, as the system: audited, events in turn), create one,
route it, send a message, open human tasks, remind, escalate, start a sub-workflow. Each
effect carries the step's key, so doing a step again does nothing twice. ``call_webhook``
is the one effect outside the database: it is done before the transaction (``outside``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from runtime.permissions import SYSTEM
from runtime.rules.outbound import SIGNATURE, call, signature
from runtime.storage.records import Records
from runtime.workflows.messages import sender
from runtime.workflows.nodes.base import Effect
from runtime.workflows.people import resolve
from runtime.workflows.store import TASKS, Rows

if TYPE_CHECKING:
    from runtime.context import Runtime

CHANNEL = "workflows"  # the ``via`` of the records workflows write


@dataclass
class Step:
    """The step being done: its key, instance, token, node and the record as it is."""

    key: str
    instance: Mapping[str, Any]
    token_id: int
    node: str
    record: dict[str, Any]


class Effects:
    def __init__(self, rt: Runtime, session: Session, rows: Rows, now: datetime):
        self.rt, self.session, self.rows, self.now = rt, session, rows, now
        self.handlers: dict[str, Callable[[Step, Mapping], None]] = {
            "update_record": self.update_record, "create_record": self.create_record,
            "assign": self.assign, "send_message": self.send_message,
            "create_tasks": self.create_tasks, "remind_tasks": self.remind_tasks,
            "escalate": self.escalate, "start_workflow": self.start_workflow,
            "call_webhook": lambda step, details: None}  # done before: ``outside``

    def apply(self, step: Step, effects: tuple[Effect, ...]) -> None:
        for effect in effects:
            self.handlers[effect.type](step, effect.details)

    def records(self, form_key: str, app_key: str) -> Records:
        plan = self.rt.plan(self.session, app_key, form_key)
        return Records(self.session, plan, SYSTEM, self.now, CHANNEL,
                       directory=self.rt.directory)

    def update_record(self, step: Step, details: Mapping) -> None:
        i = step.instance
        updated = self.records(i["form_key"], i["app_key"]).update(i["record_id"],
                                                                   dict(details["values"]))
        step.record.update(updated)

    def create_record(self, step: Step, details: Mapping) -> None:
        self.records(details["form"], step.instance["app_key"]).create(dict(details["values"]))

    def assign(self, step: Step, details: Mapping) -> None:
        config = {k: v for k, v in details.items() if k != "field"}
        if details.get("field"):
            config["assignee_field"] = details["field"]
        i = step.instance
        done = self.rt.routing.assign(self.records(i["form_key"], i["app_key"]),
                                      i["record_id"], config, rule=f"{i['workflow']}.{step.node}")
        step.record.update(done.record)

    def people(self, step: Step, specs, resolved=None) -> list[int]:
        return sorted(resolve(self.session, self.rt.directory, step.record, specs, resolved))

    def send_message(self, step: Step, details: Mapping) -> None:
        to = self.people(step, details["to"], details.get("resolved"))
        if not to:
            raise LookupError("nobody to send the message to: no recipient is an active user")
        i = step.instance
        sender()(self.session, channel=details.get("channel", "in_app"), to=to,
                 title=details["title"], message=details.get("message"),
                 record=(i["app_key"], i["form_key"], i["record_id"]),
                 key=f"wf:{step.key}", now=self.now, priority=details.get("priority", "normal"),
                 template=details.get("template"))

    def create_tasks(self, step: Step, details: Mapping) -> None:
        users = self.people(step, details["assignees"], details.get("resolved"))
        if not users:
            raise LookupError("nobody to give the task to: no assignee is an active user")
        i = step.instance
        due = details.get("due_at")
        self.session.execute(TASKS.insert(), [{
            "instance_id": i["id"], "token_id": step.token_id, "node": step.node,
            "kind": details["kind"], "app_key": i["app_key"], "form_key": i["form_key"],
            "record_id": i["record_id"], "title": details["title"],
            "description": details.get("description"), "assignee_id": u, "status": "open",
            "due_at": datetime.fromisoformat(due) if due else None,
            "priority": details.get("priority") or 0, "hint": details.get("hint"),
            "editable": details.get("editable") or [], "created_at": self.now} for u in users])

    def open_tasks(self, step: Step) -> list[Mapping]:
        return list(self.session.execute(sa.select(TASKS).where(
            TASKS.c.token_id == step.token_id, TASKS.c.status == "open")).mappings())

    def remind_tasks(self, step: Step, details: Mapping) -> None:
        tasks = self.open_tasks(step)
        if tasks:
            i = step.instance
            sender()(self.session, channel="in_app", to=[t["assignee_id"] for t in tasks],
                     title=tasks[0]["title"], message={"zh": "任务即将到期",
                                                       "en": "The task is due soon"},
                     record=(i["app_key"], i["form_key"], i["record_id"]),
                     key=f"wf:{step.key}", now=self.now)
            self.session.execute(TASKS.update().where(TASKS.c.id.in_([t["id"] for t in tasks]))
                                 .values(reminded_at=self.now))

    def escalate(self, step: Step, details: Mapping) -> None:
        """Past the due time: tell whom it escalates to, and hand them the task (to the
        first of them, or to whom the routing strategy picks: told too)."""
        tasks = self.open_tasks(step)
        i = step.instance
        to = self.people(step, details["to"])
        picked = None
        if tasks and details.get("route"):
            picked = self.rt.routing.choose(self.records(i["form_key"], i["app_key"]),
                                            i["record_id"], details["route"])
            to = sorted({*to, picked}) if picked is not None else to
        if not tasks or not to:
            return
        sender()(self.session, channel="in_app", to=to, title=tasks[0]["title"],
                 message={"zh": "任务已超期", "en": "The task is overdue"},
                 record=(i["app_key"], i["form_key"], i["record_id"]),
                 key=f"wf:{step.key}", now=self.now, priority="high")
        values: dict[str, Any] = {"escalated": True}
        if picked is not None or details.get("reassign"):
            values["assignee_id"] = picked if picked is not None else to[0]
        self.session.execute(TASKS.update().where(TASKS.c.id.in_([t["id"] for t in tasks]))
                             .values(**values))

    def start_workflow(self, step: Step, details: Mapping) -> None:
        from runtime.workflows.runner import start_on

        i = step.instance
        start_on(self.rt, self.rows, i["app_key"], details["workflow"], i["record_id"],
                 start_key=f"sub:{step.key}",
                 parent_token_id=step.token_id if details.get("parent") else None)


def call_webhook(rt: Runtime, step: Step, details: Mapping) -> None:
    """POST the body, signed, with the step's key as the delivery id (the same on every
    attempt: receivers drop repeats by it); private addresses refused."""
    i = step.instance
    payload = json.dumps({"app": i["app_key"], "workflow": i["workflow"],
                          "instance": i["id"], "node": step.node, "record_id": i["record_id"],
                          "data": details.get("body")}, default=str,
                         ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "X-Trellis-Delivery": f"wf:{step.key}",
               "User-Agent": "Trellis-Webhook/1"}
    name = details.get("secret")
    if name:
        secret = (rt.settings.get("webhook_secrets") or {}).get(name)
        if not secret:
            raise LookupError(f"the webhook secret {name!r} is not configured")
        headers[SIGNATURE] = signature(secret, payload)
    call(details["url"], details.get("method", "POST"), payload, headers,
         bool(rt.settings.get("outbound_allow_private")))

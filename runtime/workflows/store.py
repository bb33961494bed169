"""Rows of running workflows, inside a caller's transaction: start an instance (once per
record and workflow unless it allows several; once per start key), move tokens, owe steps,
set and cancel timers, end instances. Steps owed here are handed to workers after the commit
(``launch``) or left for the inline runner."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from runtime.events.hub import AFTER_COMMIT
from runtime.workflows.models import (
    WorkflowInstance,
    WorkflowStep,
    WorkflowTask,
    WorkflowTimer,
    WorkflowToken,
)
from runtime.workflows.nodes.base import Timer

INSTANCES = WorkflowInstance.__table__
TOKENS = WorkflowToken.__table__
STEPS = WorkflowStep.__table__
TIMERS = WorkflowTimer.__table__
TASKS = WorkflowTask.__table__
LIVE = ("active", "waiting")
# statements built once (each run sets the columns its parameters name): building them anew
# for every step cost more than running them
BY_ID = {table.name: table.update().where(table.c.id == sa.bindparam("row_id"))
         for table in (TOKENS, STEPS, INSTANCES)}
Launch = Callable[[list[str]], None] | None


class Rows:
    """The workflow rows of one transaction; ``launch`` hands owed steps to workers after
    the commit (None: the inline runner takes them)."""

    def __init__(self, session: Session, now: datetime, launch: Launch = None):
        self.session, self.now, self.launch = session, now, launch
        self.owed: list[str] = []  # "instance-step-attempt" of the steps owed

    def start(self, app_key: str, workflow: str, version: int, form_key: str, record_id: int,
              trigger: str, *, multiple: bool = False, start_key: str | None = None,
              started_by: int | None = None, parent_token_id: int | None = None
              ) -> int | None:
        """A new running instance with a token at the trigger (None: one runs already on the
        record, or this start key started one before)."""
        running = None if multiple else f"{app_key}:{workflow}:{record_id}"
        try:
            with self.session.begin_nested():
                instance_id = self.session.execute(INSTANCES.insert().values(
                    app_key=app_key, workflow=workflow, version=version, form_key=form_key,
                    record_id=record_id, status="running", running_key=running,
                    start_key=start_key, started_by=started_by,
                    parent_token_id=parent_token_id, created_at=self.now,
                    updated_at=self.now)).inserted_primary_key[0]
        except IntegrityError:
            return None
        token_id = self.token(instance_id, trigger)
        self.owe(instance_id, token_id, trigger, "enter", f"s:{instance_id}")
        return instance_id

    def token(self, instance_id: int, node: str, status: str = "active") -> int:
        return self.session.execute(TOKENS.insert(), {
            "instance_id": instance_id, "node": node, "status": status, "state": {},
            "created_at": self.now, "updated_at": self.now}).inserted_primary_key[0]

    def set(self, table: sa.Table, row_id: int, **values: Any) -> None:
        """Columns of one row of ``table`` (tokens, steps, instances) by its id."""
        self.session.execute(BY_ID[table.name], {"row_id": row_id, **values})

    def owe(self, instance_id: int, token_id: int, node: str, kind: str, key: str,
            data: Mapping[str, Any] | None = None, due_at: datetime | None = None,
            fresh: bool = False) -> int | None:
        """A step owed (nothing when its key is owed already; ``fresh``: a key made from a
        step being done, which cannot be)."""
        if not fresh and self.session.scalar(sa.select(STEPS.c.id).where(STEPS.c.key == key)
                                             ) is not None:
            return None
        step_id = self.session.execute(STEPS.insert(), {
            "key": key, "instance_id": instance_id, "token_id": token_id, "node": node,
            "kind": kind, "data": dict(data or {}), "status": "pending", "attempts": 0,
            "due_at": due_at or self.now, "enqueued_at": self.now if self.launch else None,
            "created_at": self.now}).inserted_primary_key[0]
        self.owed.append(f"{instance_id}-{step_id}-0")
        if self.launch is not None and len(self.owed) == 1:
            launch, owed = self.launch, self.owed
            self.session.info.setdefault(AFTER_COMMIT, []).append(lambda: launch(owed))
        return step_id

    def timers(self, instance_id: int, token_id: int, node: str, timers: Iterable[Timer]
               ) -> None:
        rows = [{"instance_id": instance_id, "token_id": token_id, "node": node,
                 "name": t.name, "due_at": t.due_at, "status": "pending"} for t in timers]
        if rows:
            self.session.execute(TIMERS.insert(), rows)

    def release(self, token_ids: list[int]) -> None:
        """The tokens leave their node: their timers and open tasks are cancelled."""
        self.session.execute(TIMERS.update().where(TIMERS.c.token_id.in_(token_ids),
                                                   TIMERS.c.status == "pending")
                             .values(status="cancelled"))
        self.session.execute(TASKS.update().where(TASKS.c.token_id.in_(token_ids),
                                                  TASKS.c.status == "open")
                             .values(status="cancelled", decided_at=self.now))

    def finish(self, instance: Mapping, status: str, reason: str | None = None) -> None:
        """End the instance: its live tokens are cancelled; a parent waiting on it goes on."""
        live = list(self.session.scalars(sa.select(TOKENS.c.id).where(
            TOKENS.c.instance_id == instance["id"], TOKENS.c.status.in_(LIVE))))
        if live:
            self.release(live)
            self.session.execute(TOKENS.update().where(TOKENS.c.id.in_(live)).values(
                status="cancelled", updated_at=self.now))
        self.session.execute(STEPS.update().where(STEPS.c.instance_id == instance["id"],
                                                  STEPS.c.status == "pending")
                             .values(status="cancelled"))
        self.set(INSTANCES, instance["id"], status=status, running_key=None, reason=reason,
                 updated_at=self.now, ended_at=self.now)
        parent = instance.get("parent_token_id")
        if parent is not None:
            owner = self.session.scalar(sa.select(TOKENS.c.instance_id)
                                        .where(TOKENS.c.id == parent))
            node = self.session.scalar(sa.select(TOKENS.c.node).where(TOKENS.c.id == parent))
            if owner is not None:
                self.owe(owner, parent, node, "child", f"c:{instance['id']}",
                         {"instance": instance["id"], "status": status})

    def follow(self, instance: Mapping, survivor: int) -> None:
        """The instance's record was merged into ``survivor``: it goes on there (its open
        tasks too), or ends when the survivor runs this workflow already."""
        key = instance["running_key"] and instance["running_key"].rsplit(":", 1)[0]
        try:
            with self.session.begin_nested():
                self.set(INSTANCES, instance["id"], record_id=survivor,
                         running_key=key and f"{key}:{survivor}", updated_at=self.now)
        except IntegrityError:
            self.finish(instance, "cancelled", f"the record was merged into #{survivor}, "
                                               "which runs this workflow already")
            return
        self.session.execute(TASKS.update().where(TASKS.c.instance_id == instance["id"],
                                                  TASKS.c.status == "open")
                             .values(record_id=survivor))

    def running_of(self, app_key: str, form_key: str, record_id: int) -> list[dict]:
        return [dict(r) for r in self.session.execute(sa.select(INSTANCES).where(
            INSTANCES.c.app_key == app_key, INSTANCES.c.form_key == form_key,
            INSTANCES.c.record_id == record_id, INSTANCES.c.status == "running")).mappings()]

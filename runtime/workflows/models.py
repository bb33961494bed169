"""The workflow engine's tables: instances, their tokens, the steps they took (each step a
job, done once), the timers they wait on, and the human tasks they opened. The database is
the source of truth: Redis only carries step ids to the workers.

No foreign keys to form tables or people (as the rules' tables)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from metadata.orm import Base, JSONValue
from runtime.events.models import BigId


class WorkflowInstance(Base):
    """A workflow running (or that ran) on one record, pinned to the version it started on.
    ``running_key`` is set while it runs and the workflow allows one instance per record:
    unique, so concurrent triggers never start two; ``start_key`` makes a start idempotent
    (the record event or rule job that started it)."""

    __tablename__ = "workflow_instances"
    __table_args__ = (sa.UniqueConstraint("running_key", name="uq_workflow_instances_running"),
                      sa.UniqueConstraint("start_key", name="uq_workflow_instances_start"),
                      sa.Index("ix_workflow_instances_record", "app_key", "form_key",
                               "record_id", "status"),
                      sa.Index("ix_workflow_instances_workflow", "app_key", "workflow", "id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_key: Mapped[str] = mapped_column(sa.String(63))
    workflow: Mapped[str] = mapped_column(sa.String(63))
    version: Mapped[int]
    form_key: Mapped[str] = mapped_column(sa.String(63))
    record_id: Mapped[int] = mapped_column(sa.BigInteger)
    # running | completed | rejected | cancelled | exited | failed
    status: Mapped[str] = mapped_column(sa.String(16))
    running_key: Mapped[str | None] = mapped_column(sa.String(200), default=None)
    start_key: Mapped[str | None] = mapped_column(sa.String(200), default=None)
    parent_token_id: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)
    started_by: Mapped[int | None] = mapped_column(default=None)
    reason: Mapped[str | None] = mapped_column(sa.String(500), default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)


class WorkflowToken(Base):
    """Where a path of an instance is: a node, active (a step is owed), waiting (on a timer,
    people, the record, a join) or done."""

    __tablename__ = "workflow_tokens"
    __table_args__ = (sa.Index("ix_workflow_tokens_instance", "instance_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.BigInteger)
    node: Mapped[str] = mapped_column(sa.String(63))
    status: Mapped[str] = mapped_column(sa.String(16))  # active | waiting | done | cancelled
    state: Mapped[dict | None] = mapped_column(JSONValue, default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WorkflowStep(Base):
    """One step of a token: a node entered, or resumed by a timer, a task decision, a change
    of the record, a sub-workflow's end. An RQ job per (step, attempt) runs it; the step and
    its effects commit together, so running it twice does it once. The history of an
    instance is its steps."""

    __tablename__ = "workflow_steps"
    __table_args__ = (sa.UniqueConstraint("key", name="uq_workflow_steps_key"),
                      sa.Index("ix_workflow_steps_due", "status", "due_at"),
                      sa.Index("ix_workflow_steps_instance", "instance_id", "id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200))
    instance_id: Mapped[int] = mapped_column(sa.BigInteger)
    token_id: Mapped[int] = mapped_column(sa.BigInteger)
    node: Mapped[str] = mapped_column(sa.String(63))
    kind: Mapped[str] = mapped_column(sa.String(16))  # enter | timer | task | record | child
    data: Mapped[dict | None] = mapped_column(JSONValue, default=None)
    status: Mapped[str] = mapped_column(sa.String(16))  # pending | done | failed | cancelled
    attempts: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime]
    enqueued_at: Mapped[datetime | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(sa.Text, default=None)
    result: Mapped[dict | None] = mapped_column(JSONValue, default=None)  # what it did
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None] = mapped_column(default=None)


class WorkflowTimer(Base):
    """A time a waiting token resumes at. The scheduler polls ``(status, due_at)`` every
    second and turns each due timer into a step."""

    __tablename__ = "workflow_timers"
    __table_args__ = (sa.Index("ix_workflow_timers_due", "status", "due_at"),
                      sa.Index("ix_workflow_timers_token", "token_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.BigInteger)
    token_id: Mapped[int] = mapped_column(sa.BigInteger)
    node: Mapped[str] = mapped_column(sa.String(63))
    name: Mapped[str] = mapped_column(sa.String(63))
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(sa.String(16))  # pending | fired | cancelled
    fired_at: Mapped[datetime | None] = mapped_column(default=None)


class WorkflowTask(Base):
    """A human task an approval or task node opened for one person: in their to-do list
    until they decide it (or it is cancelled when the path moves on)."""

    __tablename__ = "workflow_tasks"
    __table_args__ = (sa.Index("ix_workflow_tasks_assignee", "assignee_id", "status"),
                      sa.Index("ix_workflow_tasks_token", "token_id", "status"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.BigInteger)
    token_id: Mapped[int] = mapped_column(sa.BigInteger)
    node: Mapped[str] = mapped_column(sa.String(63))
    kind: Mapped[str] = mapped_column(sa.String(16))  # approval | task
    app_key: Mapped[str] = mapped_column(sa.String(63))
    form_key: Mapped[str] = mapped_column(sa.String(63))
    record_id: Mapped[int] = mapped_column(sa.BigInteger)
    title: Mapped[dict | str] = mapped_column(JSONValue)
    description: Mapped[dict | str | None] = mapped_column(JSONValue, default=None)
    assignee_id: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(16))  # open | done | cancelled
    outcome: Mapped[str | None] = mapped_column(sa.String(16), default=None)
    comment: Mapped[str | None] = mapped_column(sa.Text, default=None)
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    priority: Mapped[float] = mapped_column(sa.Float, default=0)
    hint: Mapped[str | None] = mapped_column(sa.String(500), default=None)
    editable: Mapped[list | None] = mapped_column(JSONValue, default=None)
    escalated: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by: Mapped[int | None] = mapped_column(default=None)
    # the to-do list: hidden from it until then; follow-ups noted; when the assignee was reminded
    snoozed_until: Mapped[datetime | None] = mapped_column(default=None)
    notes: Mapped[list | None] = mapped_column(JSONValue, default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(default=None)

"""The rules executor's tables: the point ledger, the asynchronous actions rules planned, the
incidents an admin sees, in-app notifications, and when each scheduled rule last ran.

No foreign keys to form tables or people: a row about a record or a user that is gone is
simply never read again (as the assignment log)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from metadata.orm import Base, JSONValue
from runtime.events.models import BigId

DECAY_LINES = sa.text("kind IN ('behaviour', 'decay')")  # the lines decay reads


class ScoreEntry(Base):
    """One change of one record's score in one model. The score field always equals the sum
    of the record's entries of the model (every write books its difference here first)."""

    __tablename__ = "score_ledger"
    __table_args__ = (sa.Index("ix_score_ledger_record", "app_key", "form_key", "record_id",
                               "model", "id"),
                      # decay's query: each record's last behaviour and decay line (only
                      # those lines: the attribute lines of every write stay out of it)
                      sa.Index("ix_score_ledger_decay", "app_key", "form_key", "model", "kind",
                               "record_id", "at", sqlite_where=DECAY_LINES,
                               postgresql_where=DECAY_LINES))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime]
    app_key: Mapped[str] = mapped_column(sa.String(63))
    form_key: Mapped[str] = mapped_column(sa.String(63))
    record_id: Mapped[int] = mapped_column(sa.BigInteger)
    ruleset: Mapped[str] = mapped_column(sa.String(63))
    version: Mapped[int]  # the ruleset version that booked it (re-scoring compares)
    model: Mapped[str] = mapped_column(sa.String(63))
    # rule | attribute | behaviour | clamp | decay | rescore | manual
    kind: Mapped[str] = mapped_column(sa.String(16))
    key: Mapped[str | None] = mapped_column(sa.String(63), default=None)  # rule/attribute/...
    points: Mapped[float] = mapped_column(sa.Float)
    reason: Mapped[dict | str | None] = mapped_column(JSONValue, default=None)  # a label
    event_id: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)
    related_id: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)  # behaviour
    actor_id: Mapped[int | None] = mapped_column(default=None)  # manual: who


class RuleJob(Base):
    """An asynchronous action a rule planned (create a record, notify, call a webhook), done
    once by a worker; ``key`` (event, rule, action) makes planning it twice a no-op."""

    __tablename__ = "rule_jobs"
    __table_args__ = (sa.UniqueConstraint("key", name="uq_rule_jobs_key"),
                      sa.Index("ix_rule_jobs_due", "status", "due_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200))
    app_key: Mapped[str] = mapped_column(sa.String(63))
    form_key: Mapped[str] = mapped_column(sa.String(63))
    record_id: Mapped[int] = mapped_column(sa.BigInteger)
    ruleset: Mapped[str] = mapped_column(sa.String(63))
    rule: Mapped[str] = mapped_column(sa.String(63))
    action: Mapped[str] = mapped_column(sa.String(63))  # the action type
    details: Mapped[dict] = mapped_column(JSONValue)  # the planned action
    event_id: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)
    status: Mapped[str] = mapped_column(sa.String(16))  # pending | running | done | failed
    attempts: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime | None] = mapped_column(default=None)  # null: not to run again
    error: Mapped[str | None] = mapped_column(sa.Text, default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Incident(Base):
    """Something that kept failing (an asynchronous rule action) or was stopped (a runaway
    chain of rules), for an admin to see and, where it makes sense, retry."""

    __tablename__ = "incidents"
    __table_args__ = (sa.Index("ix_incidents_app", "app_key", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_key: Mapped[str] = mapped_column(sa.String(63))
    kind: Mapped[str] = mapped_column(sa.String(32))  # rule_action | rule_chain
    status: Mapped[str] = mapped_column(sa.String(16))  # open | retrying | resolved
    form_key: Mapped[str | None] = mapped_column(sa.String(63), default=None)
    record_id: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)
    rule: Mapped[str | None] = mapped_column(sa.String(200), default=None)
    job_id: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)  # rule_action
    summary: Mapped[str] = mapped_column(sa.String(500))  # in English (logs, the API)
    # the summary as a message {template, params}: the pages write it in the reader's language
    message: Mapped[dict | None] = mapped_column(JSONValue, default=None)
    error: Mapped[str | None] = mapped_column(sa.Text, default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Notification(Base):
    """An in-app notification for one user (rules' notify action; workflows later)."""

    __tablename__ = "notifications"
    __table_args__ = (sa.UniqueConstraint("key", "user_id", name="uq_notifications_key"),
                      sa.Index("ix_notifications_user", "user_id", "read_at", "id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200))  # what sent it: sending twice is a no-op
    user_id: Mapped[int]
    app_key: Mapped[str | None] = mapped_column(sa.String(63), default=None)
    form_key: Mapped[str | None] = mapped_column(sa.String(63), default=None)
    record_id: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)
    title: Mapped[dict | str] = mapped_column(JSONValue)  # a label: text or {lang: text}
    message: Mapped[dict | str | None] = mapped_column(JSONValue, default=None)
    priority: Mapped[str] = mapped_column(sa.String(16), default="normal")
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None] = mapped_column(default=None)


class ScheduledRun(Base):
    """When a schedule-triggered rule last ran (so a restart neither skips nor repeats)."""

    __tablename__ = "rule_schedule_runs"

    app_key: Mapped[str] = mapped_column(sa.String(63), primary_key=True)
    ruleset: Mapped[str] = mapped_column(sa.String(63), primary_key=True)
    rule: Mapped[str] = mapped_column(sa.String(63), primary_key=True)
    last_run_at: Mapped[datetime]


class Rescore(Base):
    """A re-score of a form's records after a ruleset version changed its scoring: a job that
    books, a batch of records per transaction, the difference between what each record's
    attribute lines hold and what the version gives, moving ``last_id`` on with each batch
    (so a killed job goes on where it stopped)."""

    __tablename__ = "score_rescores"
    __table_args__ = (sa.Index("ix_score_rescores_ruleset", "app_key", "ruleset", "id"),
                      sa.Index("ix_score_rescores_status", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    app_key: Mapped[str] = mapped_column(sa.String(63))
    ruleset: Mapped[str] = mapped_column(sa.String(63))
    form_key: Mapped[str] = mapped_column(sa.String(63))
    version: Mapped[int]  # the ruleset version it scores by
    from_version: Mapped[int | None] = mapped_column(default=None)
    # queued | running | done | superseded (a newer version was published) | failed
    status: Mapped[str] = mapped_column(sa.String(16))
    total: Mapped[int | None] = mapped_column(default=None)  # records to go over
    processed: Mapped[int] = mapped_column(default=0)
    changed: Mapped[int] = mapped_column(default=0)  # records whose score moved
    last_id: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # the cursor
    max_id: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)  # newer: scored
    requested_by: Mapped[int | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(sa.Text, default=None)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)

"""Routing's tables: members' routing attributes, round-robin cursors, the assignment log.

No foreign keys to the people tables: the runtime owns no table of people (the directory
answers who exists); a row about a user or a team that is gone is simply never read again."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from metadata.orm import Base, JSONValue


class RoutingMember(Base):
    """A team member's routing attributes (a member without a row has the defaults)."""

    __tablename__ = "routing_members"

    team_id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(primary_key=True)
    routing: Mapped[bool] = mapped_column(default=True)  # False: paused, takes no new records
    weight: Mapped[int] = mapped_column(default=1)
    capacity: Mapped[int | None] = mapped_column(default=None)
    regions: Mapped[list] = mapped_column(JSONValue)
    product_lines: Mapped[list] = mapped_column(JSONValue)
    hours: Mapped[dict | None] = mapped_column(JSONValue, default=None)  # None: any time
    days_off: Mapped[list] = mapped_column(JSONValue)
    updated_at: Mapped[datetime]


class RoutingCursor(Base):
    """Where a team's turn stands; read and written under a row lock (FOR UPDATE, SQLite's
    write lock), so concurrent assignments take turns exactly."""

    __tablename__ = "routing_cursors"

    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)  # team:<id>
    last_user: Mapped[int | None] = mapped_column(default=None)
    position: Mapped[int] = mapped_column(default=0)
    turns: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime]


class RecordAssignment(Base):
    """One assignment of one record: who was chosen (or nobody), by which strategy and rule,
    why, and why each candidate was skipped. Reassignments add rows: the history stays."""

    __tablename__ = "record_assignments"
    __table_args__ = (sa.Index("ix_record_assignments_record", "app_key", "form_key",
                               "record_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    app_key: Mapped[str] = mapped_column(sa.String(63))
    form_key: Mapped[str] = mapped_column(sa.String(63))
    record_id: Mapped[int] = mapped_column(sa.BigInteger)
    strategy: Mapped[str] = mapped_column(sa.String(63))
    rule: Mapped[str | None] = mapped_column(sa.String(200), default=None)
    field: Mapped[str] = mapped_column(sa.String(63))  # owner, or the user field set
    team_id: Mapped[int | None] = mapped_column(default=None)
    assignee: Mapped[int | None] = mapped_column(default=None)
    previous: Mapped[int | None] = mapped_column(default=None)
    fallback: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[dict] = mapped_column(JSONValue)  # Reason.as_json()
    # [{"user": id, "skipped": Reason.as_json() | null}] in id order
    candidates: Mapped[list] = mapped_column(JSONValue)

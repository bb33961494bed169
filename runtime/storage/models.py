"""System tables the storage engine keeps: table layouts, audit log, sequences, attachments."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from metadata import stamps
from metadata.orm import Base, JSONValue


class FormTable(Base):
    """The physical layout of a form's real table: every field ever published, archived or not."""

    __tablename__ = "form_tables"
    __table_args__ = (sa.UniqueConstraint("app_key", "form_key", name="uq_form_tables_form"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_key: Mapped[str] = mapped_column(sa.String(63))
    form_key: Mapped[str] = mapped_column(sa.String(63))
    table_name: Mapped[str] = mapped_column(sa.String(63), unique=True)
    form_version: Mapped[int]
    # [{"key", "type", "config", "archived": bool}] in column order
    fields: Mapped[list] = mapped_column(JSONValue)
    updated_at: Mapped[datetime]


# a migrated table changes every process's compiled plans of its form
stamps.watch(stamps.METADATA, {FormTable: None})


class AuditEntry(Base):
    """One change to one record: who, when, and per field the old and new value."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_record", "app_key", "form_key", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    app_key: Mapped[str] = mapped_column(sa.String(63))
    form_key: Mapped[str] = mapped_column(sa.String(63))
    record_id: Mapped[int]
    action: Mapped[str] = mapped_column(sa.String(16))  # create | update | delete | restore
    version: Mapped[int]
    # [{"field": key, "old": value, "new": value}]; a creation stores {field: new value}
    changes: Mapped[list | dict] = mapped_column(JSONValue)
    via: Mapped[str] = mapped_column(sa.String(16), default="api")  # api | ui | import | system


class Sequence(Base):
    """Counters for auto numbers, incremented atomically inside the writing transaction."""

    __tablename__ = "sequences"

    name: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger)


class Attachment(Base):
    """An uploaded file, stored under the instance folder, referenced by attachment fields."""

    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(127))  # what the file says it is
    # the type its bytes were verified as at upload (raster images only); None: never inline
    verified_type: Mapped[str | None] = mapped_column(sa.String(127), default=None)
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime]


class ListPreference(Base):
    """A person's own way of seeing a form's list: the columns and their order of the list as
    it opens (``name`` empty), or a personal view saved under a name (columns, sort, filters,
    formula and search)."""

    __tablename__ = "list_preferences"
    __table_args__ = (sa.UniqueConstraint("user_id", "app_key", "form_key", "name",
                                          name="uq_list_preferences"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    app_key: Mapped[str] = mapped_column(sa.String(63))
    form_key: Mapped[str] = mapped_column(sa.String(63))
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    # {"columns": [...], "sort": "-amount", "f": [...], "o": [...], "v": [...], "fx", "q"}
    state: Mapped[dict] = mapped_column(JSONValue)
    updated_at: Mapped[datetime]


class RecordTouch(Base):
    """One arrival of a record (``runtime.arrivals.Touch``): when, through which channel, from
    which campaign, and what arrived. A merge moves the touches of the merged records to the
    survivor; ``arrived_as`` keeps the record each first landed on, so a merge can be undone."""

    __tablename__ = "record_touches"
    __table_args__ = (sa.Index("ix_record_touches_record", "app_key", "form_key", "record_id",
                               "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_key: Mapped[str] = mapped_column(sa.String(63))
    form_key: Mapped[str] = mapped_column(sa.String(63))
    record_id: Mapped[int]
    arrived_as: Mapped[int]
    at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    channel: Mapped[str] = mapped_column(sa.String(16))
    source: Mapped[str | None] = mapped_column(sa.String(200), default=None)
    medium: Mapped[str | None] = mapped_column(sa.String(200), default=None)
    campaign: Mapped[str | None] = mapped_column(sa.String(200), default=None)
    term: Mapped[str | None] = mapped_column(sa.String(200), default=None)
    content: Mapped[str | None] = mapped_column(sa.String(200), default=None)
    ref: Mapped[str | None] = mapped_column(sa.String(200), default=None)
    detail: Mapped[dict] = mapped_column(JSONValue, default=dict)


class SearchBacklog(Base):
    """A record whose search texts are in its form's search table but not yet in SQLite's
    full-text index over it (``runtime.storage.search_backlog``): small writes leave the
    indexing to a thread that does many at once; searches look through these rows directly."""

    __tablename__ = "search_backlog"

    search_table: Mapped[str] = mapped_column(sa.String(63), primary_key=True)
    record_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)

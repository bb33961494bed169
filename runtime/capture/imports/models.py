"""Imports that run in the background: the file, its mapping, how far the job got, and what
became of each row (so a resumed job never imports a row twice, failed rows can be downloaded
and the whole import undone)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from metadata.orm import Base, JSONValue

STATUSES = ("draft", "queued", "running", "done", "failed", "undoing", "undone")
ROW_OUTCOMES = ("created", "merged", "failed")


class Import(Base):
    """One file imported into one form by one person."""

    __tablename__ = "imports"
    __table_args__ = (sa.Index("ix_imports_form", "app_key", "form_key", "created_at"),)

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)  # random: not guessable
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    app_key: Mapped[str] = mapped_column(sa.String(63))
    form_key: Mapped[str] = mapped_column(sa.String(63))
    file_name: Mapped[str] = mapped_column(sa.String(255))  # as uploaded
    format: Mapped[str] = mapped_column(sa.String(8))  # csv | xlsx
    encoding: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    header: Mapped[list] = mapped_column(JSONValue)  # the file's column names
    mapping: Mapped[dict] = mapped_column(JSONValue)  # column name -> target
    dry_run: Mapped[bool] = mapped_column(default=False)
    lang: Mapped[str] = mapped_column(sa.String(8))  # messages in this language
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")
    total: Mapped[int | None] = mapped_column(default=None)  # data rows, once counted
    processed: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    merged: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    last_row: Mapped[int] = mapped_column(default=1)  # the file row done last (1: the header)
    error: Mapped[str | None] = mapped_column(sa.Text, default=None)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)  # a job working on it
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    undone_at: Mapped[datetime | None] = mapped_column(default=None)
    undone_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    # what undoing found: {"removed": n, "kept": [{"id", "reason"}], ...}
    undo_report: Mapped[dict | None] = mapped_column(JSONValue, default=None)


class ImportRow(Base):
    """What became of one row of an import: the record it created or merged into, or why it
    failed (with the row's cells, for the download of failed rows)."""

    __tablename__ = "import_rows"
    __table_args__ = (sa.UniqueConstraint("import_id", "row", name="uq_import_rows_row"),
                      sa.Index("ix_import_rows_outcome", "import_id", "outcome"))

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[str] = mapped_column(sa.ForeignKey("imports.id", ondelete="CASCADE"))
    row: Mapped[int]  # as the spreadsheet numbers it (the header is row 1)
    outcome: Mapped[str] = mapped_column(sa.String(8))
    record_id: Mapped[int | None] = mapped_column(default=None)
    merged: Mapped[list | None] = mapped_column(JSONValue, default=None)  # ids merged away
    merge_id: Mapped[int | None] = mapped_column(default=None)  # the merge it made, to undo
    errors: Mapped[list | None] = mapped_column(JSONValue, default=None)  # [{path, message}]
    cells: Mapped[list | None] = mapped_column(JSONValue, default=None)  # failed rows only

"""Exports that run in the background: what was asked, how far it got, where the file is."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from metadata.orm import Base, JSONValue

STATUSES = ("queued", "running", "done", "failed")


class Export(Base):
    """One export of a list, private to the person who asked for it, kept until
    ``expires_at`` (then its row and file are purged)."""

    __tablename__ = "exports"
    __table_args__ = (sa.Index("ix_exports_user_form", "user_id", "app_key", "form_key"),
                      sa.Index("ix_exports_expires_at", "expires_at"))

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)  # random: not guessable
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    app_key: Mapped[str] = mapped_column(sa.String(63))
    form_key: Mapped[str] = mapped_column(sa.String(63))
    format: Mapped[str] = mapped_column(sa.String(8))  # a key of the export format registry
    lang: Mapped[str] = mapped_column(sa.String(8))  # labels and texts in this language
    # {"query": the list's filters, formulas, search and sort; "columns": [keys]}
    spec: Mapped[dict] = mapped_column(JSONValue)
    file_name: Mapped[str] = mapped_column(sa.String(255))  # what the download is called
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")
    total: Mapped[int | None] = mapped_column(default=None)  # rows to write, once counted
    done: Mapped[int] = mapped_column(default=0)  # rows written so far
    size: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)  # bytes, when done
    error: Mapped[str | None] = mapped_column(sa.Text, default=None)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime]

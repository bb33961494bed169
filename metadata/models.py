"""System tables of the document store: one row per document, one per published version."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from metadata import stamps
from metadata.orm import Base, JSONValue

KINDS = ("app", "form", "view", "ruleset", "workflow")


class Document(Base):
    """The editable side of a document: its draft and a revision counter for optimistic locking."""

    __tablename__ = "documents"
    __table_args__ = (sa.UniqueConstraint("app_key", "kind", "key", name="uq_documents_identity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_key: Mapped[str] = mapped_column(sa.String(63), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    key: Mapped[str] = mapped_column(sa.String(63))
    draft: Mapped[dict] = mapped_column(JSONValue)
    # the draft's formulas, checked: {JSON pointer: {"source", "ast", "type"}}
    formulas: Mapped[dict | None] = mapped_column(JSONValue, default=None)
    revision: Mapped[int] = mapped_column(default=1)
    published_version: Mapped[int | None] = mapped_column(default=None)
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)

    # not stored: set on the instance that ``DocumentStore.save_draft`` has just inserted, so
    # callers can answer "created" even when another request raced them to the same key
    created_now = False


class DocumentVersion(Base):
    """An immutable published version of a document."""

    __tablename__ = "document_versions"
    __table_args__ = (sa.UniqueConstraint("document_id", "number", name="uq_document_versions"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"))
    number: Mapped[int]
    body: Mapped[dict] = mapped_column(JSONValue)
    # the version's formulas as parsed and typed when it was published (see Document.formulas)
    formulas: Mapped[dict | None] = mapped_column(JSONValue, default=None)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    published_at: Mapped[datetime]
    published_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)


# a publish, a rollback or a deleted document changes what every process has compiled
stamps.watch(stamps.METADATA, {Document: ("published_version",), DocumentVersion: None})

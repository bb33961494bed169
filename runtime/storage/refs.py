"""Batched look-ups field types make while checking values: records, users, files, sequences."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from metadata.orm import Base
from runtime.fields.base import FieldType
from runtime.permissions import Principal
from runtime.storage.attachments import readable_files
from runtime.storage.models import Attachment, FormTable, Sequence
from runtime.storage.tables import system_columns


class StorageReferences:
    """The ``References`` of runtime.fields.base, answered from the database in one session."""

    def __init__(self, session: Session, now: datetime, app_key: str, form_key: str, *,
                 principal: Principal, field_types: Mapping[str, FieldType]):
        self.session = session
        self._now = now
        self.sequence_scope = f"{app_key}.{form_key}"
        self.principal = principal  # the writer: only files they may read can be linked
        self.field_types = field_types

    def now(self) -> datetime:
        return self._now

    def existing_record_ids(self, app_key: str, form_key: str, ids: set[int]) -> set[int]:
        if not ids:
            return set()
        known = self.session.scalar(sa.select(FormTable.table_name)
                                    .filter_by(app_key=app_key, form_key=form_key))
        if known is None:
            return set()
        table = sa.Table(known, sa.MetaData(), *system_columns())
        query = sa.select(table.c.id).where(table.c.id.in_(sorted(ids)),
                                            table.c.deleted_at.is_(None))
        return set(self.session.scalars(query))

    def existing_user_ids(self, ids: set[int]) -> set[int]:
        if not ids:
            return set()
        users = Base.metadata.tables["users"]
        query = sa.select(users.c.id).where(users.c.id.in_(sorted(ids)))
        return set(self.session.scalars(query))

    def attachments(self, ids: set[str]) -> dict[str, dict]:
        readable = readable_files(self.session, self.principal, ids, self.field_types)
        rows = self.session.scalars(sa.select(Attachment)
                                    .where(Attachment.id.in_(sorted(readable))))
        return {a.id: {"name": a.name, "size": a.size, "content_type": a.content_type}
                for a in rows}

    def next_in_sequence(self, name: str) -> int:
        """Increment a named counter atomically in the current transaction (1 for a new one)."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(Sequence).values(name=name, value=1)
        stmt = stmt.on_conflict_do_update(index_elements=[Sequence.name],
                                          set_={"value": Sequence.value + 1})
        return self.session.execute(stmt.returning(Sequence.value)).scalar_one()

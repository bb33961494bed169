"""Batched look-ups field types make while checking values: records, users, files, sequences."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from runtime.arrivals import Touch
from runtime.fields.base import FieldType
from runtime.storage.attachments import readable_files
from runtime.storage.models import Attachment, Sequence
from runtime.storage.reader import ReaderView


class StorageReferences:
    """The ``References`` of runtime.fields.base, answered from the database in one session
    for the principal ``reader`` acts as."""

    def __init__(self, session: Session, now: datetime, app_key: str, form_key: str,
                 reader: ReaderView, field_types: Mapping[str, FieldType]):
        self.session = session
        self._now = now
        self.sequence_scope = f"{app_key}.{form_key}"
        self.reader = reader  # the writer: only what they may read can be linked
        self.field_types = field_types
        self._kept: dict[str, set[int]] = {}
        self._arrival: Touch | None = None

    def now(self) -> datetime:
        return self._now

    def arrival(self) -> Touch | None:
        """The touch of the record being written (what its touch fields show)."""
        return self._arrival

    def arriving(self, touch: Touch | None) -> None:
        self._arrival = touch

    def keep(self, links: Iterable[tuple[str, int]]) -> None:
        """The links the field being checked holds already: they may stay, readable or not."""
        self._kept = {}
        for form_key, record_id in links:
            self._kept.setdefault(form_key, set()).add(record_id)

    def linkable_record_ids(self, app_key: str, form_key: str, ids: set[int]) -> set[int]:
        """The ``ids`` of live records of a form of the app (the reader's) that the reader
        may link to: those the reader may read, and those the record links to already."""
        target = self.reader.plan_of(form_key) if ids else None
        if target is None:
            return set()  # a form that is not published holds no records
        table = target.table
        allowed = sa.or_(self.reader.rows(target, table),
                         table.c.id.in_(sorted(self._kept.get(form_key, ()))))
        query = sa.select(table.c.id).where(table.c.id.in_(sorted(ids)),
                                            table.c.deleted_at.is_(None), allowed)
        return set(self.session.scalars(query))

    def existing_user_ids(self, ids: set[int]) -> set[int]:
        return self.reader.directory.existing(self.session, ids)

    def attachments(self, ids: set[str]) -> dict[str, dict]:
        readable = readable_files(self.session, self.reader.principal, ids, self.field_types,
                                  self.reader.directory)
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

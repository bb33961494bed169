"""The touches of records: written beside each arrival, listed on the record, moved by merges.

A touch row belongs to the record it is on now (``record_id``) and remembers the record it
first landed on (``arrived_as``): a merge moves the merged records' touches to the survivor and
undoing it moves them back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from runtime.arrivals import PARTS, Touch
from runtime.storage.bulk import BulkInsert
from runtime.storage.models import RecordTouch

TOUCHES = RecordTouch.__table__
TOUCH_INSERT = BulkInsert(TOUCHES, [c.name for c in TOUCHES.columns if c.name != "id"])
SHOWN = ("channel", *PARTS, "ref")


class TouchLog:
    """The touches of one form's records, in the caller's transaction."""

    def __init__(self, session: Session, app_key: str, form_key: str):
        self.session = session
        self.app_key = app_key
        self.form_key = form_key

    @property
    def conn(self) -> sa.Connection:
        return self.session.connection()

    def add(self, arrivals: Iterable[tuple[int, Touch]], at: datetime,
            user_id: int | None) -> None:
        rows = [self._row(record_id, touch, at, user_id) for record_id, touch in arrivals]
        if rows:
            TOUCH_INSERT.run(self.conn, rows)

    def _row(self, record_id: int, touch: Touch, at: datetime, user_id: int | None) -> dict:
        row: dict[str, Any] = {"app_key": self.app_key, "form_key": self.form_key,
                               "record_id": record_id, "arrived_as": record_id, "at": at,
                               "user_id": user_id, "detail": dict(touch.detail)}
        for name in SHOWN:
            row[name] = getattr(touch, name)
        return row

    def of(self, record_id: int) -> list[dict]:
        """A record's touches, oldest first (with those of the records merged into it)."""
        rows = self.conn.execute(
            sa.select(TOUCHES).where(self._form(), TOUCHES.c.record_id == record_id)
            .order_by(TOUCHES.c.at, TOUCHES.c.id)).mappings()
        return [dict(row) for row in rows]

    def move(self, record_ids: Sequence[int], survivor: int) -> None:
        """The touches of merged records now belong to their survivor."""
        self.conn.execute(sa.update(TOUCHES).where(self._form(),
                                                   TOUCHES.c.record_id.in_(record_ids))
                          .values(record_id=survivor))

    def give_back(self, record_ids: Sequence[int], survivor: int) -> None:
        """Undo ``move``: the touches that first landed on ``record_ids`` go back to them."""
        self.conn.execute(sa.update(TOUCHES).where(
            self._form(), TOUCHES.c.record_id == survivor,
            TOUCHES.c.arrived_as.in_(record_ids)).values(record_id=TOUCHES.c.arrived_as))

    def remove(self, record_ids: Sequence[int]) -> None:
        """Forget the touches of records that are removed for good (an undone import)."""
        self.conn.execute(sa.delete(TOUCHES).where(self._form(),
                                                   TOUCHES.c.arrived_as.in_(record_ids)))

    def _form(self) -> sa.ColumnElement[bool]:
        return sa.and_(TOUCHES.c.app_key == self.app_key, TOUCHES.c.form_key == self.form_key)

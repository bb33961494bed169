"""Work a runner takes by a lease: rows with ``status``, ``heartbeat_at``, ``started_at`` and
``created_at`` (imports, duplicate scans, re-scores). A runner claims a row that is queued, or
running with a heartbeat older than ``stale`` (its runner died: a killed worker, a restart), and
beats while it works; the row keeps where it got to, so the next runner goes on from there."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from runtime.context import Runtime


def claimable(table: sa.Table, now: datetime, stale: timedelta) -> sa.ColumnElement[bool]:
    """Queued, or running with no heartbeat for ``stale``."""
    c = table.c
    return sa.or_(c.status == "queued",
                  sa.and_(c.status == "running",
                          sa.or_(c.heartbeat_at.is_(None), c.heartbeat_at < now - stale)))


def claim(runtime: Runtime, table: sa.Table, item_id: Any, stale: timedelta) -> bool:
    """Take row ``item_id`` to run, if no live runner has it."""
    now = runtime.clock.now()
    with runtime.session() as session, session.begin():
        found = session.execute(sa.update(table).where(
            table.c.id == item_id, claimable(table, now, stale))
            .values(status="running", heartbeat_at=now,
                    started_at=sa.func.coalesce(table.c.started_at, now)))
        return found.rowcount == 1


def stalled(session: Session, table: sa.Table, now: datetime, stale: timedelta) -> list:
    """Rows whose runner stopped, to resume — queued ones older than ``stale`` included, in
    case their job never reached a worker."""
    c = table.c
    return list(session.scalars(sa.select(c.id).where(
        c.status.in_(("queued", "running")),
        sa.or_(c.heartbeat_at.is_(None), c.heartbeat_at < now - stale),
        c.created_at < now - stale)))

"""Submissions counted per key in fixed windows, in the database: every worker process and
machine shares the counts (public forms are rate-limited per client address)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from runtime.capture.models import CaptureCounter

PRUNE_BATCH = 100


def count(session: Session, key: str, now: datetime, window: timedelta) -> int:
    """Add one to ``key``'s count in the current window (a new window once the last one has
    passed), in one statement, atomic across processes; the new count. The caller commits."""
    table = CaptureCounter.__table__
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" \
        else sqlite.insert
    over = table.c.window_start <= now - window
    stmt = insert(table).values(key=key[:300], window_start=now, count=1)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.key], set_={
        "count": sa.case((over, 1), else_=table.c.count + 1),
        "window_start": sa.case((over, now), else_=table.c.window_start),
    })
    return session.execute(stmt.returning(table.c.count)).scalar_one()


def prune(session: Session, now: datetime, older_than: timedelta) -> int:
    """Forget counters whose window started more than ``older_than`` ago, a batch at a time;
    how many were forgotten."""
    stale = (sa.select(CaptureCounter.key).where(CaptureCounter.window_start < now - older_than)
             .limit(PRUNE_BATCH))
    return session.execute(sa.delete(CaptureCounter).where(CaptureCounter.key.in_(stale))
                           ).rowcount

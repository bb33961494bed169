"""Writing outbox rows: every record write pays for its events, bulk imports included, so
they go in one prepared executemany (``runtime.storage.bulk``). Event ids are taken beforehand:
the insert needs no RETURNING, and consumers can be owed the events at once."""

from __future__ import annotations

import sqlalchemy as sa

from runtime.events.models import EventDelivery, RecordEventRow
from runtime.storage.bulk import BulkInsert
from runtime.storage.tables import allocate_ids

EVENTS = RecordEventRow.__table__
EVENT_INSERT = BulkInsert(EVENTS, [c.name for c in EVENTS.columns])
EVENT_INSERT_ONE = BulkInsert(EVENTS, [c.name for c in EVENTS.columns if c.name != "id"])
DELIVERY_INSERT = BulkInsert(EventDelivery.__table__, ("consumer", "event_id", "stream",
                                                        "status", "attempts", "updated_at",
                                                        "sweep_at"))


def insert_events(conn: sa.Connection, rows: list[dict]) -> list[int]:
    """Insert event rows (without ids); returns their ids, in order."""
    if len(rows) == 1:  # the database numbers it: one statement
        rows[0]["id"] = EVENT_INSERT_ONE.run_one(conn, rows[0], new_id=True)
        return [rows[0]["id"]]
    ids = allocate_ids(conn, EVENTS, len(rows))
    for row, event_id in zip(rows, ids, strict=True):
        row["id"] = event_id
    EVENT_INSERT.run(conn, rows)
    return ids


def insert_deliveries(conn: sa.Connection, rows: list[dict]) -> None:
    DELIVERY_INSERT.run(conn, rows)

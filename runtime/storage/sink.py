"""Where the records service reports its writes: an event sink the runtime puts on every
session it makes. Storage knows only this interface, never the engines behind it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from sqlalchemy.orm import Session

SINK = "trellis.record_events"  # the key in Session.info


class EventSink(Protocol):
    def written(self, session: Session, entries: Sequence[Mapping]
                ) -> set[tuple[str, str, int]]:
        """Record the writes whose audit entries (``at, user_id, app_key, form_key,
        record_id, action, version, changes, via``) were just inserted, in the same
        transaction; returns the records (app key, form key, id) that synchronous consumers
        changed in turn, which the caller reads again before it answers."""
        ...


def event_sink(session: Session) -> EventSink:
    sink = session.info.get(SINK)
    if sink is None:  # a write that made no event would be lost to every engine
        raise RuntimeError("records need a session made by the runtime (it carries the "
                           "record-event sink)")
    return sink

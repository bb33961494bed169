"""Where the records service reports its writes: an event sink the runtime puts on every
session it makes. Storage knows only this interface, never the engines behind it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

SINK = "trellis.record_events"  # the key in Session.info


class EventSink(Protocol):
    def prepare(self, session: Session, app_key: str, form_key: str, kind: str,
                now: datetime, count: int, values: Callable[[], Sequence[dict[str, Any]]]
                ) -> Any:
        """Before ``count`` records are written: synchronous consumers may change their
        values (``values()``: the records as formulas read them, made only when a consumer
        asks; changed in place); what comes back goes to ``written``."""
        ...

    def written(self, session: Session, entries: Sequence[Mapping], prepared: Any = None
                ) -> set[tuple[str, str, int]]:
        """Record the writes whose audit entries (``at, user_id, app_key, form_key,
        record_id, action, version, changes, via``) were just inserted, in the same
        transaction; returns the records (app key, form key, id) that synchronous consumers
        changed in turn, which the caller reads again before it answers. ``prepared``: what
        ``prepare`` returned for these records (entries in the order of its values)."""
        ...


def event_sink(session: Session) -> EventSink:
    sink = session.info.get(SINK)
    if sink is None:  # a write that made no event would be lost to every engine
        raise RuntimeError("records need a session made by the runtime (it carries the "
                           "record-event sink)")
    return sink

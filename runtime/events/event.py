"""The shape of a record event, as consumers receive it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

KINDS = frozenset({"create", "update", "delete", "merge", "unmerge"})


class Change(NamedTuple):
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class RecordEvent:
    """One write of one record. ``changes`` holds every changed field (hidden ones too: a
    consumer sees the whole record) with its old and new value as the API writes them."""

    id: int
    app_key: str
    form_key: str
    record_id: int
    version: int
    kind: str
    at: datetime
    actor_id: int | None
    channel: str
    changes: Mapping[str, Change] = field(default_factory=dict)
    depth: int = 0
    cause_id: int | None = None

    @property
    def form(self) -> tuple[str, str]:
        return self.app_key, self.form_key

    @property
    def stream(self) -> str:
        """The events of one record reach each consumer in this order, one after the other."""
        return stream_of(self.app_key, self.form_key, self.record_id)

    def changed(self, field_key: str) -> bool:
        return field_key in self.changes

    @classmethod
    def from_row(cls, row: Mapping) -> RecordEvent:
        return cls(id=row["id"], app_key=row["app_key"], form_key=row["form_key"],
                   record_id=row["record_id"], version=row["version"], kind=row["kind"],
                   at=row["at"], actor_id=row["actor_id"], channel=row["channel"],
                   changes={k: Change._make(pair) for k, pair in (row["changes"] or {}).items()},
                   depth=row["depth"], cause_id=row["cause_id"])


def stream_of(app_key: str, form_key: str, record_id: int) -> str:
    return f"{app_key}/{form_key}/{record_id}"


def event_rows(entries: Sequence[Mapping], depth: int, cause_id: int | None) -> list[dict]:
    """Event rows from the audit entries a write just made (the audit keeps a creation as
    ``{field: new}`` and an update as ``[{field, old, new}]``; events have one shape)."""
    rows = []
    for entry in entries:
        changes = entry["changes"]
        if isinstance(changes, dict):  # pairs as tuples: cheaper to make, the same JSON
            pairs = {key: (None, value) for key, value in changes.items()}
        else:
            pairs = {c["field"]: (c["old"], c["new"]) for c in changes}
        rows.append({"at": entry["at"], "app_key": entry["app_key"],
                     "form_key": entry["form_key"], "record_id": entry["record_id"],
                     "version": entry["version"], "kind": entry["action"], "changes": pairs,
                     "actor_id": entry["user_id"], "channel": entry["via"], "depth": depth,
                     "cause_id": cause_id})
    return rows

"""The one way in for submitted records: every channel hands its payloads to ``submit``.

A submission is checked and cleaned exactly as a record created in the pages or the API
(``Records``), remembered as a touch of the record it lands on, and answered with its outcome:
``created`` (a new record), or — when identity resolution (``runtime.identity``) matched it
to stored records — ``merged`` into the surviving record. Channels never write records any
other way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from runtime.arrivals import Touch
from runtime.identity.resolver import Resolver
from runtime.storage.records import Records

CREATED = "created"
MERGED = "merged"


@dataclass
class Outcome:
    """What became of one submission: its record (as the submitter may read it) and how, or
    the problems that refused it."""

    index: int
    outcome: str | None = None  # created | merged; None: refused
    record: dict | None = None
    merged: list[int] = field(default_factory=list)  # the records merged into ``record``
    errors: list[dict] = field(default_factory=list)
    merge: int | None = None  # the merge it made (``identity_merges``), to undo

    def as_dict(self) -> dict[str, Any]:
        if self.outcome is None:
            return {"index": self.index, "errors": self.errors}
        out = {"index": self.index, "outcome": self.outcome, "record": self.record}
        if self.merged:
            out["merged"] = self.merged
        return out


def submit(records: Records, payloads: Sequence[Any],
           arrivals: Sequence[Touch | None] | None = None) -> list[Outcome]:
    """Submit payloads in the caller's transaction; one outcome per payload, in order."""
    results = Resolver(records).resolve(payloads, arrivals or [None] * len(payloads))
    return [Outcome(r["index"], r["outcome"], r["record"], r.get("merged", []),
                    merge=r.get("merge")) if "record" in r
            else Outcome(r["index"], errors=r["errors"]) for r in results]

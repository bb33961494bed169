"""The one clock every engine reads; tests and ``trellis tick --now`` move it."""

from __future__ import annotations

from datetime import UTC, datetime


class Clock:
    """Wall-clock time, or a fixed instant once ``set`` (until ``reset``)."""

    def __init__(self) -> None:
        self._fixed: datetime | None = None

    def now(self) -> datetime:
        return self._fixed if self._fixed is not None else datetime.now(UTC)

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("the clock takes timezone-aware instants")
        self._fixed = instant.astimezone(UTC)

    def reset(self) -> None:
        self._fixed = None

    @property
    def frozen(self) -> bool:
        return self._fixed is not None

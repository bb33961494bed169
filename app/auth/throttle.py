"""Failed log-ins are counted per address and per e-mail; past the limit, log-ins wait."""

from __future__ import annotations

import threading
import time
from collections import deque

WINDOW_SECONDS = 15 * 60
MAX_FAILURES = 10


class LoginThrottle:
    """A sliding window of failures in this process (each gunicorn worker keeps its own, so
    the effective limit is per worker; enough to make guessing passwords slow)."""

    def __init__(self, limit: int = MAX_FAILURES, window: float = WINDOW_SECONDS,
                 clock=time.monotonic):
        self.limit = limit
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str) -> deque[float]:
        now = self.clock()
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def retry_after(self, *keys: str) -> int:
        """Seconds to wait before trying again (0: go ahead)."""
        with self._lock:
            wait = 0.0
            for key in keys:
                times = self._recent(key)
                if len(times) >= self.limit:
                    wait = max(wait, times[0] + self.window - self.clock())
            return int(wait) + 1 if wait > 0 else 0

    def failed(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._recent(key).append(self.clock())

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

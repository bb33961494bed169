"""The RQ adapter: delivery jobs that take a consumer key and event ids."""

from __future__ import annotations

from collections.abc import Callable

from rq import Queue


class RqPublisher:
    """Enqueue ``job(consumer, event_ids)`` on the queue ``queue()`` returns: made on the
    first event (an app without events never connects), None while no Redis is configured."""

    def __init__(self, queue: Callable[[], Queue | None], job: Callable[[str, list[int]], str]):
        self._make_queue = queue
        self._queue: Queue | None = None
        self.job = job

    def publish(self, consumer: str, event_ids: list[int]) -> bool:
        if self._queue is None:
            self._queue = self._make_queue()
            if self._queue is None:
                return False
        self._queue.enqueue(self.job, consumer, event_ids,
                            description=f"deliver {len(event_ids)} event(s) to {consumer}")
        return True

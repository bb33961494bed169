"""The cyclic garbage collector and the jobs that go over many records.

A batch of a background job (a re-score's thousand records) allocates hundreds of thousands
of short-lived objects that reference counting frees; the cyclic collector, triggered by the
allocations alone, would walk the whole heap again and again meanwhile (≈15 % of a re-score).
``paused_gc`` holds it off for one bounded batch; what the batch leaves in cycles is collected
after it. ``settle`` moves what a process built at start-up (the app, its metadata caches)
out of the collector's sight, so later collections walk only what came after (and forked
children do not copy pages the collector would otherwise touch).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic collector off while the block runs (it was on: back on after)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def settle() -> None:
    """Collect once, then keep everything alive now out of later collections."""
    gc.collect()
    gc.freeze()


_settled: set[int] = set()  # the processes that settled (a fork settles again)


def settle_once() -> None:
    """``settle`` on the first call in each process (a web worker's first request: by then
    the app, its plans and caches are built; later full collections skip them, which takes
    their pauses off the requests' tail)."""
    pid = os.getpid()
    if pid not in _settled:
        _settled.add(pid)
        settle()

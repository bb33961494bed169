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

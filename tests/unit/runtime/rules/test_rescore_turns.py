"""The order re-score lanes commit their batches in (``runtime.rules.rescore.Turns``): a batch
written early waits for the one before it; a broken run lets every waiting lane go."""

from __future__ import annotations

import threading
import time

from runtime.rules.rescore import Turns


def test_a_batch_waits_for_the_one_before_it():
    turns = Turns(0)
    order: list[int] = []

    def lane(after: int, last: int) -> None:
        assert turns.wait(after)
        order.append(last)
        turns.passed(last)

    late = threading.Thread(target=lane, args=(10, 20))
    late.start()
    time.sleep(0.05)
    assert order == []  # 10..20 waits for 0..10
    lane(0, 10)
    late.join(5)
    assert order == [10, 20] and turns.done == 20


def test_a_broken_run_lets_the_waiting_lanes_go():
    turns = Turns(0)
    answers: list[bool] = []
    waiting = threading.Thread(target=lambda: answers.append(turns.wait(10)))
    waiting.start()
    time.sleep(0.05)
    turns.breaks()
    waiting.join(5)
    assert answers == [False]
    assert not turns.wait(0)  # once broken, nobody commits

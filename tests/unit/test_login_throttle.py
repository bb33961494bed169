"""The log-in throttle counts failures in a sliding window, per key."""

from app.auth.throttle import LoginThrottle


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_failures_past_the_limit_make_log_ins_wait_until_the_window_passes():
    clock = FakeClock()
    throttle = LoginThrottle(limit=3, window=60, clock=clock)
    for _ in range(3):
        assert throttle.retry_after("ip:1", "email:a") == 0
        throttle.failed("ip:1", "email:a")
    assert 0 < throttle.retry_after("ip:1", "email:a") <= 61
    assert throttle.retry_after("ip:2", "email:a") > 0  # the e-mail is locked from anywhere
    assert throttle.retry_after("ip:2", "email:b") == 0
    clock.now += 61
    assert throttle.retry_after("ip:1", "email:a") == 0


def test_a_successful_log_in_clears_the_count():
    throttle = LoginThrottle(limit=2, window=60, clock=FakeClock())
    throttle.failed("email:a")
    throttle.succeeded("email:a")
    throttle.failed("email:a")
    assert throttle.retry_after("email:a") == 0

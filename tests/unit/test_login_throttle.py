"""The log-in throttle's rules and device cookies, without a database."""

from datetime import timedelta

import pytest

from app.auth.devices import DeviceCookies
from app.auth.throttle import (
    COUNTERS,
    AccountCounter,
    Attempt,
    PairCounter,
    ThrottlePolicy,
    keys_of,
)

POLICY = ThrottlePolicy()


def test_an_unknown_browser_counts_per_pair_address_and_account():
    attempt = Attempt(account="ann@example.com", address="203.0.113.5")
    assert keys_of(attempt, COUNTERS) == ["pair:ann@example.com|203.0.113.5",
                                        "address:203.0.113.5", "account:ann@example.com"]


def test_a_trusted_browser_counts_only_under_its_own_device_key():
    attempt = Attempt(account="ann@example.com", address="203.0.113.5", device="d1")
    assert keys_of(attempt, COUNTERS) == ["device:d1|ann@example.com"]


def test_a_pair_locks_for_a_window_at_its_limit():
    assert PairCounter().lock(4, POLICY) is None
    assert PairCounter().lock(5, POLICY) == timedelta(minutes=15)


def test_an_account_backs_off_doubling_up_to_a_window():
    counter = AccountCounter()
    assert counter.lock(19, POLICY) is None
    waits = [counter.lock(n, POLICY).total_seconds() for n in range(20, 27)]
    assert waits == [30, 60, 120, 240, 480, 900, 900]
    assert counter.lock(10**6, POLICY) == POLICY.window


@pytest.mark.parametrize("name, value", [("LOGIN_PAIR_LIMIT", 0), ("LOGIN_WINDOW_SECONDS", "9"),
                                         ("LOGIN_ACCOUNT_LIMIT", True)])
def test_limits_must_be_positive_whole_numbers(name, value):
    config = {"LOGIN_PAIR_LIMIT": 5, "LOGIN_ADDRESS_LIMIT": 50, "LOGIN_ACCOUNT_LIMIT": 20,
              "LOGIN_WINDOW_SECONDS": 900, name: value}
    with pytest.raises(ValueError, match=f"TRELLIS_{name}"):
        ThrottlePolicy.from_config(config)


def test_a_device_cookie_trusts_the_accounts_it_logged_in_to_only():
    cookies = DeviceCookies("secret")
    raw = cookies.after_login(None, "ann@example.com")
    device = cookies.trusted_device(raw, "ann@example.com")
    assert device and cookies.trusted_device(raw, "bob@example.com") is None
    both = cookies.after_login(raw, "bob@example.com")
    assert cookies.trusted_device(both, "bob@example.com") == device  # the same browser
    assert cookies.trusted_device(both, "ann@example.com") == device
    assert "ann@example.com" not in str(cookies.read(both))  # digests, not e-mail addresses


def test_a_forged_or_foreign_device_cookie_is_not_trusted():
    raw = DeviceCookies("other secret").after_login(None, "ann@example.com")
    assert DeviceCookies("secret").trusted_device(raw, "ann@example.com") is None
    assert DeviceCookies("secret").trusted_device(raw[:-2] + "xx", "ann@example.com") is None
    assert DeviceCookies("secret").trusted_device("garbage", "ann@example.com") is None

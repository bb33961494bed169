"""Failed log-ins, counted in the database so every process and machine sees the same counts.

The design follows OWASP's Authentication and Credential Stuffing cheat sheets: no counter lets
anyone lock out a person they are not sitting next to.

- ``pair`` (account, client address): after ``pair_limit`` failures that pair waits a window.
  Guessing one password from one place stops; nobody else is affected.
- ``address`` (one client address, any account): after ``address_limit`` failures the address
  waits a window. Credential stuffing and password spraying from one address stop; the limit is
  high because offices share an address.
- ``account`` (one account, any address): after ``account_limit`` failures from untrusted
  clients, further attempts from untrusted clients back off (30 s, doubling, at most a window).
  Slows a guessing attack spread over many addresses.
- ``device`` (account, device cookie): a browser that logged in to the account before carries a
  signed device cookie; it is exempt from the three counters above and has its own
  ``pair_limit``. So an attacker elsewhere never keeps the owner out of their own browser.

Counters reset after a quiet window. A success clears the pair and device counters only:
an attacker with one valid login must not reset the counts of the others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.auth.models import LoginFailure
from runtime.storage.transactions import take_write_lock

PRUNE_BATCH = 100


@dataclass(frozen=True)
class ThrottlePolicy:
    pair_limit: int = 5
    address_limit: int = 50
    account_limit: int = 20
    window: timedelta = timedelta(minutes=15)
    first_backoff: timedelta = timedelta(seconds=30)

    @classmethod
    def from_config(cls, config) -> ThrottlePolicy:
        return cls(pair_limit=_positive(config, "LOGIN_PAIR_LIMIT"),
                   address_limit=_positive(config, "LOGIN_ADDRESS_LIMIT"),
                   account_limit=_positive(config, "LOGIN_ACCOUNT_LIMIT"),
                   window=timedelta(seconds=_positive(config, "LOGIN_WINDOW_SECONDS")))


def _positive(config, name: str) -> int:
    value = config[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"TRELLIS_{name} must be a whole number of at least 1, not {value!r}")
    return value


@dataclass(frozen=True)
class Attempt:
    """One log-in attempt: the account as typed, where it came from, and the id of the device
    cookie when that cookie is trusted for this account."""

    account: str
    address: str
    device: str | None = None


class Counter:
    """One kind of failure count: which key an attempt counts under, and how long it locks."""

    kind: ClassVar[str]
    for_trusted: ClassVar[bool] = False  # counts attempts from a trusted device (else others)

    def subject(self, attempt: Attempt) -> str:
        raise NotImplementedError

    def lock(self, failures: int, policy: ThrottlePolicy) -> timedelta | None:
        raise NotImplementedError

    def key(self, attempt: Attempt) -> str | None:
        if (attempt.device is not None) != self.for_trusted:
            return None
        return f"{self.kind}:{self.subject(attempt)}"


class PairCounter(Counter):
    kind = "pair"

    def subject(self, attempt: Attempt) -> str:
        return f"{attempt.account}|{attempt.address}"

    def lock(self, failures: int, policy: ThrottlePolicy) -> timedelta | None:
        return policy.window if failures >= policy.pair_limit else None


class AddressCounter(Counter):
    kind = "address"

    def subject(self, attempt: Attempt) -> str:
        return attempt.address

    def lock(self, failures: int, policy: ThrottlePolicy) -> timedelta | None:
        return policy.window if failures >= policy.address_limit else None


class AccountCounter(Counter):
    kind = "account"

    def subject(self, attempt: Attempt) -> str:
        return attempt.account

    def lock(self, failures: int, policy: ThrottlePolicy) -> timedelta | None:
        over = failures - policy.account_limit
        if over < 0:
            return None
        return min(policy.window, policy.first_backoff * 2 ** min(over, 20))


class DeviceCounter(Counter):
    kind = "device"
    for_trusted = True

    def subject(self, attempt: Attempt) -> str:
        return f"{attempt.device}|{attempt.account}"

    def lock(self, failures: int, policy: ThrottlePolicy) -> timedelta | None:
        return policy.window if failures >= policy.pair_limit else None


COUNTERS: tuple[Counter, ...] = (PairCounter(), AddressCounter(), AccountCounter(),
                                 DeviceCounter())
CLEARED_BY_SUCCESS = frozenset({"pair", "device"})


class LoginThrottle:
    """Reads and writes the counters in the caller's session; the caller commits."""

    def __init__(self, policy: ThrottlePolicy | None = None):
        self.policy = policy or ThrottlePolicy()

    def retry_after(self, session: Session, attempt: Attempt, now: datetime) -> int:
        """Whole seconds to wait before this attempt may be checked (0: go ahead)."""
        keys = keys_of(attempt, COUNTERS)
        until = session.scalar(sa.select(sa.func.max(LoginFailure.locked_until))
                               .where(LoginFailure.key.in_(keys),
                                      LoginFailure.locked_until > now))
        if until is None:
            return 0
        return max(1, math.ceil((until - now).total_seconds()))

    def hold(self, session: Session, attempt: Attempt) -> None:
        """Keep other attempts on the same counters out until the caller commits, so that the
        check of ``retry_after`` and the count that follows are one step: the attempt that
        reaches a limit locks out the one behind it in any process. Taken after the password
        check, so nobody waits for someone else's password hash. SQLite: its write lock;
        PostgreSQL: a transaction advisory lock per counter key, in one order (no deadlock)."""
        if session.get_bind().dialect.name != "postgresql":
            take_write_lock(session.connection())
            return
        for key in sorted(keys_of(attempt, COUNTERS)):
            session.execute(sa.select(sa.func.pg_advisory_xact_lock(
                sa.func.hashtextextended(key, 0))))

    def failed(self, session: Session, attempt: Attempt, now: datetime) -> None:
        for counter in COUNTERS:
            key = counter.key(attempt)
            if key is None:
                continue
            lock = counter.lock(self._count(session, key, now), self.policy)
            if lock is not None:
                session.execute(sa.update(LoginFailure).where(LoginFailure.key == key)
                                .values(locked_until=now + lock))

    def succeeded(self, session: Session, attempt: Attempt) -> None:
        cleared = [c for c in COUNTERS if c.kind in CLEARED_BY_SUCCESS]
        session.execute(sa.delete(LoginFailure)
                        .where(LoginFailure.key.in_(keys_of(attempt, cleared))))

    def prune(self, session: Session, now: datetime) -> None:
        """Forget counters quiet for a window (a lock never outlasts the window after the last
        failure); a batch at a time, skipping rows that other log-ins hold on PostgreSQL."""
        stale = (sa.select(LoginFailure.key).where(LoginFailure.last_at < now - self.policy.window)
                 .limit(PRUNE_BATCH).with_for_update(skip_locked=True))
        session.execute(sa.delete(LoginFailure).where(LoginFailure.key.in_(stale)))

    def _count(self, session: Session, key: str, now: datetime) -> int:
        """Add one failure in a single statement (atomic across processes); the new count."""
        table = LoginFailure.__table__
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        quiet = table.c.last_at < now - self.policy.window
        stmt = insert(table).values(key=key, failures=1, last_at=now)
        stmt = stmt.on_conflict_do_update(index_elements=[table.c.key], set_={
            "failures": sa.case((quiet, 1), else_=table.c.failures + 1),
            "locked_until": sa.case((quiet, sa.null()), else_=table.c.locked_until),
            "last_at": now,
        })
        return session.execute(stmt.returning(table.c.failures)).scalar_one()


def keys_of(attempt: Attempt, counters: tuple[Counter, ...] | list[Counter] = COUNTERS
            ) -> list[str]:
    """The keys ``attempt`` counts under: those of an untrusted browser, or its device's."""
    return [k for k in (c.key(attempt) for c in counters) if k is not None]

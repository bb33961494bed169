"""Requests sent with an Idempotency-Key (IETF httpapi draft "The Idempotency-Key HTTP Header
Field", with Stripe's semantics): the first response is stored with the key, per user, for
IDEMPOTENCY_KEEP_HOURS; a retry with the same key and the same request gets it again; the same
key with another request is refused (422); a retry while the first still runs gets 409.

A key is claimed in a transaction of its own (committed: other processes see it running);
the response is then written in the request's own transaction, beside the records it made,
so a record and the answer that reports it are stored together or not at all. A claim whose
request died is taken over after ``lease``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from runtime.capture.models import IdempotentRequest

RUNNING, DONE = "running", "done"
MAX_KEY = 255
PRUNE_BATCH = 100
STORED_HEADERS = ("Content-Type", "Location", "ETag")


def key_problem(key: str) -> str | None:
    """Why ``key`` is no Idempotency-Key (None: it is one): 1 to 255 visible ASCII
    characters, optionally in double quotes (the draft's structured-field string)."""
    if not 0 < len(key) <= MAX_KEY or not key.isascii() or not key.isprintable() \
            or any(c.isspace() for c in key):
        return f"must be 1 to {MAX_KEY} visible ASCII characters, such as a UUID"
    return None


def clean_key(raw: str) -> str:
    raw = raw.strip()
    return raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw


def fingerprint(body: bytes) -> str:
    """The request's fingerprint: SHA-256 of its JSON written canonically (key order and
    spacing do not count), or of its bytes when it is no JSON."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, ensure_ascii=False,
                               separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming a key: go ahead (``row_id``), answer the stored response
    (``stored``), or refuse: ``running`` (409) or ``mismatch`` (422)."""

    row_id: int | None = None
    stored: IdempotentRequest | None = None
    refusal: str | None = None


class IdempotencyStore:
    def __init__(self, session: Session, now: Callable[[], datetime], keep: timedelta,
                 lease: timedelta = timedelta(seconds=60)):
        self.session = session
        self.now = now
        self.keep = keep
        self.lease = lease

    def claim(self, user_id: int, key: str, target: str, print_: str) -> Claim:
        """Claim ``key`` for this request (committed before it runs)."""
        now = self.now()
        self._prune(now)
        row = self._find(user_id, key)
        if row is None:
            row = IdempotentRequest(user_id=user_id, key=key, target=target,
                                    fingerprint=print_, state=RUNNING, claimed_at=now,
                                    expires_at=now + self.keep)
            try:
                self.session.add(row)
                self.session.commit()
                return Claim(row_id=row.id)
            except IntegrityError:  # claimed meanwhile by a request just like it
                self.session.rollback()
                row = self._find(user_id, key)
                if row is None:
                    return Claim(refusal=RUNNING)
        if row.target != target or row.fingerprint != print_:
            return Claim(refusal="mismatch")
        if row.state == DONE:
            return Claim(stored=row)
        return self._take_over(row, now)

    def _take_over(self, row: IdempotentRequest, now: datetime) -> Claim:
        """A running claim: still running (409), or abandoned by a request that died."""
        if row.claimed_at > now - self.lease:
            return Claim(refusal=RUNNING)
        done = self.session.execute(sa.update(IdempotentRequest).where(
            IdempotentRequest.id == row.id, IdempotentRequest.state == RUNNING,
            IdempotentRequest.claimed_at == row.claimed_at).values(claimed_at=now))
        self.session.commit()
        return Claim(row_id=row.id) if done.rowcount == 1 else Claim(refusal=RUNNING)

    def finish(self, row_id: int, status: int, body: bytes, headers: dict[str, str]) -> None:
        """Store the response, in the caller's transaction."""
        self.session.execute(sa.update(IdempotentRequest).where(
            IdempotentRequest.id == row_id).values(
            state=DONE, status=status, body=body,
            headers={k: v for k, v in headers.items() if k in STORED_HEADERS}))

    def release(self, row_id: int) -> None:
        """Forget a claim whose request gave no answer worth repeating (committed)."""
        self.session.execute(sa.delete(IdempotentRequest).where(
            IdempotentRequest.id == row_id, IdempotentRequest.state == RUNNING))
        self.session.commit()

    def _find(self, user_id: int, key: str) -> IdempotentRequest | None:
        row = self.session.scalar(sa.select(IdempotentRequest).filter_by(user_id=user_id,
                                                                         key=key))
        if row is not None and row.expires_at <= self.now():
            self.session.delete(row)
            self.session.flush()
            return None
        return row

    def _prune(self, now: datetime) -> None:
        stale = (sa.select(IdempotentRequest.id).where(IdempotentRequest.expires_at <= now)
                 .limit(PRUNE_BATCH))
        self.session.execute(sa.delete(IdempotentRequest)
                             .where(IdempotentRequest.id.in_(stale)))

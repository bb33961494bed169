"""Consumers: small classes that receive record events, registered in the app factory."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy.orm import Session

from metadata.registry import Registry
from runtime.events.event import KINDS, RecordEvent

if TYPE_CHECKING:
    from runtime.storage.records import Records

KEY = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
CHANNEL_LENGTH = 16  # the audit log's via column


class Consumer:
    """Receives the record events it wants, once each, in record order.

    ``synchronous`` consumers run inside the write's transaction (their failure undoes the
    write); the others run later in a worker, inside a transaction that also acknowledges the
    event, so what they write to the database happens once. Side effects outside the database
    (a mail, a webhook) may repeat after a crash: make them idempotent on ``event.id``.
    """

    key: ClassVar[str]
    synchronous: ClassVar[bool] = False
    kinds: ClassVar[frozenset[str]] = KINDS
    # (app key, form key) pairs; None: every form
    forms: ClassVar[frozenset[tuple[str, str]] | None] = None
    # the channel (audit "via") of the records this consumer writes
    channel: ClassVar[str] = "system"

    def wants(self, event: RecordEvent) -> bool:
        return event.kind in self.kinds and (self.forms is None or event.form in self.forms)

    def owed(self, session: Any, events: Sequence[RecordEvent], services: Any = None
             ) -> list[RecordEvent]:
        """The events of a write an asynchronous consumer is owed (``wants`` each, unless it
        knows better from the database: e.g. only forms that have published workflows)."""
        return [e for e in events if self.wants(e)]

    def consume(self, ctx: ConsumerContext, event: RecordEvent) -> None:
        raise NotImplementedError

    def settled(self, session: Any, event: RecordEvent, prepared: Any,
                services: Any = None) -> bool:
        """Whether what ``prepare`` did for ``event`` (``prepared``: its state) is all that
        ``consume`` would do: the hub then leaves the call out (synchronous consumers)."""
        return False

    # -- before the write (synchronous consumers only) -----------------------------------------
    def prepare(self, ctx: ConsumerContext, batch: Batch) -> Sequence[Any] | None:
        """Called before the records of ``batch`` are written: change their values in place
        (they are written, audited and answered as changed) and return, per record, what
        ``consume`` then finds in ``ctx.prepared`` for its event (None: nothing prepared)."""
        return None

    def prepared(self, ctx: ConsumerContext, events: Sequence[RecordEvent],
                 states: Sequence[Any]) -> None:
        """Called once the batch ``prepare`` saw is written, with its events (in the batch's
        order) and what ``prepare`` returned, before ``consume`` of each event: the work
        that needs the records' ids, done once for the batch."""


@dataclass(frozen=True)
class Batch:
    """Records about to be written by one call of the records service: ``kind`` (create),
    their form, the depth their events will have, how many, and (made when first asked for:
    a consumer with nothing to do on the form pays nothing) their values as formulas read them
    (every field, the system columns; ``id`` None until written)."""

    app_key: str
    form_key: str
    kind: str
    depth: int
    count: int
    make: Callable[[], Sequence[dict[str, Any]]]

    @cached_property
    def values(self) -> Sequence[dict[str, Any]]:
        return self.make()


@dataclass
class ConsumerContext:
    """What a consumer may use: the transaction it runs in, the runtime's time, and the
    records service (as the system) whose writes become events caused by this one."""

    session: Session
    now: datetime
    app_key: str
    _records: Callable[[Session, str, str, datetime, str], Records]
    channel: str
    # the services of the installation (the runtime) for consumers that need more than
    # records: the rules executor compiles rulesets and routes records through them
    services: Any = None
    # what this consumer's ``prepare`` returned for the event's record (None: nothing)
    prepared: Any = None

    def records(self, form_key: str, app_key: str | None = None) -> Records:
        return self._records(self.session, app_key or self.app_key, form_key, self.now,
                             self.channel)


def check_consumer(cls: type) -> None:
    """Refuse at start-up what would otherwise fail on the first event."""
    name = getattr(cls, "__name__", repr(cls))
    if not isinstance(cls, type) or not issubclass(cls, Consumer):
        raise ValueError(f"event consumer registry: {name} is not a Consumer class")
    key = getattr(cls, "key", None)
    if not isinstance(key, str) or not KEY.match(key):
        raise ValueError(f"event consumer registry: {name}.key must match {KEY.pattern}")
    if not isinstance(cls.synchronous, bool):
        raise ValueError(f"event consumer registry: {name}.synchronous must be True or False")
    unknown = set(cls.kinds) - KINDS
    if unknown:
        raise ValueError(f"event consumer registry: {name}.kinds has unknown kinds "
                         f"{sorted(unknown)} (known: {sorted(KINDS)})")
    if cls.forms is not None and not all(
            isinstance(f, tuple) and len(f) == 2 and all(isinstance(k, str) for k in f)
            for f in cls.forms):
        raise ValueError(f"event consumer registry: {name}.forms must be (app key, form key) "
                         "pairs, or None for every form")
    if not isinstance(cls.channel, str) or not 0 < len(cls.channel) <= CHANNEL_LENGTH:
        raise ValueError(f"event consumer registry: {name}.channel must be a text of 1 to "
                         f"{CHANNEL_LENGTH} characters")
    if cls.consume is Consumer.consume:
        raise ValueError(f"event consumer registry: {name} does not define consume()")


BUILTIN_CONSUMERS: tuple[type[Consumer], ...] = ()


def build_consumer_registry(extra: Iterable[type[Consumer]] = ()) -> Registry[Consumer]:
    """The built-in consumers and ``extra`` ones (the app factory's EVENT_CONSUMERS)."""
    types = (*BUILTIN_CONSUMERS, *extra)
    for cls in types:
        check_consumer(cls)
    return Registry("event consumer", types, key_attr="key")

"""The pure parts of record events: one shape of changes from the audit's two, the backoff,
and the consumer checks made at start-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from runtime.events.consumers import Consumer, build_consumer_registry
from runtime.events.event import Change, RecordEvent, event_rows
from runtime.events.hub import EventSettings

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def entry(action: str, version: int, changes) -> dict:
    return {"at": AT, "user_id": 7, "app_key": "crm", "form_key": "lead", "record_id": 42,
            "action": action, "version": version, "changes": changes, "via": "api"}


def test_creations_updates_and_deletions_have_one_shape_of_changes():
    rows = event_rows([entry("create", 1, {"name": "Ann", "tags": ["a"]}),
                       entry("update", 2, [{"field": "name", "old": "Ann", "new": "Bo"},
                                           {"field": "owner", "old": 7, "new": 8}]),
                       entry("delete", 3, [])], depth=1, cause_id=99)
    assert [r["changes"] for r in rows] == [
        {"name": (None, "Ann"), "tags": (None, ["a"])},
        {"name": ("Ann", "Bo"), "owner": (7, 8)},
        {}]
    assert [(r["kind"], r["version"], r["actor_id"], r["channel"], r["depth"], r["cause_id"])
            for r in rows] == [("create", 1, 7, "api", 1, 99), ("update", 2, 7, "api", 1, 99),
                               ("delete", 3, 7, "api", 1, 99)]
    event = RecordEvent.from_row({**rows[1], "id": 5})
    assert event.changes == {"name": Change("Ann", "Bo"), "owner": Change(7, 8)}
    assert event.changed("owner") and not event.changed("city")
    assert (event.form, event.stream) == (("crm", "lead"), "crm/lead/42")


def test_backoff_doubles_up_to_six_hours():
    settings = EventSettings(retry_seconds=10)
    assert [settings.backoff(n).total_seconds() for n in range(1, 6)] == [10, 20, 40, 80, 160]
    assert settings.backoff(30) == timedelta(hours=6)


class Good(Consumer):
    key = "good"

    def consume(self, ctx, event) -> None:
        pass


@pytest.mark.parametrize("attrs,message", [
    ({"key": "Bad Key"}, "key must match"),
    ({"synchronous": "yes"}, "synchronous must be True or False"),
    ({"forms": frozenset({"crm.lead"})}, "must be .app key, form key. pairs"),
    ({"channel": "a channel longer than sixteen"}, "channel must be a text"),
])
def test_a_consumer_that_would_fail_later_fails_at_start_up(attrs, message):
    bad = type("Bad", (Good,), attrs)
    with pytest.raises(ValueError, match=message):
        build_consumer_registry((bad,))


def test_wants_filters_by_kind_and_form():
    class Leads(Good):
        kinds = frozenset({"update"})
        forms = frozenset({("crm", "lead")})

    consumer = build_consumer_registry((Leads,))["good"]
    update = RecordEvent.from_row({**event_rows([entry("update", 2, [])], 0, None)[0], "id": 1})
    create = RecordEvent.from_row({**event_rows([entry("create", 1, {})], 0, None)[0], "id": 1})
    assert consumer.wants(update) and not consumer.wants(create)

"""A failing consumer is retried with exponential backoff, holds back the record's later
events, fails for good after the last attempt and waits on /admin/events for an admin's retry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.events_support import (
    Flaky,
    deliveries,
    events,
    received,
    setup_crm,
    trellis_queue,
)
from tests.integration.helpers import PASSWORD

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
BASE = "/apps/crm/forms/lead/records"


@pytest.fixture
def flaky():
    Flaky.failing = True
    yield Flaky
    Flaky.failing = True


def work(app) -> None:
    """Run what is queued with a real RQ worker, in this process (the test's clock)."""
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    import app.jobs as jobs

    q = trellis_queue(app)
    jobs._app = app
    try:
        SimpleWorker([q], connection=q.connection, serializer=JSONSerializer).work(burst=True)
    finally:
        jobs._app = None


def login(client, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(True)


def test_failing_consumer_backs_off_fails_and_is_retried_from_the_admin_page(
        fresh_app, redis_url, flaky):
    app = fresh_app(EVENT_CONSUMERS=(Flaky,), REDIS_URL=redis_url, EVENT_MAX_ATTEMPTS=4)
    runtime = app.extensions["trellis"]
    factory, admin = setup_crm(app)
    factory.user("member@example.com", ["member"], name="Mia")
    runtime.clock.set(T0)
    lead = admin.create("crm", "lead", {"name": "Ann"})
    admin.ok("PATCH", f"{BASE}/{lead['id']}", json={"city": "Harbin"})
    first, second = (e["id"] for e in events(runtime))

    def state() -> list[tuple]:
        return [(d["event_id"], d["status"], d["attempts"], d["retry_at"])
                for d in deliveries(runtime)]

    work(app)  # the first event fails; the second must wait behind it
    assert state() == [(first, "pending", 1, T0 + timedelta(seconds=10)),
                       (second, "pending", 0, None)]
    assert [d["sweep_at"] for d in deliveries(runtime)] == [T0 + timedelta(seconds=10)] * 2
    assert "ValueError: flaky fails on purpose" in deliveries(runtime)[0]["error"]
    elapsed = 10
    for attempt, pause in ((2, 20), (3, 40), (4, None)):
        due = T0 + timedelta(seconds=elapsed)
        assert runtime.events.sweep(due - timedelta(seconds=1)) == 0  # still backing off
        runtime.clock.set(due)
        assert runtime.events.sweep(due) == 2  # the one behind it waits as long
        work(app)
        if pause is not None:
            assert state()[0] == (first, "pending", attempt, due + timedelta(seconds=pause))
            elapsed += pause
    assert state() == [(first, "failed", 4, None), (second, "pending", 0, None)]
    assert runtime.events.sweep(T0 + timedelta(days=1)) == 0  # given up, and held behind it
    assert received(runtime) == []

    client = app.test_client()
    assert client.get("/admin/events").headers["Location"].startswith("/login")
    login(client, "member@example.com")
    assert client.get("/admin/events").status_code == 403
    client.post("/logout")
    login(client, "admin@example.com")
    page = client.get("/admin/events").get_data(True)
    assert "Record events" in page and "flaky" in page
    assert f"ValueError: flaky fails on purpose (event {first})" in page
    assert 'data-backlog>1<' in page and 'data-failed>1<' in page
    client.post("/locale", data={"lang": "zh"})
    assert "记录事件" in client.get("/admin/events").get_data(True)

    flaky.failing = False
    failed_id = deliveries(runtime)[0]["id"]
    response = client.post(f"/admin/events/deliveries/{failed_id}/retry")
    assert response.status_code == 302
    assert trellis_queue(app).count == 1  # handed out at once, not at the next sweep
    work(app)
    assert [r["event_id"] for r in received(runtime)] == [first, second]  # in record order
    assert [d["status"] for d in deliveries(runtime)] == ["done", "done"]
    page = client.get("/admin/events").get_data(True)
    assert "data-failed>0<" in page and "ValueError" not in page
    assert client.post(f"/admin/events/deliveries/{failed_id}/retry").status_code == 302
    assert trellis_queue(app).count == 0  # nothing failed: nothing to retry

"""The Idempotency-Key header on record creation (issue 10): a retry with the same key and
body gets the first answer again (same status, same record), another body with the key gets
422, a retry while the first runs gets 409 — per user, kept for a day, stored with the
records the first request made."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from datetime import timedelta

import pytest

from tests.integration.helpers import assert_error, field, form_doc, publish, rows

BASE = "/apps/crm/forms/lead/records"


@pytest.fixture
def crm(admin_api, factory):
    factory.app_doc(admin_api)
    publish(admin_api, form_doc("lead", [field("name", required=True),
                                         field("employees", "number")]))
    return admin_api


def count(runtime) -> int:
    return rows(runtime, "SELECT count(*) AS n FROM crm__lead")[0]["n"]


def test_a_retry_gets_the_first_answer(crm, runtime):
    key = {"Idempotency-Key": "9f1c6a52-4b7e-4e0c-a1d2-3c4b5a697e81"}
    first = crm.post(BASE, json={"name": "王伟"}, headers=key)
    assert first.status_code == 201
    again = crm.post(BASE, data=json.dumps({"name": "王伟"}, indent=2),
                     headers={**key, "Content-Type": "application/json"})
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert count(runtime) == 1
    other = crm.post(BASE, json={"name": "王伟"}, headers={"Idempotency-Key": '"key-2"'})
    assert other.status_code == 201 and other.get_json()["id"] != first.get_json()["id"]
    assert count(runtime) == 2


def test_the_same_key_with_another_body_or_address_is_refused(crm, runtime):
    key = {"Idempotency-Key": "k-1"}
    crm.ok("POST", BASE, json={"name": "a"}, headers=key)
    assert_error(crm.post(BASE, json={"name": "b"}, headers=key), 422,
                 "/headers/Idempotency-Key")
    assert_error(crm.post(BASE + "/bulk", json={"records": [{"name": "a"}]}, headers=key),
                 422, "/headers/Idempotency-Key")
    assert count(runtime) == 1


def test_keys_belong_to_their_user(crm, factory, runtime):
    other = factory.api(factory.user("mia@example.com", ["member"]))
    key = {"Idempotency-Key": "shared"}
    mine = crm.ok("POST", BASE, json={"name": "a"}, headers=key)
    theirs = other.ok("POST", BASE, json={"name": "a"}, headers=key)
    assert mine["id"] != theirs["id"] and count(runtime) == 2


def test_a_refused_record_is_answered_again_and_a_bad_key_is_400(crm, runtime):
    key = {"Idempotency-Key": "invalid-once"}
    first = crm.post(BASE, json={"employees": "many"}, headers=key)
    assert first.status_code == 422
    again = crm.post(BASE, json={"employees": "many"}, headers=key)
    assert again.status_code == 422 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    for bad in ("", "with space", "x" * 256, "ключ"):
        assert_error(crm.post(BASE, json={"name": "a"}, headers={"Idempotency-Key": bad}),
                     400)
    assert count(runtime) == 0


def test_bulk_creation_is_idempotent_too(crm, runtime):
    key = {"Idempotency-Key": "bulk-1"}
    body = {"records": [{"name": "a"}, {"name": ""}, {"name": "c"}]}
    first = crm.ok("POST", BASE + "/bulk", json=body, headers=key)
    again = crm.post(BASE + "/bulk", json=body, headers=key)
    assert again.status_code == 200 and again.get_json() == first
    assert count(runtime) == 2


def test_a_retry_while_the_first_runs_gets_409_until_its_claim_lapses(crm, runtime, app):
    from runtime.capture.idempotency import IdempotencyStore, fingerprint

    body = json.dumps({"name": "a"}).encode()
    with runtime.session() as session:
        store = IdempotencyStore(session, runtime.clock.now, timedelta(hours=24))
        claim = store.claim(crm.user_id, "busy", f"POST /api/v1{BASE}", fingerprint(body))
        assert claim.row_id is not None
    response = crm.post(BASE, data=body, headers={"Idempotency-Key": "busy",
                                                  "Content-Type": "application/json"})
    assert_error(response, 409, "/headers/Idempotency-Key")
    assert response.headers["Retry-After"] == "1"
    runtime.clock.set(runtime.clock.now() + timedelta(minutes=5))  # the first died
    try:
        taken = crm.post(BASE, data=body, headers={"Idempotency-Key": "busy",
                                                   "Content-Type": "application/json"})
        assert taken.status_code == 201
        runtime.clock.set(runtime.clock.now() + timedelta(hours=25))  # kept a day
        later = crm.post(BASE, data=body, headers={"Idempotency-Key": "busy",
                                                   "Content-Type": "application/json"})
        assert later.status_code == 201 and "Idempotent-Replayed" not in later.headers
    finally:
        runtime.clock.reset()
    assert count(runtime) == 2


def test_concurrent_retries_create_one_record(crm, app, runtime):
    """Eight clients send the same request with one key at once, through a real threaded
    server: one record; every answer is that record (201) or 'still running' (409)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/api/v1{BASE}"
    answers: list[tuple[int, dict]] = []

    def send() -> None:
        request = urllib.request.Request(url, data=b'{"name": "same"}', method="POST", headers={
            "Authorization": f"Bearer {crm.token}", "Content-Type": "application/json",
            "Idempotency-Key": "together"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answers.append((response.status, json.loads(response.read())))
        except urllib.error.HTTPError as exc:
            answers.append((exc.code, json.loads(exc.read())))

    try:
        clients = [threading.Thread(target=send) for _ in range(8)]
        for client in clients:
            client.start()
        for client in clients:
            client.join(60)
    finally:
        server.shutdown()
        thread.join(10)
    assert len(answers) == 8 and {status for status, _ in answers} <= {201, 409}
    ids = {body["id"] for status, body in answers if status == 201}
    assert len(ids) == 1 and count(runtime) == 1

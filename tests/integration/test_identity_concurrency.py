"""Fifty concurrent submissions of the same person through a real threaded server create
exactly one record (issue 10): the database decides, not luck."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

from tests.integration.helpers import field, form_doc, publish, rows

BASE = "/apps/crm/forms/lead/records"
CLIENTS = 50


def test_fifty_concurrent_arrivals_of_one_person_make_one_record(admin_api, factory, app,
                                                                 runtime):
    from werkzeug.serving import make_server

    factory.app_doc(admin_api)
    publish(admin_api, form_doc("lead", [field("name"), field("phone", "phone"),
                                         field("email", "email")], identity={"match": [
        {"key": "phone", "fields": ["phone"]}, {"key": "email", "fields": ["email"]}]}))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/api/v1{BASE}"
    answers: list[tuple[int, dict]] = []
    start = threading.Barrier(CLIENTS)

    def send(n: int) -> None:
        # the same person written many ways; half also bring their e-mail address
        phone = ["138 0013 8000", "+86 13800138000", "13800138000"][n % 3]
        body = {"name": f"王伟 {n}", "phone": phone}
        if n % 2:
            body["email"] = "Wang.Wei@Example.com"
        request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                         headers={"Authorization": f"Bearer {admin_api.token}",
                                                  "Content-Type": "application/json"})
        start.wait(30)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                answers.append((response.status, json.loads(response.read())))
        except urllib.error.HTTPError as exc:
            answers.append((exc.code, json.loads(exc.read())))

    try:
        clients = [threading.Thread(target=send, args=(n,)) for n in range(CLIENTS)]
        for client in clients:
            client.start()
        for client in clients:
            client.join(180)
    finally:
        server.shutdown()
        thread.join(10)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * (CLIENTS - 1) + [201], answers[:3]
    assert len({body["id"] for _, body in answers}) == 1
    assert rows(runtime, "SELECT count(*) AS n FROM crm__lead WHERE deleted_at IS NULL")[0][
        "n"] == 1
    assert len(rows(runtime, "SELECT id FROM identity_merges")) == CLIENTS - 1
    touches = admin_api.ok("GET", f"{BASE}/{answers[0][1]['id']}/touches")["touches"]
    assert len(touches) == CLIENTS

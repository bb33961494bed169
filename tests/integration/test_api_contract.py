"""The API keeps its own contract: schemathesis generates requests from /api/v1/openapi.json
(valid ones and ones that break the document) and sends them to a live server holding a
published app, seeded records and a file. Every answer must be something the document
declares: no 5xx, no undeclared status, content type, header or body shape.

Bounded: ten generated cases per operation and phase (a run takes one to three minutes), and
a timeout; CI replays the same requests on every run."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.integration.conftest import Installations
from tests.integration.helpers import STAGES, every_type_fields, field, form_doc, publish
from tests.support import Factory

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
# the checks, and what a request that breaks the document may be answered with
CONFIG = """
cache.enabled = false  # no state kept between runs, none written into the project

[checks]
enabled = false
not_a_server_error.enabled = true
status_code_conformance.enabled = true
content_type_conformance.enabled = true
response_headers_conformance.enabled = true
response_schema_conformance.enabled = true

[checks.negative_data_rejection]
enabled = true
expected-statuses = [400, 401, 403, 404, 409, 413, 415, 422]

# Record bodies show values in their canonical form; the server also takes what it can
# normalise ("138 0013 8000", a choice's label, a number as text), so a body outside the
# record schema may still be accepted: no rejection check on them.
[[operations]]
include-operation-id-regex = ".*(create|update|bulk)(Records)?$"
checks.negative_data_rejection.enabled = false
"""
TIMEOUT = 600  # seconds; a run takes one to three minutes


def seed(app) -> dict[str, str]:
    """An app with a form of every field type, a view, two versions, records and a file;
    tokens of an admin and of a member who has a field hidden and sees only own records."""
    factory = Factory(app)
    admin_id = factory.user("admin@example.com", ["admin"], name="Admin")
    member_id = factory.user("member@example.com", ["member"], name="Member")
    api = factory.api(admin_id)
    api.ok("POST", "/apps", 201, json={"kind": "app", "key": "crm", "label": "CRM"})
    publish(api, form_doc("company", [field("name", required=True), field("city")]))
    policy = {"roles": {"member": {"create": "all", "read": "own", "update": "own",
                                   "delete": "own", "hidden_fields": ["notes"],
                                   "readonly_fields": ["stage"]}}}
    deal = form_doc("deal", every_type_fields(), permissions=policy)
    publish(api, {**deal, "fields": deal["fields"][:-1]})
    publish(api, deal)  # version 2: diffs and rollbacks have something to work with
    api.ok("PUT", "/apps/crm/views/open", json={
        "kind": "view", "key": "open", "form": "deal", "label": "Open deals",
        "filters": [{"field": "stage", "op": "eq", "value": "new"}], "per_page": 20})
    api.ok("POST", "/apps/crm/views/open/publish")
    upload = api.ok("POST", "/files", 201, data={"file": (open(__file__, "rb"), "test.py")},
                    content_type="multipart/form-data")
    companies = [api.create("crm", "company", {"name": f"Company {i}", "city": "深圳"})
                 for i in range(3)]
    for i in range(12):
        api.create("crm", "deal", {
            "name": f"Deal {i}", "employees": i * 100, "amount": f"{i}.50",
            "due": "2026-03-01", "met_at": "2026-03-01T08:00:00Z", "active": i % 2 == 0,
            "stage": [c["value"] for c in STAGES["choices"]][i % 3], "tags": ["vip"],
            "phone": "13800138000", "email": "a@example.com", "website": "example.com",
            "place": {"country": "CN", "province": "广东省", "city": "深圳市"},
            "assignee": member_id, "company": companies[i % 3]["id"],
            "files": [upload["id"]] if i == 0 else [],
            "lines": [{"item": "x", "qty": i}]})
    factory.api(member_id).create("crm", "deal", {"name": "Mine"})
    return {"admin": api.token, "member": factory.token(member_id)}


@pytest.fixture(scope="module")
def live_api(tmp_path_factory, sqlite_template, quick_password_hashes
             ) -> Iterator[tuple[str, dict[str, str]]]:
    """A real HTTP server (werkzeug, threaded) on a free port, serving a seeded app."""
    installations = Installations(tmp_path_factory.mktemp("contract"), sqlite_template)
    app = installations.make()
    tokens = seed(app)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", tokens
    finally:
        server.shutdown()
        thread.join(10)
        installations.close()


def schemathesis(base: str, token: str, folder: Path, *extra: str
                 ) -> subprocess.CompletedProcess:
    config = folder / "schemathesis.toml"
    config.write_text(CONFIG, encoding="utf-8")
    args = [str(SCHEMATHESIS), "--config-file", str(config), "run",
            f"{base}/api/v1/openapi.json", "--url", f"{base}/api/v1",
            "--header", f"Authorization: Bearer {token}", "--max-examples", "10",
            # one worker: hypothesis parses lambdas' source with ast, which Python 3.11
            # does not allow from two threads at once ("recursion depth mismatch")
            "--workers", "1", "--suppress-health-check", "all", "--request-timeout", "30",
            "--report", "junit", "--report-dir", str(folder), *extra]
    if os.environ.get("CI"):
        args += ["--seed", "7"]  # CI replays the same requests on every run
    env = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"}
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=TIMEOUT,
                          check=False, cwd=folder)


def outcome(result: subprocess.CompletedProcess) -> str:
    """The end of schemathesis' report: the failures, each with a curl line to replay it."""
    return (result.stdout + result.stderr)[-15_000:]


def operations(base: str, token: str) -> int:
    request = urllib.request.Request(f"{base}/api/v1/openapi.json",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        document = json.load(response)
    # schemathesis leaves out the operation that serves the document it reads
    return sum(1 for path, item in document["paths"].items() for method in item
               if method in ("get", "put", "post", "patch", "delete")
               and path != "/openapi.json")


def test_every_answer_is_one_the_document_declares(live_api, tmp_path):
    base, tokens = live_api
    expected = operations(base, tokens["admin"])
    result = schemathesis(base, tokens["admin"], tmp_path)
    assert result.returncode == 0, outcome(result)
    assert f"{expected} selected / {expected} total" in result.stdout, outcome(result)


def test_a_member_gets_only_declared_answers_from_the_records_endpoints(live_api, tmp_path):
    """The member's document leaves out a hidden field and shows own records only."""
    base, tokens = live_api
    result = schemathesis(base, tokens["member"], tmp_path, "--include-path-regex",
                          "records|openapi")
    assert result.returncode == 0, outcome(result)

"""Inbound webhooks (issue 10): a secret address per webhook, signatures over the raw body,
payload paths mapped to fields, redeliveries recognised, every payload stored before the
answer, refused payloads replayed after the mapping is fixed."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from tests.integration.helpers import assert_error, field, form_doc, publish, rows

FORM = "/apps/crm/forms/lead"
HOOK = FORM + "/webhooks/meta"
META_MAPPING = {
    "name": "$.field_data[?@.name == 'full_name'].values[0]",
    "phone": {"path": "$.field_data[?@.name == 'phone_number'].values[0]",
              "formula": 'IF(LEFT({value}, 1) = "+", {value}, "+86" & {value})'},
    "employees": "$.employees",
    "source": {"value": "meta"},
}


def lead_doc(mapping=None, **hook) -> dict:
    return form_doc("lead", [
        field("name", required=True), field("phone", "phone"), field("employees", "number"),
        field("source"), field("first_channel", "touch",
                               config={"touch": "first", "part": "channel"}),
        field("first_campaign", "touch", config={"touch": "first", "part": "campaign"}),
    ], capture={"webhooks": [{"key": "meta", "mapping": mapping or META_MAPPING,
                              "signature": {"header": "X-Hub-Signature-256",
                                            "prefix": "sha256="},
                              "delivery_id": "$.leadgen_id",
                              "touch": {"campaign": "$.campaign_name"}, **hook}]})


def lead(leadgen_id: str = "L1", name: str = "王伟", phone: str = "13800138000", **extra):
    return {"leadgen_id": leadgen_id, "campaign_name": "春季峰会", "field_data": [
        {"name": "full_name", "values": [name]},
        {"name": "phone_number", "values": [phone]}], **extra}


@pytest.fixture
def crm(admin_api, factory):
    factory.app_doc(admin_api)
    publish(admin_api, lead_doc())
    return admin_api


@pytest.fixture
def hook(crm, client):
    info = crm.ok("GET", HOOK)
    path = "/" + info["url"].split("/", 3)[3]
    secret = info["secret"]

    def post(payload, sign=True, headers=None, raw: bytes | None = None):
        body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
        sent = {"Content-Type": "application/json", **(headers or {})}
        if sign:
            digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            sent["X-Hub-Signature-256"] = "sha256=" + digest
        return client.post(path, data=body, headers=sent)

    post.info = info
    return post


def deliveries(api, **params) -> list[dict]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return api.ok("GET", f"{HOOK}/deliveries?{query}")["deliveries"]


def test_admins_read_the_address_and_secret(crm, factory, hook):
    info = hook.info
    assert info["url"].startswith("http://localhost/hooks/") and len(info["secret"]) == 64
    assert crm.ok("GET", HOOK) == info  # the same until rotated
    designer = factory.api(factory.user("dee@example.com", ["designer"]))
    assert_error(designer.get(HOOK), 403)
    assert_error(crm.get(FORM + "/webhooks/nope"), 404)
    # stored sealed: neither the token nor the secret is in the table as written
    [row] = rows(crm.client.application.extensions["trellis"],
                 "SELECT token, secret FROM webhook_endpoints")
    assert info["secret"] not in row["secret"] and info["url"].rsplit("/", 1)[1] not in row["token"]


def test_a_signed_payload_becomes_a_record_with_its_touch(crm, hook):
    answer = hook(lead())
    assert answer.status_code == 200, answer.get_data(True)
    body = answer.get_json()
    assert body["status"] == "applied" and body["outcome"] == "created"
    record = crm.ok("GET", f"{FORM}/records/{body['record']}")
    assert (record["name"], record["phone"], record["source"]) == ("王伟", "+8613800138000",
                                                                  "meta")
    assert record["first_channel"] == "webhook" and record["first_campaign"] == "春季峰会"
    [touch] = crm.ok("GET", f"{FORM}/records/{body['record']}/touches")["touches"]
    assert touch["ref"] == f"delivery:{body['delivery']}" and touch["detail"] == {
        "webhook": "meta"}
    [stored] = deliveries(crm)
    assert stored["status"] == "applied" and stored["record"] == body["record"]
    assert stored["delivery_id"] == "L1"


def test_wrong_signatures_malformed_json_and_oversized_bodies_are_stored_and_refused(
        crm, hook, runtime):
    assert hook(lead(), sign=False).status_code == 401
    wrong = hook(lead(), sign=False, headers={"X-Hub-Signature-256": "sha256=" + "0" * 64})
    assert wrong.status_code == 401 and wrong.get_json()["status"] == "unauthorized"
    broken = hook(None, raw=b'{"leadgen_id": "x", ')
    assert broken.status_code == 400 and "line 1" in broken.get_json()["errors"][0]["message"]
    big = hook(None, raw=b'{"pad": "' + b"x" * (1024 * 1024) + b'"}')
    assert big.status_code == 413
    stored = deliveries(crm)
    assert [d["status"] for d in stored] == ["too_large", "malformed", "unauthorized",
                                             "unauthorized"]
    assert stored[0]["truncated"] and stored[0]["size"] > 1024 * 1024
    assert stored[2]["errors"][0]["path"] == "/headers/X-Hub-Signature-256"
    detail = crm.ok("GET", f"{HOOK}/deliveries/{stored[1]['id']}")
    assert detail["body"] == '{"leadgen_id": "x", '
    assert rows(runtime, "SELECT count(*) AS n FROM crm__lead")[0]["n"] == 0
    assert hook(lead(), sign=False,
                headers={"X-Hub-Signature-256": "sha256=AB"}).status_code == 401


def test_a_redelivered_payload_is_stored_but_not_applied_twice(crm, hook, runtime):
    first = hook(lead("L7")).get_json()
    again = hook(lead("L7"))
    assert again.status_code == 200
    body = again.get_json()
    assert body["status"] == "duplicate" and body["duplicate_of"] == first["delivery"]
    assert body["record"] == first["record"]
    assert rows(runtime, "SELECT count(*) AS n FROM crm__lead")[0]["n"] == 1
    assert [d["status"] for d in deliveries(crm)] == ["duplicate", "applied"]


def test_a_delivery_id_in_a_header(crm, factory, client):
    doc = lead_doc(delivery_id="X-JDY-DeliverId")
    del doc["capture"]["webhooks"][0]["signature"]
    publish(crm, doc)
    info = crm.ok("GET", HOOK)
    path = "/" + info["url"].split("/", 3)[3]
    for _ in range(2):
        client.post(path, json=lead("same-body"), headers={"X-JDY-DeliverId": "d-1"})
    client.post(path, json=lead("other"), headers={"X-JDY-DeliverId": "d-2"})
    assert [d["status"] for d in deliveries(crm)] == ["applied", "duplicate", "applied"]


def test_refused_payloads_name_their_paths_and_replay_after_the_mapping_is_fixed(
        crm, hook, runtime):
    refused = hook(lead("L9", employees="lots"))
    assert refused.status_code == 202
    body = refused.get_json()
    assert body["status"] == "refused"
    [error] = body["errors"]
    assert error["path"] == "/employees" and error["source"] == "$.employees"
    no_name = hook({"leadgen_id": "L10", "field_data": []}).get_json()
    assert no_name["status"] == "refused" and no_name["errors"][0]["path"] == "/name"
    assert rows(runtime, "SELECT count(*) AS n FROM crm__lead")[0]["n"] == 0
    # the designer fixes the mapping (employees from a formula that copes with text)
    fixed = dict(META_MAPPING, employees={"path": "$.employees", "formula":
                                          'VALUE({value})'},
                 name={"path": META_MAPPING["name"], "value": "(no name)"})
    publish(crm, lead_doc(fixed))
    one = crm.ok("POST", f"{HOOK}/deliveries/{body['delivery']}/replay")
    assert one["status"] == "applied" and one["attempts"] == 2
    assert_error(crm.post(f"{HOOK}/deliveries/{body['delivery']}/replay"), 409)
    rest = crm.ok("POST", f"{HOOK}/replay")
    assert (rest["replayed"], rest["applied"]) == (1, 1)
    names = sorted(r["name"] for r in rows(runtime, "SELECT name FROM crm__lead"))
    assert names == ["(no name)", "王伟"]


def test_rotating_changes_the_address_and_the_secret(crm, hook, client):
    old = hook.info
    new = crm.ok("POST", HOOK + "/rotate")
    assert new["url"] != old["url"] and new["secret"] != old["secret"]
    assert client.post("/" + old["url"].split("/", 3)[3], json=lead()).status_code == 404
    given = crm.ok("POST", HOOK + "/rotate", json={"url": False, "secret": "meta-app-secret"})
    assert given["url"] == new["url"] and given["secret"] == "meta-app-secret"
    assert_error(crm.post(HOOK + "/rotate", json={"secret": 5}), 422, "/secret")
    assert_error(crm.post(HOOK + "/rotate", json={"colour": "red"}), 422)


def test_mappings_are_checked_when_saved(crm):
    bad = lead_doc({"nope": "$.x", "name": "$.[", "employees": {"formula": "{zzz} + 1"},
                    "first_channel": "$.c", "phone": {"pth": "$.p"}})
    response = crm.put(FORM, json=bad)
    errors = assert_error(response, 422)
    where = {e["path"] for e in errors}
    assert "/capture/webhooks/0/mapping/phone" in where  # the schema speaks first
    bad["capture"]["webhooks"][0]["mapping"].pop("phone")
    where = {e["path"] for e in assert_error(crm.put(FORM, json=bad), 422)}
    assert "/capture/webhooks/0/mapping/nope" in where
    assert "/capture/webhooks/0/mapping/first_channel" in where  # filled in by the system
    assert "/capture/webhooks/0/mapping/name/path" in where
    assert "/capture/webhooks/0/mapping/employees/formula" in where
    twice = lead_doc()
    twice["capture"]["webhooks"].append(dict(twice["capture"]["webhooks"][0]))
    assert_error(crm.put(FORM, json=twice), 422, "/capture/webhooks/1/key")


def test_unknown_addresses_and_removed_webhooks_answer_404(crm, hook, client):
    assert client.post("/hooks/not-a-token", json={}).status_code == 404
    publish(crm, form_doc("lead", lead_doc()["fields"]))  # the webhook is removed
    assert hook(lead()).status_code == 404


def test_the_migration_makes_the_tables_the_models_describe(runtime):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from app.models import target_metadata

    tables = ("webhook_endpoints", "webhook_deliveries", "idempotent_requests",
              "capture_counters")
    with runtime.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [d for d in compare_metadata(context, target_metadata)
                if any(t in repr(d) for t in tables)]
    assert diff == []

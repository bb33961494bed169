"""Public forms (issue 10): a page anyone may fill in at /f/<app>/<slug>, with the form's own
title, theme and fields only; URL parameters kept in the touch and mapped fields; QR codes;
framing allowed for this page alone; honeypot, minimum fill time and a rate limit shared by
all workers; formulas and checks as for logged-in people; nothing stored ever echoed."""

from __future__ import annotations

import re

import pytest

from tests.integration.helpers import assert_error, field, form_doc, publish, rows

PAGE = "/f/crm/signup"
PUBLIC = {"slug": "signup", "title": {"zh": "峰会报名", "en": "Summit sign-up"},
          "description": "Tell us about you", "fields": ["name", "phone", "employees", "tier"],
          "params": {"ref": "referrer", "gclid": None}, "min_seconds": 0,
          "theme": {"color": "#0f766e"}, "thanks": {"message": {"zh": "谢谢！", "en": "Thanks!"}},
          "rate_limit": {"count": 5, "seconds": 60}}


def lead_doc(**public) -> dict:
    return form_doc("lead", [
        field("name", required=True),
        field("phone", "phone", unique=True),
        field("employees", "number", validate=[{"formula": "{employees} < 100000",
                                                "message": "too many"}]),
        field("tier", "formula", config={"formula": 'IF({employees} > 500, "big", "small")'}),
        field("secret_notes", "textarea"),
        field("referrer"),
        field("owner_pick", "user"),
        field("channel", "touch", config={"touch": "first", "part": "channel"}),
        field("campaign", "touch", config={"touch": "first", "part": "campaign"}),
    ], label={"zh": "线索", "en": "Lead"}, capture={"public": {**PUBLIC, **public}})


@pytest.fixture
def crm(admin_api, factory):
    factory.app_doc(admin_api)
    publish(admin_api, lead_doc())
    return admin_api


def token_of(html: str) -> str:
    return re.search(r'name="_t" value="([^"]+)"', html).group(1)


def fill(client, values: dict, query: str = "", headers=None, **form):
    page = client.get(PAGE + query, headers={"Accept-Language": "en"})
    assert page.status_code == 200, page.get_data(True)[:500]
    data = {"_t": token_of(page.get_data(True)), **values, **form}
    return client.post(PAGE + query, data=data, headers=headers or {"Accept-Language": "en"})


def test_the_page_shows_the_form_its_own_way_and_only_its_public_fields(crm, client):
    page = client.get(PAGE, headers={"Accept-Language": "en"})
    html = page.get_data(True)
    assert page.status_code == 200 and "Summit sign-up" in html and "Tell us about you" in html
    assert 'name="name"' in html and 'name="phone"' in html and 'name="employees"' in html
    for hidden in ("secret_notes", "referrer", "owner_pick"):
        assert f'name="{hidden}"' not in html
    assert "--accent: #0f766e" in html and 'name="csrf_token"' not in html
    assert "frame-ancestors *" in page.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in page.headers
    assert "X-Frame-Options" in client.get("/login").headers  # other pages keep it
    assert "峰会报名" in client.get(PAGE + "?lang=zh").get_data(True)
    assert client.get("/f/crm/nope").status_code == 404
    assert client.get("/f/other/signup").status_code == 404


def test_a_submission_keeps_its_campaign_and_mapped_parameters(crm, client, runtime):
    query = "?utm_source=wechat&utm_campaign=summit&ref=booth-7&gclid=abc&other=x"
    done = fill(client, {"name": "王伟", "phone": "138 0013 8000", "employees": "800"}, query,
                headers={"Accept-Language": "en", "Referer": "https://partner.example/p"})
    assert done.status_code == 200 and "Thanks!" in done.get_data(True)
    [record] = crm.ok("GET", "/apps/crm/forms/lead/records")["records"]
    assert record["phone"] == "+8613800138000" and record["tier"] == "big"
    assert record["referrer"] == "booth-7" and record["channel"] == "public"
    assert record["campaign"] == "summit" and record["created_by"] is None
    [touch] = crm.ok("GET", f"/apps/crm/forms/lead/records/{record['id']}/touches")["touches"]
    assert (touch["channel"], touch["source"], touch["ref"]) == ("public", "wechat",
                                                                 "form:signup")
    assert touch["detail"] == {"ref": "booth-7", "gclid": "abc",
                               "referrer": "https://partner.example/p"}
    [audit] = rows(runtime, "SELECT via, user_id FROM audit_log")
    assert audit == {"via": "public", "user_id": None}


def test_server_checks_apply_and_answers_never_echo_other_records(crm, client, runtime):
    crm.create("crm", "lead", {"name": "李娜", "phone": "13900139000",
                               "secret_notes": "VIP — do not disclose"})
    refused = fill(client, {"name": "", "phone": "13900139000"})
    assert refused.status_code == 422 and "is required" in refused.get_data(True)
    refused = fill(client, {"name": "x", "employees": "200000"})
    assert refused.status_code == 422 and "too many" in refused.get_data(True)
    refused = fill(client, {"name": "x", "phone": "13900139000"})
    html = refused.get_data(True)
    assert refused.status_code == 422 and "already been submitted" in html
    assert "李娜" not in html and "VIP" not in html and "#1" not in html
    assert 'value="13900139000"' in html or "139 0013 9000" in html  # what they typed
    forged = fill(client, {"name": "x", "secret_notes": "forged", "tier": "forged",
                           "owner_pick": "1", "channel": "forged"})
    assert forged.status_code == 200
    stored = rows(runtime, "SELECT * FROM crm__lead WHERE name = 'x'")[0]
    assert stored["secret_notes"] is None and stored["tier"] == "small"
    assert stored["owner_pick"] is None and stored["channel"] == "public"


def test_bots_fill_the_honeypot_or_hurry_and_the_rate_limit_holds(crm, client, runtime):
    trapped = fill(client, {"name": "bot"}, website="http://spam.example")
    assert trapped.status_code == 200 and "Thanks!" in trapped.get_data(True)
    assert client.post(PAGE, data={"name": "no token"}).status_code == 400
    assert client.post(PAGE, data={"name": "forged", "_t": "abc.def"}).status_code == 400
    publish(crm, lead_doc(min_seconds=30))
    hurried = fill(client, {"name": "fast"})
    assert hurried.status_code == 422 and "quick" in hurried.get_data(True)
    assert rows(runtime, "SELECT count(*) AS n FROM crm__lead")[0]["n"] == 0
    publish(crm, lead_doc(rate_limit={"count": 2, "seconds": 60}))
    assert [fill(client, {"name": f"n{i}"}).status_code for i in range(3)] == [200, 200, 429]
    assert rows(runtime, "SELECT count(*) AS n FROM crm__lead")[0]["n"] == 2


def test_the_rate_limit_counts_per_client_address(crm, app, runtime):
    publish(crm, lead_doc(rate_limit={"count": 1, "seconds": 60}))
    first = app.test_client()
    second = app.test_client()
    page = first.get(PAGE).get_data(True)
    assert first.post(PAGE, data={"_t": token_of(page), "name": "a"},
                      environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 200
    assert first.post(PAGE, data={"_t": token_of(page), "name": "b"},
                      environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 429
    assert second.post(PAGE, data={"_t": token_of(page), "name": "c"},
                       environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 200


def test_a_redirect_goes_where_the_designer_said(crm, client):
    publish(crm, lead_doc(thanks={"redirect": "https://example.com/thanks"}))
    done = fill(client, {"name": "王伟"})
    assert done.status_code == 303 and done.headers["Location"] == "https://example.com/thanks"


def test_qr_codes_and_the_embed_script(crm, client):
    png = client.get(PAGE + "/qr.png?utm_source=expo")
    assert png.status_code == 200 and png.data[:8] == b"\x89PNG\r\n\x1a\n"
    svg = client.get(PAGE + "/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert client.get("/f/crm/nope/qr.png").status_code == 404
    script = client.get("/f/embed.js")
    assert script.status_code == 200 and b"trellis-form-height" in script.data


def test_the_configuration_is_checked(crm):
    bad = lead_doc(fields=["name", "owner_pick", "channel", "nope"], params={"x": "channel"},
                   once_per=["nope"])
    errors = assert_error(crm.put("/apps/crm/forms/lead", json=bad), 422)
    where = {e["path"] for e in errors}
    assert {"/capture/public/fields/1", "/capture/public/fields/2", "/capture/public/fields/3",
            "/capture/public/params/x", "/capture/public/once_per/0"} <= where
    missing = lead_doc(fields=["phone"])
    assert_error(crm.put("/apps/crm/forms/lead", json=missing), 422, "/capture/public/fields",
                 "name")
    publish(crm, form_doc("other", [field("name")], capture={"public": {"slug": "join"}}))
    assert_error(crm.put("/apps/crm/forms/lead", json=lead_doc(slug="join")), 422,
                 "/capture/public/slug")
    assert_error(crm.put("/apps/crm/forms/lead", json=lead_doc(
        thanks={"redirect": "javascript:alert(1)"})), 422, "/capture/public/thanks/redirect")


def test_a_disabled_page_answers_404(crm, client):
    publish(crm, lead_doc(enabled=False))
    assert client.get(PAGE).status_code == 404


def test_quiet_rate_counters_are_forgotten_by_the_scheduler(crm, app, runtime):
    """A counter row per client address that ever submitted: the hourly task forgets those
    quiet for a day, in batches, and keeps the busy ones."""
    from datetime import timedelta

    from runtime.capture import ratelimit
    from runtime.jobs.tasks import PruneRateCounters

    now = runtime.clock.now()
    with runtime.session() as session, session.begin():
        for i in range(ratelimit.PRUNE_BATCH + 30):
            ratelimit.count(session, f"old-{i}", now - timedelta(days=2), timedelta(minutes=1))
        ratelimit.count(session, "busy", now - timedelta(minutes=5), timedelta(minutes=1))
    account = PruneRateCounters().run(runtime, now)
    assert account == f"forgot {ratelimit.PRUNE_BATCH + 30} quiet rate counter(s)"
    assert [r["key"] for r in rows(runtime, "SELECT key FROM capture_counters")] == ["busy"]
    assert PruneRateCounters().run(runtime, now) == "no quiet rate counters"

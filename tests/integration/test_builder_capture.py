"""The builder's Channels page (issue 10): a designer enables the public form and manages
webhooks (mapping with a test payload); admins see the address and secret, rotate them, read
the deliveries and replay refused ones."""

from __future__ import annotations

import json

import pytest

from tests.integration.helpers import field, form_doc, logged_in, publish

PAGE = "/build/crm/forms/lead/capture"


@pytest.fixture
def crm(admin_api, factory):
    factory.app_doc(admin_api)
    publish(admin_api, form_doc("lead", [field("name", required=True), field("phone", "phone"),
                                         field("owner_pick", "user")]))
    return admin_api


def test_a_designer_opens_the_public_form_and_sees_link_embed_and_qr(crm, app, factory):
    factory.user("dee@example.com", ["designer"])
    with logged_in(app, "dee@example.com") as client:
        html = client.get(PAGE).get_data(True)
        assert "Public form" in html and 'name="show_owner_pick"' not in html
        saved = client.post(PAGE + "/public", data={
            "enabled": "1", "slug": "join", "title_en": "Join us", "show_name": "1",
            "show_phone": "1", "once_phone": "1", "params": "ref\ngclid=", "color": "#0f766e",
            "rate_count": "10", "rate_seconds": "60", "min_seconds": "2", "publish": "1"})
        assert saved.status_code == 302
        html = client.get(PAGE).get_data(True)
        assert "http://localhost/f/crm/join" in html and "/qr.svg" in html
        assert "embed.js" in html and "&lt;iframe" in html
    public = crm.ok("GET", "/apps/crm/forms/lead")["capture"]["public"]
    assert public["fields"] == ["name", "phone"] and public["once_per"] == ["phone"]
    assert public["params"] == {"ref": None, "gclid": None}
    assert app.test_client().get("/f/crm/join").status_code == 200


def test_a_refused_setting_is_named_and_nothing_is_saved(crm, app):
    with logged_in(app) as client:
        client.post(PAGE + "/public", data={"enabled": "1", "slug": "Bad Slug!"})
        html = client.get(PAGE).get_data(True)
        assert "/capture/public/slug" in html
    assert "capture" not in crm.ok("GET", "/apps/crm/forms/lead")


def test_webhooks_are_added_tried_and_watched_by_admins(crm, app):
    mapping = {"name": "$.who.name", "phone": {"path": "$.tel", "formula": '"+86" & {value}'}}
    with logged_in(app) as client:
        client.post(PAGE + "/webhooks", data={"key": "ads", "mapping": '{"name": "$.name"}'})
        client.post(PAGE + "/webhooks", data={
            "index": "0", "key": "ads", "mapping": json.dumps(mapping),
            "signature_header": "X-Sign", "delivery_id": "$.id", "publish": "1"})
        tried = client.post(PAGE + "/_try", data={
            "mapping": json.dumps(mapping), "payload": '{"who": {"name": "王伟"}, "tel": "1"}'})
        text = tried.get_data(True)
        assert "王伟" in text and "+861" in text and "$.who.name" in text
        html = client.get(PAGE).get_data(True)
        assert "/hooks/" in html and "Signing secret" in html and "Nothing has arrived" in html
        info = crm.ok("GET", "/apps/crm/forms/lead/webhooks/ads")
        assert info["url"] in html and info["secret"] in html
        client.post(PAGE + "/webhooks/ads/rotate", data={"secret": "the-senders-secret"})
    assert crm.ok("GET", "/apps/crm/forms/lead/webhooks/ads")["secret"] == "the-senders-secret"


def test_the_owner_of_public_submissions_is_picked_by_name(crm, app, factory):
    """The owner was a box for a user id: it is a people picker showing the chosen name."""
    owner = factory.user("olivia@example.com", ["member"], name="Olivia Owner")
    with logged_in(app) as client:
        html = client.get(PAGE).get_data(True)
        assert 'name="owner" data-widget="user"' in html and "user id" not in html
        client.post(PAGE + "/public", data={"enabled": "1", "slug": "join", "show_name": "1",
                                            "owner": str(owner)})
        html = client.get(PAGE).get_data(True)
        assert f'<option value="{owner}" selected>Olivia Owner</option>' in html
    assert crm.ok("GET", "/apps/crm/forms/lead")["capture"]["public"]["owner"] == owner

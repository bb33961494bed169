"""What each process caches (token principals, compiled plans: see metadata.stamps) follows
every change at once: the next request in every gunicorn worker sees a revoked token, a new
role, a new publish, although the change was made by another process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.integration.test_serve import free_port, wait_for
from tests.support import Factory

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2
TRIES = 12  # requests per check: each of the workers answers some of them


@pytest.fixture
def server(app, database_url, tmp_path):
    """gunicorn with two workers on the test's database (the test's own app is a third
    process that makes the changes)."""
    port = free_port()
    env = {**os.environ, "TRELLIS_DATABASE_URL": database_url,
           "TRELLIS_INSTANCE_PATH": str(tmp_path / "served"), "TRELLIS_SECRET_KEY": "s",
           "TRELLIS_PACKAGES_DIR": str(tmp_path / "none")}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}",
         "app:create_app()"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/api/v1/openapi.json")
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def call(base: str, token: str, method: str, path: str, body: dict | None = None) -> int:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + "/api/v1" + path, data=data, method=method,
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json",
                                              "Connection": "close"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def statuses(base: str, token: str, method: str, path: str, body: dict | None = None
             ) -> set[int]:
    return {call(base, token, method, path, body) for _ in range(TRIES)}


@pytest.fixture
def crm(app):
    factory = Factory(app)
    admin = factory.api(factory.user("admin@example.com", ["admin"]))
    factory.app_doc(admin)
    factory.form(admin, {"kind": "form", "key": "lead", "label": {"en": "Lead"}, "fields": [
        {"key": "name", "type": "text", "label": {"en": "Name"}}]})
    return factory, admin


def test_a_revoked_token_is_refused_by_every_worker_at_once(app, server, crm):
    from app.auth import service
    from app.auth.models import ApiToken, User

    factory, admin = crm
    assert statuses(server, admin.token, "GET", "/apps/crm/forms/lead/records") == {200}
    runtime = app.extensions["trellis"]
    with runtime.session() as session, session.begin():
        token = session.scalar(sa.select(ApiToken).order_by(ApiToken.id.desc()))
        service.revoke_token(session, token.id, session.get(User, admin.user_id),
                             runtime.clock.now())
    assert statuses(server, admin.token, "GET", "/apps/crm/forms/lead/records") == {401}


def test_a_changed_role_holds_in_every_worker_at_once(app, server, crm):
    from app.auth import service
    from app.auth.models import User

    factory, _admin = crm
    member = factory.api(factory.user("ann@example.com", ["member"]))
    assert statuses(server, member.token, "GET", "/apps/crm/export") == {403}
    runtime = app.extensions["trellis"]
    with runtime.session() as session, session.begin():
        user = session.get(User, member.user_id)
        user.roles.append(service.get_role(session, "designer"))
    assert statuses(server, member.token, "GET", "/apps/crm/export") == {200}
    with runtime.session() as session, session.begin():
        user = session.get(User, member.user_id)
        user.roles = [service.get_role(session, "member")]
    assert statuses(server, member.token, "GET", "/apps/crm/export") == {403}


def test_a_new_publish_is_used_by_every_worker_at_once(server, crm):
    factory, admin = crm
    record = {"name": "Ann", "phone": "+8613800138000"}
    path = "/apps/crm/forms/lead/records"
    assert statuses(server, admin.token, "POST", path, record) == {422}  # no phone field yet
    factory.form(admin, {"kind": "form", "key": "lead", "label": {"en": "Lead"}, "fields": [
        {"key": "name", "type": "text", "label": {"en": "Name"}},
        {"key": "phone", "type": "phone", "label": {"en": "Phone"}}]})
    assert statuses(server, admin.token, "POST", path, record) == {201}


def test_a_publish_that_rolls_back_leaves_no_plan_behind(app, crm):
    """A plan read inside the publishing transaction is not cached: the transaction may roll
    back, and a later publish would get the same stamp."""
    runtime = app.extensions["trellis"]
    body = {"kind": "form", "key": "lead", "label": {"en": "Lead"}, "fields": [
        {"key": "name", "type": "text", "label": {"en": "Name"}},
        {"key": "phone", "type": "phone", "label": {"en": "Phone"}}]}
    with runtime.session() as session:
        with session.begin():
            doc = runtime.store.save_draft(session, "crm", "form", "lead", body)
            runtime.publish(session, doc, None)
            assert "phone" in runtime.plan(session, "crm", "lead").by_key
            session.rollback()
        with session.begin():
            assert "phone" not in runtime.plan(session, "crm", "lead").by_key


def test_a_deactivated_user_loses_api_access_at_once(app, crm):
    from app.auth.models import User

    factory, admin = crm
    client = app.test_client()
    path = "/api/v1/apps/crm/forms/lead/records"
    headers = {"Authorization": f"Bearer {admin.token}"}
    assert client.get(path, headers=headers).status_code == 200
    runtime = app.extensions["trellis"]
    with runtime.session() as session, session.begin():
        session.get(User, admin.user_id).active = False
    assert client.get(path, headers=headers).status_code == 401

"""The ``trellis`` command line, run through Flask's CLI runner against the test database."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.integration.helpers import assert_error, field, form_doc, publish, rows, table_names
from tests.support import ApiClient

PACKAGES = sorted((Path(__file__).resolve().parents[2] / "metadata" / "packages").glob("*.json"))


@pytest.fixture
def cli(app):
    return app.test_cli_runner()


def user_id(runtime, email: str) -> int:
    return rows(runtime, "SELECT id FROM users WHERE email = :e", e=email)[0]["id"]


def roles_of(runtime, email: str) -> set[str]:
    return {r["role_key"] for r in rows(
        runtime, "SELECT role_key FROM user_roles JOIN users ON users.id = user_id "
                 "WHERE email = :e", e=email)}


# -- init-db -----------------------------------------------------------------------------------
def test_init_db_on_an_empty_database(fresh_app):
    app = fresh_app(migrate=False)
    runtime = app.extensions["trellis"]
    assert "users" not in table_names(runtime)
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "database ready" in result.stdout
    assert {"users", "roles", "teams", "api_tokens", "documents", "document_versions",
            "form_tables", "audit_log", "attachments"} <= table_names(runtime)
    assert {r["key"] for r in rows(runtime, "SELECT key FROM roles")} == {
        "admin", "designer", "member"}
    # and again: nothing to do, nothing broken
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert len(rows(runtime, "SELECT key FROM roles")) == 3


def test_commands_work_on_a_database_never_initialised(fresh_app):
    app = fresh_app(migrate=False)
    result = app.test_cli_runner().invoke(args=["create-user", "first@example.com", "--role",
                                                "admin", "--password", "password-123"])
    assert result.exit_code == 0, result.output
    assert "created user" in result.stdout


# -- create-user -------------------------------------------------------------------------------
def test_create_user(cli, runtime):
    result = cli.invoke(args=["create-user", "ann@example.com", "--password", "password-123"])
    assert result.exit_code == 0, result.output
    assert "created user" in result.stdout and "ann@example.com" in result.stdout
    assert roles_of(runtime, "ann@example.com") == {"member"}  # the default role
    result = cli.invoke(args=["create-user", "ben@example.com", "--role", "admin", "--role",
                              "designer", "--password", "password-123", "--name", "Ben",
                              "--team", "north", "--team", "south", "--locale", "en"])
    assert result.exit_code == 0, result.output
    assert roles_of(runtime, "ben@example.com") == {"admin", "designer"}
    ben = rows(runtime, "SELECT name, locale, password_hash FROM users WHERE email = :e",
               e="ben@example.com")[0]
    assert ben["name"] == "Ben" and ben["locale"] == "en"
    assert "password-123" not in ben["password_hash"]  # hashed
    teams = rows(runtime, "SELECT teams.name FROM teams JOIN team_members ON teams.id = "
                          "team_id WHERE user_id = :u ORDER BY teams.name",
                 u=user_id(runtime, "ben@example.com"))
    assert [t["name"] for t in teams] == ["north", "south"]
    from app.auth import service

    with runtime.session() as session:
        assert service.check_login(session, "BEN@example.com", "password-123") is not None
        assert service.check_login(session, "ben@example.com", "wrong-password") is None


def test_create_user_with_a_custom_role(cli, runtime):
    result = cli.invoke(args=["create-user", "aud@example.com", "--role", "auditor",
                              "--password", "password-123"])
    assert result.exit_code == 0, result.output
    assert roles_of(runtime, "aud@example.com") == {"auditor"}
    assert "auditor" in {r["key"] for r in rows(runtime, "SELECT key FROM roles")}


def test_create_user_prompts_for_the_password(cli, runtime):
    result = cli.invoke(args=["create-user", "p@example.com"],
                        input="password-123\npassword-123\n")
    assert result.exit_code == 0, result.output
    assert "password-123" not in result.output  # not echoed
    from app.auth import service

    with runtime.session() as session:
        assert service.check_login(session, "p@example.com", "password-123") is not None


@pytest.mark.parametrize("args,message", [
    (["not-an-email"], "/email: must be an email address"),
    (["a@example.com", "--password", "short"], "/password: must be at least 8"),
    (["a@example.com", "--role", "Bad Role"], "/role"),
    (["a@example.com", "--role", "select"], "SQL keyword"),
])
def test_create_user_refuses_bad_input(cli, runtime, args, message):
    if "--password" not in args:
        args = [*args, "--password", "password-123"]
    result = cli.invoke(args=["create-user", *args])
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.output
    assert rows(runtime, "SELECT count(*) AS n FROM users")[0]["n"] == 0


def test_create_user_refuses_a_taken_email(cli, runtime):
    cli.invoke(args=["create-user", "a@example.com", "--password", "password-123"])
    result = cli.invoke(args=["create-user", "A@Example.com", "--password", "password-123"])
    assert result.exit_code == 1 and "already exists" in result.stderr
    assert rows(runtime, "SELECT count(*) AS n FROM users")[0]["n"] == 1


# -- create-token ------------------------------------------------------------------------------
def token_from(result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


def test_create_token_prints_it_alone_on_the_last_line_and_it_works(cli, app, runtime,
                                                                   factory):
    cli.invoke(args=["create-user", "root@example.com", "--role", "admin", "--password",
                     "password-123"])
    result = cli.invoke(args=["create-token", "root@example.com", "--name", "ci"])
    token = token_from(result)
    assert token.startswith("trl_") and " " not in token
    assert len(result.stdout.strip().splitlines()) >= 2  # an explanation before it
    api = ApiClient(app, token, user_id(runtime, "root@example.com"))
    factory.app_doc(api)
    publish(api, form_doc("contact", [field("name")]))
    assert api.create("crm", "contact", {"name": "from the CLI token"})["name"] \
        == "from the CLI token"
    # stored hashed, never in clear
    stored = rows(runtime, "SELECT token_hash, prefix, name, scopes FROM api_tokens")
    assert token not in json.dumps(stored, default=str)
    assert stored[0]["name"] == "ci"


def test_create_token_with_scopes(cli, app, runtime, factory, admin_api):
    factory.app_doc(admin_api)
    publish(admin_api, form_doc("contact", [field("name")]))
    cli.invoke(args=["create-user", "r@example.com", "--password", "password-123"])
    result = cli.invoke(args=["create-token", "R@example.com", "--scope", "records:read"])
    assert "records:read" in result.stdout
    api = ApiClient(app, token_from(result), user_id(runtime, "r@example.com"))
    assert api.get("/apps/crm/forms/contact/records").status_code == 200
    assert_error(api.post("/apps/crm/forms/contact/records", json={"name": "x"}), 403)


@pytest.mark.parametrize("args,message", [
    (["nobody@example.com"], "no user"),
    (["r@example.com", "--scope", "records:everything"], "/scopes"),
])
def test_create_token_refuses_bad_input(cli, runtime, args, message):
    cli.invoke(args=["create-user", "r@example.com", "--password", "password-123"])
    result = cli.invoke(args=["create-token", *args])
    assert result.exit_code == 1
    assert message in result.stderr and "Traceback" not in result.output
    assert rows(runtime, "SELECT count(*) AS n FROM api_tokens")[0]["n"] == 0


# -- import-app / export-app -------------------------------------------------------------------
def test_packages_ship():
    assert PACKAGES, "metadata/packages/ holds the app packages Trellis ships"


@pytest.mark.parametrize("package", PACKAGES, ids=lambda path: path.name)
def test_each_shipped_package_imports_and_exports_the_same_documents(cli, runtime, tmp_path,
                                                                      package):
    result = cli.invoke(args=["import-app", str(package)])
    assert result.exit_code == 0, result.output
    shipped = json.loads(package.read_text(encoding="utf-8"))
    key = shipped["app"]["key"]
    assert f"imported app {key}" in result.stdout
    result = cli.invoke(args=["export-app", key])
    assert result.exit_code == 0, result.output
    exported = json.loads(result.stdout)
    assert exported["app"] == shipped["app"]
    by_key = {(d["kind"], d["key"]): d for d in shipped["documents"]}
    assert {(d["kind"], d["key"]): d for d in exported["documents"]} == by_key
    for kind, form in by_key:
        if kind == "form":
            assert f"{key}__{form}" in table_names(runtime)
    # importing it again changes nothing
    versions = rows(runtime, "SELECT count(*) AS n FROM document_versions")[0]["n"]
    result = cli.invoke(args=["import-app", str(package)])
    assert result.exit_code == 0, result.output
    assert rows(runtime, "SELECT count(*) AS n FROM document_versions")[0]["n"] == versions
    # and the exported file imports elsewhere as the same app
    out = tmp_path / "export.json"
    assert cli.invoke(args=["export-app", key, "-o", str(out)]).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8")) == exported


def test_import_errors_exit_1(cli, tmp_path, runtime):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "trellis-app-package", "format_version": 1,
                               "app": {"kind": "app", "key": "crm", "label": "CRM"},
                               "documents": [form_doc("group", [field("name")])]}))
    result = cli.invoke(args=["import-app", str(bad)])
    assert result.exit_code == 1
    assert "error: /documents/0/key:" in result.stderr
    assert "crm__group" not in table_names(runtime)


# -- tick --------------------------------------------------------------------------------------
def upload(api, name: str) -> str:
    response = api.post("/files", data={"file": (io.BytesIO(b"data"), name, "text/plain")},
                        content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_tick_runs_due_periodic_tasks(cli, runtime, admin_api, factory):
    factory.app_doc(admin_api)
    publish(admin_api, form_doc("doc", [field("files", "attachment")]))
    runtime.clock.set(datetime(2025, 12, 1, tzinfo=UTC))
    orphan = upload(admin_api, "orphan.txt")
    kept = upload(admin_api, "kept.txt")
    admin_api.create("crm", "doc", {"files": [kept]})
    runtime.clock.set(datetime(2025, 12, 31, 12, tzinfo=UTC))
    recent = upload(admin_api, "recent.txt")
    runtime.clock.reset()

    result = cli.invoke(args=["tick", "--now", "2026-01-01T00:00:00Z"])
    assert result.exit_code == 0, result.output
    assert "tick at 2026-01-01T00:00:00+00:00" in result.stdout
    assert "ran 12 task(s): purge_orphan_uploads, redeliver_events, purge_expired_exports, " \
           "resume_imports, resume_identity_scans, prune_rate_counters, run_rule_jobs, " \
           "run_scheduled_rules, decay_scores, resume_rescores, deliver_outbox, " \
           "run_workflows" in result.stdout
    left = {r["id"] for r in rows(runtime, "SELECT id FROM attachments")}
    assert left == {kept, recent}
    assert not list(runtime.upload_dir.rglob(orphan))
    assert list(runtime.upload_dir.rglob(kept))
    # not due again within its interval; due an hour later
    result = cli.invoke(args=["tick", "--now", "2026-01-01T00:30:00Z"])
    assert result.exit_code == 0
    assert "ran 8 task(s): redeliver_events, resume_imports, resume_identity_scans, " \
           "run_rule_jobs, run_scheduled_rules, resume_rescores, deliver_outbox, " \
           "run_workflows" in result.stdout
    result = cli.invoke(args=["tick", "--now", "2026-01-01T09:00:00+08:00"])
    assert "ran 12 task(s): purge_orphan_uploads" in result.stdout
    assert "tick at 2026-01-01T01:00:00+00:00" in result.stdout
    assert {r["id"] for r in rows(runtime, "SELECT id FROM attachments")} == {kept, recent}


@pytest.mark.parametrize("value,message", [
    ("yesterday", "not an ISO 8601 time"),
    ("2026-13-01T00:00:00Z", "not an ISO 8601 time"),
    ("2026-01-01T00:00:00", "needs a timezone"),
    ("", None),
])
def test_tick_with_a_bad_time_says_so(cli, runtime, value, message):
    result = cli.invoke(args=["tick", "--now", value])
    if message is None:  # an empty --now means now
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code != 0
    assert message in result.stderr and "Traceback" not in result.output
    assert rows(runtime, "SELECT count(*) AS n FROM periodic_runs")[0]["n"] == 0


def test_help_lists_the_commands(cli):
    result = cli.invoke(args=["--help"])
    for command in ("init-db", "create-user", "create-token", "import-app", "export-app",
                    "tick", "worker", "run"):
        assert command in result.output


def test_init_db_names_the_database_it_set_up(cli, runtime):
    result = cli.invoke(args=["init-db"])
    assert result.exit_code == 0
    assert runtime.engine.url.get_backend_name() in result.stdout

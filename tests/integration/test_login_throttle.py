"""Log-in throttling: per account and real client address, shared by every process, never
letting one person's failures (or an attacker's) lock out somebody else."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.auth.devices import COOKIE

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "password-123"
PROXY = "127.0.0.1"  # nginx on the same machine, as in docs/deployment.md


def post_login(client, email: str, password: str = "nope", address: str = PROXY,
               forwarded_for: str | None = None, lang: str = "en"):
    headers = {"Accept-Language": lang}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    return client.post("/login", data={"email": email, "password": password},
                       headers=headers, environ_base={"REMOTE_ADDR": address})


def fail(client, email: str, times: int, **where) -> None:
    for n in range(times):
        response = post_login(client, email, **where)
        assert response.status_code == 401, (n, response.status_code)


def counts(app) -> dict[str, int]:
    with app.extensions["trellis"].engine.connect() as conn:
        return dict(conn.execute(sa.text("SELECT key, failures FROM login_failures")).all())


@pytest.fixture
def people(factory):
    for email in ("ann@example.com", "bob@example.com"):
        factory.user(email, ["member"])


def test_a_pair_is_locked_with_retry_after_and_a_page_saying_when(app, client, people):
    fail(client, "ann@example.com", 5)
    locked = post_login(client, "ann@example.com", PASSWORD)  # even the right password waits
    assert locked.status_code == 429
    assert 890 <= int(locked.headers["Retry-After"]) <= 900
    page = locked.get_data(as_text=True)
    assert "Too many failed log-ins. Try again at" in page and "in 15 minutes" in page
    zh = post_login(client, "ann@example.com", lang="zh-CN").get_data(as_text=True)
    assert "登录失败次数过多。请在" in zh and "15分钟后" in zh

    # nobody else is affected: another account here, the same account from elsewhere
    assert post_login(app.test_client(), "bob@example.com", PASSWORD).status_code == 302
    assert post_login(app.test_client(), "ann@example.com", PASSWORD,
                      address="198.51.100.7").status_code == 302

    clock = app.extensions["trellis"].clock
    clock.set(clock.now() + timedelta(minutes=15, seconds=1))
    assert post_login(client, "ann@example.com", PASSWORD).status_code == 302


def test_two_clients_behind_one_proxy_do_not_lock_each_other_out(fresh_app):
    app = fresh_app(TRUSTED_PROXIES=1)
    from tests.support import Factory

    Factory(app).user("ann@example.com", ["member"])
    guesser, owner = app.test_client(), app.test_client()
    fail(guesser, "ann@example.com", 5, forwarded_for="203.0.113.5")
    assert post_login(guesser, "ann@example.com", forwarded_for="203.0.113.5").status_code == 429
    # the other person behind the same nginx: their own address, their own count
    assert post_login(owner, "ann@example.com", PASSWORD,
                      forwarded_for="198.51.100.7").status_code == 302
    # a forged X-Forwarded-For is to the left of what nginx appends: it changes nothing
    spoofed = post_login(guesser, "ann@example.com", forwarded_for="10.9.9.9, 203.0.113.5")
    assert spoofed.status_code == 429


def test_without_trusted_proxies_forwarded_for_is_ignored(app, client, people):
    for n in range(5):
        post_login(client, "ann@example.com", forwarded_for=f"10.0.0.{n}")
    assert post_login(client, "ann@example.com", forwarded_for="10.0.0.99").status_code == 429
    assert set(counts(app)) >= {"pair:ann@example.com|127.0.0.1", "address:127.0.0.1"}


def test_one_accounts_lock_does_not_lock_the_others_behind_the_same_address(app, people):
    """Everyone behind one address (the documented nginx without TRUSTED_PROXIES): ten wrong
    passwords used to lock all of them out."""
    fail(app.test_client(), "ann@example.com", 5)
    fail(app.test_client(), "nobody@example.com", 5)  # unknown accounts count the same way
    assert post_login(app.test_client(), "bob@example.com", PASSWORD).status_code == 302


def test_credential_stuffing_from_one_address_locks_that_address(app, people):
    stuffer = app.test_client()
    for n in range(50):
        assert post_login(stuffer, f"user{n}@example.com", address="203.0.113.9").status_code \
            == 401
    locked = post_login(stuffer, "bob@example.com", PASSWORD, address="203.0.113.9")
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 800
    assert post_login(app.test_client(), "bob@example.com", PASSWORD,
                      address="198.51.100.7").status_code == 302


def test_a_guessing_attack_from_many_addresses_cannot_lock_the_owner_out(app, people):
    owner = app.test_client()
    assert post_login(owner, "ann@example.com", PASSWORD, address="192.0.2.10").status_code \
        == 302
    assert owner.get_cookie(COOKIE) is not None
    owner.post("/logout")
    for n in range(20):  # one guess from each of twenty addresses: no pair or address limit
        assert post_login(app.test_client(), "ann@example.com",
                          address=f"203.0.113.{n}").status_code == 401
    stranger = post_login(app.test_client(), "ann@example.com", PASSWORD, address="203.0.113.99")
    assert stranger.status_code == 429 and int(stranger.headers["Retry-After"]) == 30
    # the owner's browser, from yet another address, is trusted for the account: it logs in
    assert post_login(owner, "ann@example.com", PASSWORD, address="198.51.100.1").status_code \
        == 302


def test_a_trusted_browser_has_its_own_limit(app, people):
    browser = app.test_client()
    assert post_login(browser, "ann@example.com", PASSWORD).status_code == 302
    browser.post("/logout")
    fail(browser, "ann@example.com", 5)
    assert post_login(browser, "ann@example.com", PASSWORD).status_code == 429
    assert [k for k in counts(app) if k.startswith("device:")] and not [
        k for k in counts(app) if k.startswith(("pair:", "account:"))]
    # another browser at the same address is not the device that failed
    assert post_login(app.test_client(), "ann@example.com", PASSWORD).status_code == 302


def test_counters_quiet_for_a_window_start_again_or_are_forgotten(app, client):
    fail(client, "ann@example.com", 4)
    clock = app.extensions["trellis"].clock
    clock.set(clock.now() + timedelta(minutes=16))
    fail(client, "bob@example.com", 1)
    assert counts(app) == {"pair:bob@example.com|127.0.0.1": 1, "address:127.0.0.1": 1,
                           "account:bob@example.com": 1}
    fail(client, "ann@example.com", 4)  # four more: ann's earlier four no longer count


def test_the_count_is_shared_by_app_instances_on_one_database(app, database_url, tmp_path,
                                                              people):
    from app import create_app

    other = create_app({**app.config, "INSTANCE_PATH": str(tmp_path / "other")})
    try:
        fail(app.test_client(), "ann@example.com", 3)
        fail(other.test_client(), "ann@example.com", 2)
        assert post_login(app.test_client(), "ann@example.com").status_code == 429
        assert post_login(other.test_client(), "ann@example.com").status_code == 429
    finally:
        other.extensions["trellis"].engine.dispose()


WORKER = textwrap.dedent("""
    import sys
    from app import create_app

    url, instance, tries, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    app = create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_PATH": instance,
                      "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
                      "LOGIN_PAIR_LIMIT": limit, "LOGIN_ADDRESS_LIMIT": limit,
                      "LOGIN_ACCOUNT_LIMIT": limit})
    client = app.test_client()
    statuses = [client.post("/login", data={"email": "ann@example.com", "password": "x"},
                            environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code
                for _ in range(tries)]
    print(" ".join(map(str, statuses)))
""")


def run_processes(database_url: str, tmp_path: Path, processes: int, tries: int,
                  limit: int) -> list[str]:
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, database_url,
                                 str(tmp_path / f"instance{n}"), str(tries), str(limit)],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for n in range(processes)]
    outputs = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        outputs.append(out.strip())
    return outputs


def test_concurrent_processes_share_one_count(app, database_url, tmp_path):
    outputs = run_processes(database_url, tmp_path, processes=4, tries=10, limit=1000)
    assert all(out == " ".join(["401"] * 10) for out in outputs)
    assert counts(app) == {"pair:ann@example.com|127.0.0.1": 40, "address:127.0.0.1": 40,
                           "account:ann@example.com": 40}


def test_a_lock_reached_in_several_processes_holds_in_every_process(app, client,
                                                                     database_url, tmp_path):
    """Each gunicorn worker kept its own count: four workers let forty guesses through."""
    outputs = run_processes(database_url, tmp_path, processes=3, tries=2, limit=5)
    assert sorted(" ".join(outputs).split()) == ["401"] * 5 + ["429"]
    assert post_login(client, "ann@example.com").status_code == 429

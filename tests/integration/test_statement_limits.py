"""Bounded SQL work: a statement time limit per request (503 with a message, the session rolled
back and usable), background work with its own limit, reads that cannot write, and API tokens
that record their use in a short write of their own. On SQLite and on PostgreSQL."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from metadata.orm import Base
from runtime.storage.transactions import StatementTimeout, WriteInReadTransaction
from tests.conftest import PG_URL
from tests.integration.helpers import assert_error, logged_in
from tests.integration.test_read_concurrency import ROWS, leads, slow_filter

# a count that takes seconds on both databases, in any transaction
SLOW_SQL = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000000) "
            "SELECT count(*) FROM c")


def test_a_slow_filter_is_stopped_at_the_limit_with_503(fresh_app):
    app = fresh_app(STATEMENT_TIMEOUT=0.5)
    api = leads(app)
    started = time.perf_counter()
    response = api.get("/apps/crm/forms/lead/records", query_string={"filter": slow_filter()})
    elapsed = time.perf_counter() - started
    assert_error(response, 503, "", "narrow the filter")
    assert "0.5 seconds" in response.get_json()["errors"][0]["message"]
    assert elapsed < 2.5, elapsed  # the limit, plus what the request does around it
    # the next request reads as usual
    assert api.records("crm", "lead", per_page=1)["total"] == ROWS


def test_the_list_page_says_so_and_still_lists(fresh_app):
    """The page's session is rolled back after the stop and lists without the slow filter."""
    app = fresh_app(STATEMENT_TIMEOUT=0.5)
    leads(app)
    client = logged_in(app)
    response = client.get("/a/crm/lead", query_string={"fx": slow_filter()})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:500]
    assert "narrow the filter" in html and 'class="alert alert-error"' in html
    assert html.count('href="/a/crm/lead/') >= 20  # the first page of the unfiltered list


def test_background_work_has_its_own_limit(fresh_app):
    app = fresh_app(STATEMENT_TIMEOUT=60, BACKGROUND_STATEMENT_TIMEOUT=0.3)
    runtime = app.extensions["trellis"]
    with runtime.session() as session:
        started = time.perf_counter()
        with pytest.raises(StatementTimeout):
            session.execute(sa.text(SLOW_SQL))
        assert time.perf_counter() - started < 1.5
        session.rollback()
        assert session.execute(sa.text("SELECT 1")).scalar() == 1  # usable again
    with runtime.session(timeout=0) as session:  # no limit when asked for none
        assert session.execute(sa.text("SELECT count(*) FROM users")).scalar() == 0


def test_a_commit_after_a_long_request_is_not_stopped(fresh_app):
    """The limit is per statement: a write whose request took longer still commits."""
    app = fresh_app(STATEMENT_TIMEOUT=0.2)
    runtime = app.extensions["trellis"]
    users = Base.metadata.tables["users"]
    with app.test_request_context("/", method="POST"):
        from runtime.web import db_session

        session = db_session()
        session.execute(users.insert().values(email="late@example.com", name="Late",
                                              password_hash="x", locale="en", active=True,
                                              created_at=runtime.clock.now()))
        time.sleep(0.4)
        session.commit()
    with runtime.session() as session:
        assert session.execute(sa.select(users.c.name)).scalars().all() == ["Late"]


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_a_read_request_cannot_write(app, method):
    """A GET's transaction is read-only (SQLite query_only, PostgreSQL READ ONLY): a write in
    it fails at once instead of trying to take SQLite's write lock half-way (SQLITE_BUSY)."""
    users = Base.metadata.tables["users"]
    with app.test_request_context("/", method=method):
        from runtime.web import db_session

        session = db_session()
        assert session.execute(sa.select(sa.func.count()).select_from(users)).scalar() == 0
        with pytest.raises(WriteInReadTransaction):
            session.execute(users.update().values(name="x"))
        session.rollback()
    with app.test_request_context("/", method="POST"):
        from runtime.web import db_session

        assert db_session().execute(users.update().values(name="x")).rowcount == 0


def test_token_use_is_recorded_at_most_once_a_minute(app, factory):
    from app.auth.models import ApiToken

    runtime = app.extensions["trellis"]
    start = runtime.clock.now().replace(microsecond=0)
    runtime.clock.set(start)
    api = factory.api(factory.user("ann@example.com", ["member"]))

    def last_used():
        with runtime.session(read_only=True) as session:
            return session.scalar(sa.select(ApiToken.last_used_at))

    api.ok("GET", "/apps")
    assert last_used() == start
    runtime.clock.set(start + timedelta(seconds=50))
    api.ok("GET", "/apps")
    assert last_used() == start  # within the minute: no write at all
    runtime.clock.set(start + timedelta(seconds=61))
    api.ok("GET", "/apps")
    assert last_used() == start + timedelta(seconds=61)


@pytest.mark.parametrize("size", [24, 28, 3_000])
def test_the_formula_check_runs_regex_in_linear_time(app, factory, size):
    """REGEX_MATCH("aaaa…a!", "(a+)+$") through the formula check took 2.1 s at 24 characters
    and killed a gunicorn worker at 28 (Python's re backtracks; RE2 does not): backtracking
    doubles with each character, so even on a loaded machine 3 s tells the two apart."""
    api = leads(app, rows=0)
    api.ok("POST", "/apps/crm/forms/lead/formula", json={"formula": '{name} = "a"'})  # warm
    formula = f'REGEX_MATCH({{name}}, "(a+)+$") OR REGEX_MATCH("{"a" * size}!", "^(a|aa)*$")'
    started = time.perf_counter()
    answer = api.ok("POST", "/apps/crm/forms/lead/formula",
                    json={"formula": formula, "record": {"name": "a" * min(size, 9_999) + "!"}})
    assert answer["value"] is False
    assert time.perf_counter() - started < 3.0
    refused = api.ok("POST", "/apps/crm/forms/lead/formula",
                     json={"formula": 'REGEX_MATCH({name}, "(a)\\1")'})
    assert refused["ok"] is False and "back-references" in refused["error"]["message"]
    assert refused["error"]["column"] == 25  # the \1 inside the pattern


@pytest.mark.parametrize("formula", [
    "ABS(-9223372036854775807 - {version}) > 0",  # SQLite and PostgreSQL stop it
    "{version} * 9223372036854775807 * 10 > 0",  # PostgreSQL stops it, SQLite goes decimal
    "{version} * 1e18 * 1e18 * 1e18 * 1e18 * 1e18 * 1e18 * 1e18 * 1e18 * 1e18 * 1e18 "
    "* 1e18 * 1e18 * 1e18 * 1e18 * 1e18 * 1e18 * 1e18 * 1e18 > 0",
])
def test_arithmetic_beyond_the_database_is_a_400(app, formula):
    """Arithmetic the database cannot hold was an internal error (500) on PostgreSQL."""
    api = leads(app, rows=2)
    response = api.get("/apps/crm/forms/lead/records", query_string={"filter": formula})
    if response.status_code == 200:  # SQLite computes on in decimals where it can
        assert not PG_URL.startswith("postgresql")
        return
    assert_error(response, 400, "/filter", "too large for the database")
    assert api.records("crm", "lead")["total"] == 2

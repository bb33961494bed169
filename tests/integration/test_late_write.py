"""Late writes (runtime.storage.transactions): a web request that may write reads without the
write lock and takes it at its first write or locking read, so on SQLite the lock is held for
the statements that write, not for the request's checks. On both databases the write then sees
what others committed meanwhile (as PostgreSQL's READ COMMITTED does); on SQLite, once it holds
the lock, other writers wait."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.auth.models import User

USERS = User.__table__


def _user(runtime, email: str) -> dict:
    return {"email": email, "name": email.split("@")[0], "password_hash": "x", "locale": "en",
            "active": True, "created_at": runtime.clock.now()}


def _emails(session) -> list[str]:
    return sorted(session.execute(sa.select(USERS.c.email)).scalars())


def _is_sqlite(app) -> bool:
    return app.extensions["trellis"].engine.dialect.name == "sqlite"


def test_a_late_write_lets_others_write_while_it_reads(app):
    runtime = app.extensions["trellis"]
    with runtime.session(late_write=True) as late, late.begin():
        before = _emails(late)
        # another writer neither waits for it nor makes it fail later
        with runtime.session(lock_wait=0.2) as other, other.begin():
            other.execute(USERS.insert().values(_user(runtime, "other@example.com")))
        late.execute(USERS.insert().values(_user(runtime, "late@example.com")))
        # from its first write on it sees what was committed meanwhile
        assert _emails(late) == sorted([*before, "other@example.com", "late@example.com"])
    with runtime.session(read_only=True) as session:
        assert {"other@example.com", "late@example.com"} <= set(_emails(session))


def test_once_it_writes_other_writers_wait(app):
    if not _is_sqlite(app):
        pytest.skip("PostgreSQL writers of different rows never wait for each other")
    runtime = app.extensions["trellis"]
    with runtime.session(late_write=True) as late, late.begin():
        late.execute(USERS.insert().values(_user(runtime, "late@example.com")))
        with runtime.session(lock_wait=0.2) as other:
            with pytest.raises(sa.exc.OperationalError, match="locked"):
                other.execute(USERS.insert().values(_user(runtime, "other@example.com")))
            other.rollback()


@pytest.mark.parametrize("how", ["core", "orm"])
def test_a_locking_read_takes_the_lock_first(app, how):
    """A read FOR UPDATE (a record about to be updated) is as good as a write: on SQLite the
    lock is taken before it reads, so what it read cannot change under it."""
    if not _is_sqlite(app):
        pytest.skip("PostgreSQL locks the rows read FOR UPDATE, not the database")
    runtime = app.extensions["trellis"]
    with runtime.session() as session, session.begin():
        session.execute(USERS.insert().values(_user(runtime, "row@example.com")))
    with runtime.session(late_write=True) as late, late.begin():
        if how == "core":
            late.execute(sa.select(USERS.c.id).with_for_update()).all()
        else:
            late.get(User, 1, with_for_update=True)
        with runtime.session(lock_wait=0.2) as other:
            with pytest.raises(sa.exc.OperationalError, match="locked"):
                other.execute(USERS.insert().values(_user(runtime, "other@example.com")))
            other.rollback()


def test_a_late_write_that_only_reads_never_locks(app):
    runtime = app.extensions["trellis"]
    with runtime.session(late_write=True) as late, late.begin():
        _emails(late)
        with runtime.session(lock_wait=0.2) as other, other.begin():
            other.execute(USERS.insert().values(_user(runtime, "other@example.com")))


def test_requests_that_may_write_are_late_writes(app):
    from runtime.storage.transactions import kind_of
    from runtime.web import db_session

    with app.test_request_context("/", method="POST"):
        assert kind_of(db_session().get_bind().get_execution_options()).late_write
    with app.test_request_context("/", method="GET"):
        kind = kind_of(db_session().get_bind().get_execution_options())
        assert kind.read_only and not kind.late_write

"""The engine: SQLite with foreign keys, WAL and transactional DDL; or PostgreSQL.

Every transaction is the kind its session asks for (``runtime.storage.transactions``): a read
or a write, with or without a statement time limit.
"""

from __future__ import annotations

import sqlite3
import time

import orjson
import psycopg
import sqlalchemy as sa
from sqlalchemy import event

from app import checkpoints
from runtime.formula import sqlfunctions
from runtime.storage.transactions import (
    READING,
    NumberOutOfRange,
    StatementTimeout,
    WriteInReadTransaction,
    kind_of,
    take_write_lock,
)

BUSY_TIMEOUT = 30.0  # seconds a SQLite write waits for the write lock by default
PROGRESS_STEPS = 1000  # SQLite virtual machine steps between two looks at the deadline


def _json(value) -> str:
    # orjson: the audit log and JSON columns serialise a value per row on bulk writes
    return orjson.dumps(value).decode()


def make_engine(url: str) -> sa.Engine:
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT},
                                  json_serializer=_json)
        _sqlite_events(engine)
        checkpoints.attach(engine)
        return engine
    engine = sa.create_engine(url, pool_pre_ping=True, json_serializer=_json)
    _postgresql_events(engine)
    return engine


class Deadline:
    """When the running SQLite statement must stop: SQLite's progress handler asks it every
    PROGRESS_STEPS steps and interrupts the statement (``interrupted``) once it has passed."""

    __slots__ = ("at", "fired")

    def __init__(self) -> None:
        self.at: float | None = None
        self.fired = False

    def start(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds if seconds else None
        self.fired = False

    def clear(self) -> None:
        self.at = None

    def __call__(self) -> int:
        if self.at is not None and time.monotonic() > self.at:
            self.fired = True
            return 1
        return 0


CACHE_KIB = 32 * 1024
MMAP_BYTES = 256 * 1024 * 1024


def _connection_pragmas(dbapi_connection) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # pages kept per connection (32 MiB, not the default 2 MiB: a form of 100k records and its
    # indexes outgrow that, and every insert then reads pages back from the OS) and reads
    # through a memory map (shared by the process's connections)
    cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    cursor.close()


def _sqlite_events(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, record):
        # pysqlite would otherwise not wrap DDL in a transaction: take over BEGIN ourselves, so
        # a failed publish leaves the table exactly as it was (SQLAlchemy's documented recipe).
        dbapi_connection.isolation_level = None
        _connection_pragmas(dbapi_connection)
        sqlfunctions.register_sqlite(dbapi_connection)
        record.info["deadline"] = deadline = Deadline()
        record.info["pragmas"] = {}
        dbapi_connection.set_progress_handler(deadline, PROGRESS_STEPS)

    @event.listens_for(engine, "begin")
    def _begin(conn):
        kind = kind_of(conn.get_execution_options())
        wait = BUSY_TIMEOUT if kind.lock_wait is None else kind.lock_wait
        _pragma(conn, "query_only", int(kind.read_only))
        _pragma(conn, "busy_timeout", int(wait * 1000))
        conn.info[READING] = False
        conn.exec_driver_sql("BEGIN" if kind.read_only or kind.late_write else "BEGIN IMMEDIATE")
        conn.info[READING] = kind.late_write  # a write that has not taken the lock yet

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(conn, cursor, statement, parameters, context, executemany):
        options = context.execution_options if context is not None else \
            conn.get_execution_options()
        if conn.info.get(READING) and _writes(statement, context):
            take_write_lock(conn)  # a late write's first write
        conn.info["deadline"].start(kind_of(options).timeout)

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end(conn):
        conn.info["deadline"].clear()  # COMMIT itself is never interrupted

    @event.listens_for(engine, "handle_error")
    def _error(context):
        error, conn = context.original_exception, context.connection
        if not isinstance(error, sqlite3.OperationalError) or conn is None:
            return
        if conn.info.get("deadline") is not None and conn.info["deadline"].fired:
            raise StatementTimeout(kind_of(conn.get_execution_options()).timeout) from error
        if "readonly database" in str(error) and conn.info["pragmas"].get("query_only"):
            raise WriteInReadTransaction() from error
        if str(error) == "integer overflow":
            raise NumberOutOfRange() from error


def _writes(statement: str, context) -> bool:
    """Whether a statement writes or locks what it reads (anything but a plain SELECT)."""
    if statement.lstrip()[:6].upper() != "SELECT":
        return True
    compiled = getattr(context, "compiled", None)
    return getattr(getattr(compiled, "statement", None), "_for_update_arg", None) is not None


def _pragma(conn: sa.Connection, name: str, value: int) -> None:
    """Set a connection's pragma only when it changes (most transactions need no statement)."""
    pragmas = conn.info["pragmas"]
    if pragmas.get(name) != value:
        cursor = conn.connection.dbapi_connection.cursor()
        cursor.execute(f"PRAGMA {name}={value}")
        cursor.close()
        pragmas[name] = value


def _milliseconds(seconds: float | None) -> str:
    """A PostgreSQL time limit: whole milliseconds, at least one; none: the server's."""
    return "DEFAULT" if seconds is None else str(max(1, int(seconds * 1000)))


def _postgresql_events(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        sqlfunctions.register_postgresql(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _begin(conn):
        # the limits are the connection's (SET, not SET LOCAL), set when they change: most
        # transactions need no statement (a round trip each). A rollback undoes a SET made in
        # its transaction: the next one sets them again.
        kind = kind_of(conn.get_execution_options())
        wanted = {"statement_timeout": _milliseconds(kind.timeout or None),
                  "lock_timeout": _milliseconds(kind.lock_wait)}
        settings = conn.info.setdefault("settings", {})
        statements = ["SET TRANSACTION READ ONLY"] if kind.read_only else []
        statements += [f"SET {name} = {value}" for name, value in wanted.items()
                       if settings.get(name) != value]
        if statements:  # one round trip (psycopg begins the transaction before it)
            cursor = conn.connection.dbapi_connection.cursor()
            cursor.execute("; ".join(statements))
            cursor.close()
            settings.update(wanted)

    @event.listens_for(engine, "rollback")
    def _rolled_back(conn):
        conn.info.pop("settings", None)

    @event.listens_for(engine, "handle_error")
    def _error(context):
        error, conn = context.original_exception, context.connection
        timeout = kind_of(conn.get_execution_options()).timeout if conn is not None else 0
        if isinstance(error, psycopg.errors.QueryCanceled) and timeout:
            raise StatementTimeout(timeout) from error
        if isinstance(error, psycopg.errors.ReadOnlySqlTransaction):
            raise WriteInReadTransaction() from error
        if isinstance(error, psycopg.errors.NumericValueOutOfRange):
            raise NumberOutOfRange() from error

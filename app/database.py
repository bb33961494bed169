"""The engine: SQLite with foreign keys, WAL and transactional DDL; or PostgreSQL."""

from __future__ import annotations

import orjson
import sqlalchemy as sa
from sqlalchemy import event


def _json(value) -> str:
    # orjson: the audit log and JSON columns serialise a value per row on bulk writes
    return orjson.dumps(value).decode()


def make_engine(url: str) -> sa.Engine:
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30}, json_serializer=_json)
        _sqlite_pragmas(engine)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, json_serializer=_json)


def _sqlite_pragmas(engine: sa.Engine) -> None:
    # pysqlite would otherwise not wrap DDL in a transaction: take over BEGIN ourselves, so a
    # failed publish leaves the table exactly as it was (SQLAlchemy's documented recipe).
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")

"""How each database indexes a form's search table (``runtime.storage.search``) for substring
search, and finds the records whose search texts hold a needle.

- SQLite: an FTS5 table with the trigram tokenizer over the search table (external content: the
  index holds no copy of the texts), told of every row added or removed (triggers would do it
  too, but FTS5 flushes its pending terms at each trigger's savepoint: five times slower) —
  rows of small writes a moment later, many at once (``runtime.storage.search_backlog``;
  searches look through those rows meanwhile); a needle of three or more characters is a
  phrase of its trigrams.
- PostgreSQL: a pg_trgm GIN index per column, used by ``LIKE '%needle%'`` when the needle has
  three letters in a row (or is a gram between separators). The texts and the needles are in
  lower case already: LIKE finds what ILIKE would, and rechecks each row in half the time.
  Without the extension (it needs the right to ``CREATE EXTENSION``) the table has no index:
  searches scan it, as before, and publishing logs a warning.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from runtime.fields.roles.query import like_escape
from runtime.storage import search_backlog as backlog
from runtime.storage.names import within_limit
from runtime.storage.search import SEP, SearchTable

log = logging.getLogger(__name__)

SAFE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")  # what keys and the names made of them look like
ALNUM_RUN = re.compile(r"[^\W_]{3,}")  # three letters or digits in a row: pg_trgm's trigram
BACKLOG_BATCH = 2000  # records of the backlog indexed per statement
MISSING_TRGM = ("PostgreSQL's pg_trgm extension is not available (CREATE EXTENSION pg_trgm needs "
                "a superuser, once per database): searches in %s scan the table instead of "
                "using an index; run init-db after installing it")

# needles by the index columns they are looked for in
Groups = Mapping[str, list[str]]


class SearchIndex(Protocol):
    """One database's index over search tables."""

    sort_limit: int  # up to how many matches a page reads them all and sorts them

    def usable(self, needle: str) -> bool:
        """Whether the index finds the texts holding ``needle``."""
        ...
    def contains(self, column: sa.ColumnElement, needle: str) -> sa.ColumnElement[bool]: ...
    def hits(self, search: SearchTable, groups: Groups,
             scope: sa.ColumnElement[bool] | None) -> sa.Select:
        """The ids of the records found through the index, within a row scope over the
        search table (None: all)."""
        ...
    def first_hits(self, conn: sa.Connection, main: sa.Table, hits: sa.Select, cap: int
                   ) -> tuple[int, sa.ColumnElement[bool]]:
        """How many ids ``hits`` gives, up to cap + 1, and a clause keeping the rows of
        ``main`` among them (meant for cap or fewer)."""
        ...
    def add(self, conn: sa.Connection, search: SearchTable, rows: list[tuple]) -> None:
        """Add rows (``SearchTable.tuples``) to the table and its index."""
        ...
    def remove(self, conn: sa.Connection, search: SearchTable, ids: list[int]) -> None: ...
    def create(self, conn: sa.Connection, search: SearchTable) -> None:
        """Index a (filled) search table."""
        ...
    def present(self, conn: sa.Connection, search: SearchTable) -> bool: ...
    def drop(self, conn: sa.Connection, search: SearchTable) -> None:
        """Drop the search table and its index, if there."""
        ...


def index_for(dialect: sa.Dialect) -> SearchIndex:
    return TRIGRAM if dialect.name == "postgresql" else FTS5


def _checked(name: str) -> str:
    if not SAFE_NAME.match(name):  # names come from keys; never quote anything else in DDL
        raise ValueError(f"unsafe identifier {name!r}")
    return name


class Fts5Index:
    """SQLite: FTS5 with the trigram tokenizer (case-sensitive: the texts are lower case)."""

    sort_limit = 10_000  # FTS5 counts them from the index alone, in milliseconds

    def usable(self, needle: str) -> bool:
        return len(needle) >= 3

    def contains(self, column: sa.ColumnElement, needle: str) -> sa.ColumnElement[bool]:
        return column.like(f"%{like_escape(needle)}%", escape="\\")

    def hits(self, search: SearchTable, groups: Groups,
             scope: sa.ColumnElement[bool] | None) -> sa.Select:
        fts = sa.table(search.fts_name, sa.column("rowid"))
        phrases = [f"{{{' '.join(columns)}}} : {phrase(needle)}"
                   for needle, columns in groups.items()]
        table = search.table
        # and the records not indexed yet (search_backlog), their texts looked through
        found = sa.union_all(
            sa.select(fts.c.rowid.label("id")).where(
                sa.literal_column(f'"{search.fts_name}"').op("MATCH")(" OR ".join(phrases))),
            sa.select(table.c.id).where(table.c.id.in_(backlog.backlog_ids(search)), sa.or_(*(
                self.contains(table.c[column], needle)
                for needle, columns in groups.items() for column in columns))))
        # the scope's own rows (through the owner index), each looked up among the matches
        return sa.select(table.c.id).where(*([] if scope is None else [scope]),
                                           table.c.id.in_(found))

    def first_hits(self, conn: sa.Connection, main: sa.Table, hits: sa.Select, cap: int
                   ) -> tuple[int, sa.ColumnElement[bool]]:
        count = sa.select(sa.func.count()).select_from(hits.limit(cap + 1).subquery())
        return conn.execute(count).scalar_one(), main.c.id.in_(hits)

    def add(self, conn: sa.Connection, search: SearchTable, rows: list[tuple]) -> None:
        search.insert.run_values(conn, rows)
        if backlog.defer(conn, search, [row[0] for row in rows], self.index_backlog):
            return  # a few: indexed a moment later, many at once
        # the rowid (the record's id) and the texts: the row without its owner
        conn.exec_driver_sql(self._write(search, "rowid"), [
            (row[0], *row[2:]) for row in rows])

    def remove(self, conn: sa.Connection, search: SearchTable, ids: list[int]) -> None:
        table = search.table
        waiting = backlog.pending(conn, search, ids)  # never given to the index
        if waiting:
            backlog.forget(conn, search, waiting)
        indexed = [table.c.id, *(table.c[column] for column, _fld in search.fields)]
        stored = conn.execute(sa.select(*indexed).where(
            table.c.id.in_([i for i in ids if i not in waiting]))).all()
        if stored:  # the index forgets exactly the texts it was given
            conn.exec_driver_sql(self._write(search, f"{search.fts_name}, rowid"),
                                 [("delete", *row) for row in stored])
        conn.execute(table.delete().where(table.c.id.in_(ids)))

    def index_backlog(self, conn: sa.Connection, search: SearchTable) -> int:
        """Index the records of the form's backlog (``search_backlog``); how many."""
        table, done = search.table, 0
        texts = [table.c.id, *(table.c[column] for column, _fld in search.fields)]
        while ids := backlog.waiting(conn, search, BACKLOG_BATCH):
            rows = conn.execute(sa.select(*texts).where(table.c.id.in_(ids))).all()
            if rows:
                conn.exec_driver_sql(self._write(search, "rowid"), [tuple(r) for r in rows])
            backlog.forget(conn, search, ids)
            done += len(ids)
        return done

    @staticmethod
    def _write(search: SearchTable, first: str) -> str:
        columns = [_checked(column) for column, _fld in search.fields]
        marks = ", ".join("?" * (len(columns) + first.count(",") + 1))
        return (f"INSERT INTO {_checked(search.fts_name)}({first}, {', '.join(columns)}) "
                f"VALUES ({marks})")

    def create(self, conn: sa.Connection, search: SearchTable) -> None:
        fts, source = _checked(search.fts_name), _checked(search.name)
        listed = ", ".join(_checked(column) for column, _fld in search.fields)
        conn.exec_driver_sql(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({listed}, "
            f"content='{source}', content_rowid='id', tokenize='trigram case_sensitive 1')")
        conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
        backlog.forget(conn, search)  # every record of the table is in the index now

    def present(self, conn: sa.Connection, search: SearchTable) -> bool:
        query = sa.text("SELECT 1 FROM sqlite_master WHERE name = :name")
        return conn.execute(query, {"name": search.fts_name}).first() is not None

    def drop(self, conn: sa.Connection, search: SearchTable) -> None:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_checked(search.fts_name)}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_checked(search.name)}")
        backlog.forget(conn, search)


def phrase(needle: str) -> str:
    """An FTS5 phrase: the text in double quotes, its own doubled."""
    return '"' + needle.replace('"', '""') + '"'


class TrigramIndex:
    """PostgreSQL: a pg_trgm GIN index per column, searched with LIKE."""

    sort_limit = 1_000  # each match is read from the table to be checked: a few then

    def usable(self, needle: str) -> bool:
        return needle.startswith(SEP) or ALNUM_RUN.search(needle) is not None

    def contains(self, column: sa.ColumnElement, needle: str) -> sa.ColumnElement[bool]:
        return column.like(f"%{like_escape(needle)}%", escape="\\")

    def hits(self, search: SearchTable, groups: Groups,
             scope: sa.ColumnElement[bool] | None) -> sa.Select:
        table = search.table
        return sa.select(table.c.id).where(*([] if scope is None else [scope]), sa.or_(*(
            self.contains(table.c[column], needle)
            for needle, columns in groups.items() for column in columns)))

    def first_hits(self, conn: sa.Connection, main: sa.Table, hits: sa.Select, cap: int
                   ) -> tuple[int, sa.ColumnElement[bool]]:
        # the ids themselves: the page then reads those rows and sorts them, whatever the
        # planner would have guessed about how many match
        ids = list(conn.execute(hits.limit(cap + 1)).scalars())
        listed = sa.bindparam(None, ids, type_=postgresql.ARRAY(sa.Integer))
        return len(ids), main.c.id == sa.any_(listed)

    def add(self, conn: sa.Connection, search: SearchTable, rows: list[tuple]) -> None:
        search.insert.run_values(conn, rows)

    def remove(self, conn: sa.Connection, search: SearchTable, ids: list[int]) -> None:
        conn.execute(search.table.delete().where(search.table.c.id.in_(ids)))

    def create(self, conn: sa.Connection, search: SearchTable) -> None:
        schema = trigram_schema(conn)
        if schema is None:
            log.warning(MISSING_TRGM, search.name)
            return
        quote = conn.dialect.identifier_preparer.quote
        for column, _fld in search.fields:
            conn.exec_driver_sql(
                f'CREATE INDEX IF NOT EXISTS "{gin_name(search, column)}" ON '
                f'"{_checked(search.name)}" USING gin ("{_checked(column)}" '
                f'{quote(schema)}.gin_trgm_ops)')

    def present(self, conn: sa.Connection, search: SearchTable) -> bool:
        found = {ix["name"] for ix in sa.inspect(conn).get_indexes(search.name)}
        return all(gin_name(search, column) in found for column, _fld in search.fields)

    def drop(self, conn: sa.Connection, search: SearchTable) -> None:
        conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{_checked(search.name)}"')


def gin_name(search: SearchTable, column: str) -> str:
    return within_limit(f"sx_{search.name}_{column}")


def trigram_schema(conn: sa.Connection) -> str | None:
    """The schema of the pg_trgm extension, installed into ``public`` when missing and
    allowed (None: not available)."""
    query = sa.text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
                    "ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'")
    schema = conn.execute(query).scalar()
    if schema is not None:
        return schema
    try:
        with conn.begin_nested():
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
    except sa.exc.DBAPIError:
        pass  # not allowed, not installed, or made at the same moment by another transaction
    return conn.execute(query).scalar()


FTS5 = Fts5Index()
TRIGRAM = TrigramIndex()

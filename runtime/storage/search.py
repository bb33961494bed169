"""The search index of a form: what people type to find its records, kept beside its table.

Every searchable field (``QueryRole.searchable``) has a column in ``<table>___search`` holding its
search text: the texts its type says a person may type to find the value (``search_text``), in
NFKC lower case, followed by the one- and two-letter pieces of non-Latin text (``grams``: 王, 芳,
王芳), which let a search of one or two Chinese characters use the index too. The table has a row
per live record, with the record's owner (row scopes are about owners: a member's search is
narrowed in the index), written in the same transaction as the record (create, update, delete,
recalculation: ``runtime.storage.search_sync``); publishing rebuilds it when what is searched
changes (``signature``).

The database indexes the table for substring search (``runtime.storage.search_index``): SQLite
with an FTS5 trigram index, PostgreSQL with pg_trgm. ``runtime.storage.search_query`` searches.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from runtime.fields.roles.query import QueryRole
from runtime.fields.roles.storage import StorageRole
from runtime.storage.bulk import BulkInsert
from runtime.storage.names import search_table_name, within_limit

SEP = "\x1f"  # between the texts of a value, and around each gram: nobody types it
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# FTS5 names of its own: a field with such a key gets another column name
RESERVED = frozenset({"rank", "rowid", "id"})
OWNER, OWNER_KEY = "owner_id", "owner"  # the record's owner: its column, its key in a record


class SearchType(QueryRole, StorageRole):
    """What the index needs of a field type: its search texts, and how its value is read."""


def normalise(text: str) -> str:
    """A text as search compares it: NFKC (full-width digits and letters become plain), lower
    case (casefold), control characters dropped and white space made single spaces."""
    if not text.isascii():
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
        text = text.casefold()
    else:
        text = text.lower()
    if not text.isprintable():
        text = CONTROL.sub(" ", text)
    return " ".join(text.split())


def gram_char(ch: str) -> bool:
    """Letters and digits outside ASCII (Chinese, Japanese, Korean...): one or two of them
    make a word worth searching for."""
    return ch.isalnum() and not ch.isascii()


def grams(text: str) -> set[str]:
    """The single characters and the pairs of neighbours among a text's non-Latin letters."""
    out: set[str] = set()
    before = ""
    for ch in text:
        if gram_char(ch):
            out.add(ch)
            if before:
                out.add(before + ch)
            before = ch
        else:
            before = ""
    return out


def document(texts: Iterable[str]) -> str | None:
    """The search text of one field's value: its texts, then its grams, each between SEPs."""
    return _document(tuple(texts))


@lru_cache(maxsize=4096)  # values repeat (places, sources, companies): worked out once
def _document(texts: tuple[str, ...]) -> str | None:
    found = [t for t in dict.fromkeys(normalise(t) for t in texts) if t]
    if not found:
        return None
    body = SEP.join(found)
    if body.isascii():
        return body
    pieces = set().union(*(grams(t) for t in found))
    return f"{body}{SEP}{SEP.join(sorted(pieces))}{SEP}" if pieces else body


def needle(term: str) -> str:
    """What a normalised search term looks like inside search texts: itself, or a short
    non-Latin word as one of the grams (found by the index, like longer terms)."""
    if 0 < len(term) < 3 and all(gram_char(ch) for ch in term):
        return f"{SEP}{term}{SEP}"
    return term


def column_name(key: str, fts_name: str) -> str:
    """The index column of a field: its key (no key starts with _, so the others are free)."""
    return f"_{key}" if key in RESERVED or key == fts_name else key


@dataclass(frozen=True, eq=False)
class SearchTable:
    """The search table of a form: ``id`` and ``owner_id`` (the record's) and a text column per
    searchable field, in ``fields`` as (column, field) pairs."""

    table: sa.Table
    fields: tuple[tuple[str, Mapping], ...]
    fts_name: str  # SQLite's FTS5 index over the table
    insert: BulkInsert = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "insert", BulkInsert(self.table, [c.name for c in
                                                                   self.table.columns]))

    @property
    def name(self) -> str:
        return self.table.name

    def columns_of(self, keys: Iterable[str]) -> list[str]:
        """The index columns of the fields among ``keys`` (``owner``: its column)."""
        wanted = set(keys)
        return [column for column, fld in self.fields if fld["key"] in wanted] + (
            [OWNER] if OWNER_KEY in wanted else [])

    def row(self, record_id: int, values: Mapping[str, Any],
            types: Mapping[str, SearchType]) -> dict[str, Any]:
        """The index row of a record: ``values`` as a read gives them (the owner too)."""
        return self.rows([(record_id, values)], types)[0]

    def rows(self, records: Iterable[tuple[int, Mapping[str, Any]]],
             types: Mapping[str, SearchType]) -> list[dict[str, Any]]:
        """The index rows of records ``(id, values)`` as mappings by column."""
        names = [c.name for c in self.table.columns]
        return [dict(zip(names, row, strict=True)) for row in self.tuples(records, types)]

    def tuples(self, records: Iterable[tuple[int, Mapping[str, Any]]],
               types: Mapping[str, SearchType]) -> list[tuple]:
        """The index rows of records ``(id, values)``, in the table's column order (``id``,
        ``owner_id``, then ``fields``'): each field's type looked up once, no mapping per
        row."""
        texts = [(fld["key"], types[fld["type"]].search_text, fld) for _column, fld in self.fields]
        out = []
        for record_id, values in records:
            row = [record_id, values.get(OWNER_KEY)]
            for key, search_text, fld in texts:
                value = values.get(key)
                row.append(None if value is None else _document(tuple(search_text(value, fld))))
            out.append(tuple(row))
        return out


def search_table(table_name: str, layout: Sequence[Mapping],
                 field_types: Mapping[str, SearchType]) -> SearchTable | None:
    """The search table of a form table with ``layout`` (None: nothing to search)."""
    fields = [f for f in layout if not f.get("archived") and field_types[f["type"]].searchable]
    if not fields:
        return None
    fts_name = search_table_name(table_name, "fts")
    pairs = tuple((column_name(f["key"], fts_name), f) for f in fields)
    name = search_table_name(table_name)
    table = sa.Table(name, sa.MetaData(),
                     sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                     sa.Column(OWNER, sa.Integer, nullable=True),
                     *(sa.Column(column, sa.Text, nullable=True) for column, _ in pairs))
    sa.Index(within_limit(f"sx_{name}_{OWNER}"), table.c[OWNER])
    return SearchTable(table, pairs, fts_name)


def signature(search: SearchTable | None, field_types: Mapping[str, SearchType]) -> list:
    """What the search texts of a table depend on: a change rebuilds the index."""
    if search is None:
        return []
    return [[column, fld["key"], fld["type"], field_types[fld["type"]].search_basis(fld)]
            for column, fld in search.fields]

"""Searching a form's records for what a person typed (``q`` of a list), through its index.

The typed text is normalised as the index's texts are, and each searchable field the reader
may see turns it into what to look for in its texts (``search_terms``: a phone number keeps its
digits); a record matches when any of its visible fields holds its term. Fields hidden from the
reader are never looked in, and the list's row scope applies as to any list.

A search counts its matches up to ``COUNT_CAP`` (past it: "more than 1,000"), a tenth of a
list's cap: PostgreSQL rechecks every row its trigram index finds, so counting 10,000 common
matches takes a tenth of a second or more.

How a page is read depends on how many records match, which the index tells cheaply (up to
its ``sort_limit``): a few are read by id and sorted; many are found soonest by walking the
list's own order and checking each record's search texts, which stops at the page's end (and,
when a row scope or a filter narrows the list, by walking the records it leaves through its
index: counting them that way costs what the narrowed list holds, not what the term matches).
A term too short for the index (one or two Latin letters) is looked for that way too.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from runtime.permissions import row_clause
from runtime.storage.search import SearchTable, SearchType, needle, normalise
from runtime.storage.search_index import Groups, SearchIndex, index_for

if TYPE_CHECKING:
    from runtime.storage.records import Records

COUNT_CAP = 1_000


@dataclass(frozen=True)
class Found:
    """The records a search finds, as clauses over the form's table."""

    clause: sa.ColumnElement[bool]  # keeps the records that match (for the page)
    counted: sa.ColumnElement[bool]  # the same, best for counting them
    total: int | None  # how many match in all (cap + 1: more than cap); None: not known
    cap: int  # where counting them stops


def needle_groups(search: SearchTable | None, types: Mapping[str, SearchType],
                  hidden: Collection[str], q: str) -> dict[str, list[str]]:
    """What to look for in which index columns: needles by the columns they are sought in."""
    text = normalise(q)
    groups: dict[str, list[str]] = {}
    if not text or search is None:
        return groups
    for column, fld in search.fields:
        if fld["key"] in hidden:
            continue
        for term in types[fld["type"]].search_terms(text, fld):
            term = normalise(term)
            if term and column not in groups.setdefault(needle(term), []):
                groups[needle(term)].append(column)
    return groups


def search_scope(records: Records, search: SearchTable | None) -> sa.ColumnElement[bool] | None:
    """The reader's row scope over the search table, which knows each record's owner (None:
    every record)."""
    scope = records.access.scope("read")
    if search is None or scope == "all":
        return None
    return row_clause(search.table, records.principal, scope, records.directory.members_query)


def scan_clause(index: SearchIndex, search: SearchTable, groups: Groups, main: sa.Table
                ) -> sa.ColumnElement[bool]:
    """Whether a row's search texts hold a needle, looked up row by row."""
    table = search.table
    holds = sa.or_(*(index.contains(table.c[column], text)
                     for text, columns in groups.items() for column in columns))
    return sa.select(holds).where(table.c.id == main.c.id).scalar_subquery()


def find(conn: sa.Connection, main: sa.Table, search: SearchTable | None,
         types: Mapping[str, SearchType], hidden: Collection[str], q: str, cap: int,
         scope: sa.ColumnElement[bool] | None = None, alone: bool = True) -> Found:
    """The records whose visible searchable fields hold what ``q`` asks for (``cap``: the
    list's count cap), within the row ``scope`` over the search table (None: all);
    ``alone``: no filter narrows the list (the index's count is the list's)."""
    groups = needle_groups(search, types, hidden, q)
    counting = min(cap, COUNT_CAP)
    if search is None or not groups:
        return Found(sa.false(), sa.false(), 0, counting)
    index = index_for(conn.dialect)
    scan = scan_clause(index, search, groups, main)
    if not all(index.usable(text) for text in groups):
        return Found(scan, scan, None, counting)
    hits = index.hits(search, groups, scope)
    few = min(cap, index.sort_limit)
    count, among = index.first_hits(conn, main, hits, few)
    if count <= few:
        return Found(among, among, min(count, counting + 1), counting)
    if not alone:
        return Found(scan, scan, None, counting)
    return Found(scan, main.c.id.in_(hits), counting + 1 if few >= counting else None, counting)

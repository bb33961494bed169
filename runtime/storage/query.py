"""Listing records: filters, sort, search, page/per_page and keyset cursors for deep pages."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from metadata.messages import msg, quoted
from metadata.orm import MAX_INTEGER, whole_number
from metadata.schemas import FILTER_OPS
from runtime.fields.base import FieldType, FieldValueError, compare
from runtime.fields.roles.cleaning import FLAG_OPS
from runtime.storage.formula_filter import formula_clause
from runtime.storage.names import SYSTEM_SORTS
from runtime.storage.paging import bad, decode_cursor, encode_cursor, page_select, plain_value
from runtime.storage.records import Records
from runtime.storage.search_query import Found, find, search_scope
from runtime.storage.transactions import NumberOutOfRange

MAX_PER_PAGE = 1000
MAX_PAGE = 1_000_000  # deeper pages follow next_cursor; the offset stays within 32 bits
OVERFLOWS = ("integer overflow",)  # SQLite's words; PostgreSQL raises DataError (class 22)
NUL = msg("must not contain NUL characters (\\u0000)")
COUNT_CAP = 10_000  # lists count exactly up to here; past it they say "10,000+"


@dataclass
class ListQuery:
    filters: list[dict] = field(default_factory=list)  # [{"field", "op", "value"}]
    formulas: list[tuple[str, str]] = field(default_factory=list)  # [(formula, error path)]
    # a view's filters, written by a designer: they may name fields hidden from the reader
    view_filters: list[dict] = field(default_factory=list)
    view_formulas: list[tuple[str, str]] = field(default_factory=list)
    sort: list[tuple[str, str]] = field(default_factory=list)  # [(field, "asc"|"desc")]
    q: str = ""
    page: int = 1
    per_page: int = 50
    cursor: str | None = None
    with_total: bool = True
    exact_total: bool = False  # count every match, however many (else: up to count_cap)
    count_cap: int = COUNT_CAP


@dataclass
class Page:
    records: list[dict]
    total: int | None
    page: int
    per_page: int
    next_cursor: str | None
    total_exact: bool = True  # False: there are more than ``total`` matches

    def as_dict(self) -> dict[str, Any]:
        return {"records": self.records, "total": self.total, "total_exact": self.total_exact,
                "page": self.page, "per_page": self.per_page, "next_cursor": self.next_cursor}


def filter_clause(records: Records, flt: dict, at: str, designed: bool = False
                  ) -> sa.ColumnElement[bool]:
    """The WHERE condition of one {field, op, value} filter; ``designed``: a view's, which
    may name fields hidden from the reader."""
    plan, table = records.plan, records.table
    key, op, value = flt.get("field"), flt.get("op", "eq"), flt.get("value")
    if not isinstance(key, str):
        raise bad(at + "/field", "must be a field key (a text)")
    if op not in FILTER_OPS:
        raise bad(at + "/op", f"unknown operator {op!r}; use one of {', '.join(FILTER_OPS)}")
    if any("\x00" in v for v in (value if isinstance(value, list) else [value])
           if isinstance(v, str)):
        raise bad(at + "/value", NUL)
    if key in SYSTEM_SORTS:
        column = table.c[SYSTEM_SORTS[key]]
        if op in ("contains", "startswith"):
            raise bad(at + "/op", f"{op} does not apply to {key}")
        if op in ("in", "nin"):
            items = value if isinstance(value, list) else [value]
            value = [system_value(key, v, at) for v in items]
        elif op not in ("isnull", "notnull"):
            value = system_value(key, value, at)
        return compare(column, op, value)
    fld = plan.by_key.get(key)
    if fld is None or (key in records.access.hidden and not designed):
        raise bad(at + "/field", f"{key!r} is not a field of {plan.form_key}")
    ftype = plan.types[fld["type"]]
    if op not in ftype.operators(fld):
        raise bad(at + "/op", f"{op} does not apply to a {fld['type']} field; use one of "
                              f"{', '.join(ftype.operators(fld))}")
    if op in ("isnull", "notnull"):
        return ftype.filter_expression(table, fld, op, None)
    if op in FLAG_OPS:
        return ftype.flag_expression(table, fld, op, flag_codes(ftype, fld, value, at))
    try:
        if op in ("in", "nin"):
            items = value if isinstance(value, list) else [value]
            value = [ftype.coerce_filter(v, fld) for v in items]
        elif op not in ("contains", "startswith") and value is not None:
            value = ftype.coerce_filter(value, fld)
    except FieldValueError as exc:
        raise bad(at + "/value", exc.message) from None
    return ftype.filter_expression(table, fld, op, value)


def flag_codes(ftype: FieldType, fld: dict, value: Any, at: str) -> list[str] | None:
    """The flags a ``flagged``/``unflagged`` filter names (None: any flag)."""
    if value in (None, "", []):
        return None
    codes = value if isinstance(value, list) else [value]
    known = ftype.flag_codes(fld)
    for code in codes:
        if code not in known:
            raise bad(at + "/value", msg("%(value)s is not a flag of this field (its flags: "
                                         "%(flags)s)", value=quoted(code),
                                         flags=", ".join(known)))
    return list(codes)


def system_value(key: str, value: Any, at: str) -> Any:
    """A filter value for a system column: a whole number, or an ISO 8601 time."""
    if value is None:
        return None
    if key in ("created_at", "updated_at"):
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            return moment.astimezone(UTC)  # overflows near year 1 and 9999: refused below
        except (ValueError, OverflowError):
            raise bad(at + "/value", "must be an ISO 8601 time such as "
                                     "2026-01-31T09:00:00Z") from None
    if isinstance(value, str):
        value = whole_number(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INTEGER:
        raise bad(at + "/value", msg("must be a whole number from 0 to %(n)s", n=MAX_INTEGER))
    return value


def sort_keys(records: Records, sort: Sequence[tuple[str, str]]) -> list[tuple[Any, str]]:
    plan, table = records.plan, records.table
    keys = []
    for i, (key, direction) in enumerate(sort):
        if key in SYSTEM_SORTS:
            expr = table.c[SYSTEM_SORTS[key]]
        else:
            fld = plan.by_key.get(key)
            if fld is None or key in records.access.hidden:
                raise bad(f"/sort/{i}", f"{key!r} is not a field of {plan.form_key}")
            ftype = plan.types[fld["type"]]
            expr = ftype.sort_expression(table, fld) if ftype.sortable else None
            if expr is None:
                raise bad(f"/sort/{i}", f"cannot sort by a {fld['type']} field")
        keys.append((expr, direction))
    if not any(k[0] is table.c.id for k in keys):
        keys.append((table.c.id, keys[-1][1] if keys else "desc"))
    return keys


@contextmanager
def computing(records: Records, formulas: list[tuple[str, str]]) -> Iterator[None]:
    """Run queries that evaluate formula filters: a value they cannot compute from the stored
    records (a whole number past 64 bits, a date past year 9999: PostgreSQL's data exceptions,
    SQLite's integer overflow) is a 400 at the filter with the database's reason, and the
    transaction stays usable (a savepoint), so a page can still show a list."""
    if not formulas:
        yield
        return
    at = formulas[0][1] if len(formulas) == 1 else ""
    try:
        with records.session.begin_nested():
            yield
    except NumberOutOfRange as exc:  # the engine's words for it (app.database)
        raise bad(at, msg("the filter cannot be worked out for the stored records (%(reason)s)",
                          reason=exc.problems[0].message)) from None
    except (sa.exc.DataError, sa.exc.OperationalError) as exc:
        reason = getattr(getattr(exc.orig, "diag", None), "message_primary", None) \
            or str(exc.orig).splitlines()[0]
        if isinstance(exc, sa.exc.OperationalError) and reason.lower() not in OVERFLOWS:
            raise
        raise bad(at, msg("the filter cannot be worked out for the stored records (%(reason)s)",
                          reason=reason)) from None


def list_records(records: Records, query: ListQuery) -> Page:
    table = records.table
    if not 1 <= query.per_page <= MAX_PER_PAGE:
        raise bad("/per_page", f"must be between 1 and {MAX_PER_PAGE}")
    if not 1 <= query.page <= MAX_PAGE:
        raise bad("/page", msg("must be from 1 to %(n)s; follow next_cursor to go deeper",
                               n=MAX_PAGE))
    where = [records.visible("read")]
    where += [filter_clause(records, f, f"/filters/{i}", designed=True)
              for i, f in enumerate(query.view_filters)]
    where += [formula_clause(records, source, at, designed=True)
              for source, at in query.view_formulas]
    where += [filter_clause(records, f, f"/filter/{i}") for i, f in enumerate(query.filters)]
    where += [formula_clause(records, source, at) for source, at in query.formulas]
    if "\x00" in query.q:
        raise bad("/q", NUL)
    found, alone = None, False
    if query.q.strip():
        # the search alone tells the count when no filter narrows the list
        alone, search = len(where) == 1, records.plan.tables.search
        found = find(records.conn, table, search, records.plan.types, records.access.hidden,
                     query.q, query.count_cap, search_scope(records, search), alone)
        where.append(found.clause)
    keys = sort_keys(records, query.sort or [("created_at", "desc")])
    total = None
    cursor = decode_cursor(query.cursor, len(keys)) if query.cursor else None
    select = page_select(records.conn.dialect.name, table, where, keys, cursor, query.page,
                         query.per_page)
    cap = query.count_cap if found is None else found.cap
    with computing(records, query.formulas):
        if query.with_total:
            total = _count(records.conn, table, where, query, found, alone)
        rows = list(records.conn.execute(select).mappings())
    more = len(rows) > query.per_page
    rows = rows[: query.per_page]
    cursor = None
    if more and rows:
        probe = sa.select(*[k[0] for k in keys]).where(table.c.id == rows[-1]["id"])
        last = records.conn.execute(probe).first()
        cursor = encode_cursor([plain_value(v) for v in last])
    exact = total is None or query.exact_total or total <= cap
    return Page(records.to_json(rows), min(total, cap) if not exact else total,
                query.page, query.per_page, cursor, exact)


def _count(conn: sa.Connection, table: sa.Table, where: list, query: ListQuery,
           found: Found | None, alone: bool) -> int:
    """How many records the list has (past the cap: cap + 1, unless counting exactly); a
    search (the last of ``where``) is counted through its index, up to its own cap."""
    if found is None:
        return count_matches(conn, table, where, None if query.exact_total else query.count_cap)
    cap = None if query.exact_total else found.cap
    if alone and found.total is not None and (cap is not None or found.total <= found.cap):
        return found.total
    where = [*where[:-1], found.counted]
    if cap is None or query.formulas or query.view_formulas:
        return count_matches(conn, table, where, cap)
    # one walk over the matches, not two: a search narrowed by a row scope or a filter
    # reads each record it counts (formula filters keep their statement shallow instead)
    found_rows = sa.select(sa.literal(1)).select_from(table).where(*where).limit(cap + 1)
    return conn.execute(sa.select(sa.func.count()).select_from(found_rows.subquery())
                        ).scalar_one()


def count_matches(conn: sa.Connection, table: sa.Table, where: list, cap: int | None) -> int:
    """How many rows match; with ``cap``, counting stops past it (a count of 1M rows takes
    a scan of them all; a list needs to know only that there are more than a page can show).
    Returns cap + 1 when there are more."""
    if cap is not None:
        # is there a match past the cap? (no subquery: SQLite's parser depth stays the page's)
        beyond = sa.select(sa.literal(1)).select_from(table).where(*where).limit(1).offset(cap)
        if conn.execute(beyond).first() is not None:
            return cap + 1
    return conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)
                        ).scalar_one()

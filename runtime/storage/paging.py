"""A list's page statement: its order (empty values last both ways), the keyset cursor that
goes on after a page's last record, and, on PostgreSQL, a descending sort on a column that may
be empty read in two parts through the column's one ascending index (``tables._list_index``).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from metadata.errors import InvalidDocument, Problem
from metadata.orm import MAX_INTEGER, UTCDateTime

MAX_EXPONENT = 40  # decimal values in cursors: far beyond any column's precision


def page_select(dialect: str, table: sa.Table, where: Sequence, keys: list[tuple[Any, str]],
                cursor: list | None, page: int, per_page: int) -> sa.Select:
    """The rows of one page (and one more, to tell whether another follows): after
    ``cursor`` when given, else page ``page``."""
    first, direction = keys[0]
    # a first page: PostgreSQL's index puts empty values last ascending only, SQLite's
    # either way; a range from a cursor: only through the two parts, on either database
    split = cursor is not None or (dialect == "postgresql" and direction == "desc")
    if split and _in_two_parts(table, keys):
        return _two_parts(table, where, keys, cursor, page, per_page)
    select = sa.select(table).where(*where).order_by(*_order(keys)).limit(per_page + 1)
    if cursor is None:
        return select.offset((page - 1) * per_page)
    value = _typed(first, cursor[0])
    if _not_null(first) and value is not None:  # where the index read starts
        select = select.where(_from(first, direction, value))
    return select.where(_after(keys, cursor))


def _from(first: Any, direction: str, value: Any) -> sa.ColumnElement[bool]:
    """The first key at or past the cursor's value: a bound an index read starts at (the
    exact condition, an OR, is only checked on the rows read)."""
    bound = sa.literal(value, first.type)
    return first <= bound if direction == "desc" else first >= bound


def _in_two_parts(table: sa.Table, keys: list[tuple[Any, str]]) -> bool:
    """A first key on a column that may be empty, every key a column."""
    return not _not_null(keys[0][0]) and all(
        isinstance(expr, sa.Column) and expr.table is table for expr, _d in keys)


def _two_parts(table: sa.Table, where: Sequence, keys: list[tuple[Any, str]],
               cursor: list | None, page: int, per_page: int) -> sa.Select:
    """``ORDER BY col [DESC] NULLS LAST, ...`` as the rows with a value, then the empty
    ones, each part limited on its own and read through the column's ascending index
    (backward for a descending sort), a cursor's value the bound each read starts at; the
    page is the first rows of the two in that order (a sort of at most twice a page's
    rows)."""
    (first, direction), rest = keys[0], keys[1:]
    filled: list | None = [first.is_not(None)]
    empty = [first.is_(None)]
    depth = per_page + 1 if cursor is not None else (page - 1) * per_page + per_page + 1
    if cursor is not None:
        value = _typed(first, cursor[0])
        after_rest = _after(rest, cursor[1:])
        if value is None:  # the cursor is among the empty ones: only they follow
            filled = None
            empty.append(after_rest)
        else:
            bound = sa.literal(value, first.type)
            past = first < bound if direction == "desc" else first > bound
            filled += [_from(first, direction, value),
                       sa.or_(past, sa.and_(first == bound, after_rest))]
    # both parts in the index's order (``col DESC`` read backward puts empties first: there
    # are none in the first part; in the second every value is empty, and the index hands
    # them out in the other keys' order): neither sorts what it reads
    order = [first.desc() if direction == "desc" else first.asc(), *_order(rest)]
    parts = []  # each in a subquery of its own: SQLite orders and limits no bare part
    if filled is not None:
        parts.append(sa.select(table, sa.literal(0).label("_part")).where(*where, *filled)
                     .order_by(*order).limit(depth).subquery())
    parts.append(sa.select(table, sa.literal(1).label("_part")).where(*where, *empty)
                 .order_by(*order).limit(depth).subquery())
    both = sa.union_all(*(sa.select(part) for part in parts)).subquery() \
        if len(parts) > 1 else parts[0]
    column = both.c[first.name]
    order = [both.c._part, column.desc() if direction == "desc" else column.asc(),
             *_order([(both.c[expr.name], d) for expr, d in rest])]
    select = sa.select(*[both.c[c.name] for c in table.c]).order_by(*order)
    select = select.limit(per_page + 1)
    return select if cursor is not None else select.offset((page - 1) * per_page)


def _order(keys: list[tuple[Any, str]]) -> list:
    """ORDER BY for ``keys``, NULLs last in both directions on every database; a column that
    cannot be NULL (created_at, id) is ordered plainly, so its index serves the sort."""
    out = []
    for expr, direction in keys:
        ordered = expr.desc() if direction == "desc" else expr.asc()
        out.append(ordered if _not_null(expr) else ordered.nulls_last())
    return out


def _not_null(expr: Any) -> bool:
    return isinstance(expr, sa.Column) and not expr.nullable


def _typed(expr: Any, value: Any) -> Any:
    """A cursor value back in the Python type its column binds; a value the column cannot
    bind (cursors are client input, however they were made) is a 400, never a 500."""
    if value is None:
        return None
    kind = expr.type
    try:
        if isinstance(kind, sa.DateTime | UTCDateTime):
            return datetime.fromisoformat(value).astimezone(UTC)
        if isinstance(kind, sa.Date):
            return date.fromisoformat(value)
        if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Integer | sa.Float):
            number = Decimal(value)
            if number.is_finite() and abs(number.adjusted()) <= MAX_EXPONENT:
                return number
        elif _binds(kind, value):
            return value
    except (ValueError, TypeError, ArithmeticError):  # OverflowError too
        pass
    raise bad("/cursor", "is not a cursor this API gave out")


def _binds(kind: sa.types.TypeEngine, value: Any) -> bool:
    if isinstance(kind, sa.Boolean):
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if isinstance(kind, sa.Integer):
        limit = 2**63 if isinstance(kind, sa.BigInteger) else MAX_INTEGER + 1
        return isinstance(value, int) and -limit <= value < limit
    if isinstance(kind, sa.Float):
        return isinstance(value, int | float) and abs(value) < 2**63
    return isinstance(value, str) and "\x00" not in value


def _after(keys: list[tuple[Any, str]], values: list) -> sa.ColumnElement[bool]:
    """Rows strictly after ``values`` in the order of ``keys`` (NULLs last)."""
    clauses = []
    equal: list = []
    for (expr, direction), raw in zip(keys, values, strict=True):
        value = _typed(expr, raw)
        if value is None:
            # only NULLs follow in this key: nothing is strictly after within it
            equal.append(expr.is_(None))
            continue
        value = sa.literal(value, expr.type)  # bound, so True/False compare like values
        later = (expr < value) if direction == "desc" else (expr > value)
        clauses.append(sa.and_(*equal, sa.or_(later, expr.is_(None))))
        equal.append(expr == value)
    return sa.or_(*clauses) if clauses else sa.false()


def bad(path: str, message: str) -> InvalidDocument:
    return InvalidDocument([Problem(path, message)], status=400)


def plain_value(value: Any) -> Any:
    """A cursor value as JSON holds it."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if not isinstance(value, int | float | str | bool | type(None)):
        return str(value)
    return value


def encode_cursor(values: list) -> str:
    raw = json.dumps(values, default=str, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        raise bad("/cursor", "is not a cursor this API gave out") from None
    if not isinstance(values, list) or len(values) != size:
        raise bad("/cursor", "does not belong to this sort order")
    return values



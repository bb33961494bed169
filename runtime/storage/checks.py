"""Checks of incoming records against stored data, batched per field: references that must
exist, values that must be unique. Rows are ``(index, values, owner)``; problems come back as
``{index: [{"path", "message"}]}``. And what a changed field meets in the stored data: values
records share (``duplicates``), the texts they hold (``distinct_texts``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import sqlalchemy as sa

from metadata.errors import pointer
from metadata.messages import msg, quoted
from runtime.fields.base import FieldType
from runtime.forms.plan import FormPlan
from runtime.storage.refs import StorageReferences
from runtime.storage.transactions import take_write_lock

Rows = Sequence[tuple[int, dict, object]]
MAX_DUPLICATES = 5  # shared values listed, and records listed per value


def reference_problems(plan: FormPlan, fields: Sequence[dict], rows: Rows,
                       refs: StorageReferences, before: Mapping | None = None
                       ) -> dict[int, list[dict]]:
    """What each row's values point at that does not exist or may not be linked; ``before``:
    the stored record an update changes, whose links each field may keep."""
    bad: dict[int, list[dict]] = {}
    for fld in fields:
        key = fld["key"]
        present = [item for item in rows if item[1].get(key) not in (None, [])]
        if not present:
            continue
        ftype = plan.types[fld["type"]]
        values = [item[1][key] for item in present]
        # kept per field: moving a link to another field could let formulas read it
        refs.keep(ftype.linked_records(fld, before.get(key)) if before else ())
        for n, message in ftype.unknown_references(fld, values, refs, plan.app_key).items():
            bad.setdefault(present[n][0], []).append({"path": pointer(key), "message": message})
    return bad


def unique_problems(plan: FormPlan, conn: sa.Connection, rows: Rows,
                    before: Mapping | None = None,
                    readable: Callable[[int], bool] = lambda _id: True
                    ) -> dict[int, list[dict]]:
    """Values of unique fields already held by another live record (named by its id, as
    ``record``, when ``readable``), or twice in ``rows``. ``before``: the stored record an
    update changes; a value it keeps is not checked again (records that shared it before
    the field became unique stay editable)."""
    bad: dict[int, list[dict]] = {}
    table = plan.table
    for fld in plan.fields:
        if not fld.get("unique"):
            continue
        key, ftype = fld["key"], plan.types[fld["type"]]
        column = table.c[ftype.columns(fld)[0].name]
        kept = _row_value(ftype, fld, before.get(key)) if before is not None else None
        stored: dict[object, int] = {}
        for index, values, _owner in rows:
            if ftype.is_empty(values.get(key)) or key not in values:
                continue
            db_value = _row_value(ftype, fld, values[key])
            if kept is not None and db_value == kept:
                continue
            if db_value in stored:
                bad.setdefault(index, []).append({
                    "path": pointer(key),
                    "message": msg("%(value)s appears twice in this request (row %(row)s)",
                                   value=quoted(ftype.display(values[key], fld, "en")),
                                   row=stored[db_value])})
            else:
                stored[db_value] = index
        if stored:
            _lock_unique(conn, table, key)
            _taken(conn, table, (key, column), stored, before, readable, bad)
    return bad


def _row_value(ftype: FieldType, fld: Mapping, value: object) -> object:
    """What a value looks like in its (single) column."""
    if ftype.is_empty(value):
        return None
    return next(iter(ftype.to_row(value, fld).values()))


def _lock_unique(conn: sa.Connection, table: sa.Table, key: str) -> None:
    """Writers of one unique field take turns until they commit, so each one sees what the
    others stored (SQLite's write lock serialises writers: a late write takes it now)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(
            sa.func.hashtext(f"{table.name}.{key}"))))
    else:
        take_write_lock(conn)


def _taken(conn: sa.Connection, table: sa.Table, where: tuple[str, sa.Column], stored: dict,
           before: Mapping | None, readable: Callable[[int], bool],
           bad: dict[int, list[dict]]) -> None:
    """Report the values of ``stored`` (value -> row index) that other live records hold in
    the field ``where`` names (its key and column)."""
    key, column = where
    query = (sa.select(column, sa.func.min(table.c.id))
             .where(column.in_(list(stored)), table.c.deleted_at.is_(None)))
    if before is not None:
        query = query.where(table.c.id != before["id"])
    for taken, other in conn.execute(query.group_by(column)):
        index = stored.get(taken)
        if index is None:
            continue
        if readable(other):
            error = {"path": pointer(key), "record": other, "message": msg(
                "record #%(id)s already has %(value)s; it must be unique", id=other,
                value=quoted(taken))}
        else:
            error = {"path": pointer(key), "message": msg(
                "another record already has %(value)s; it must be unique", value=quoted(taken))}
        bad.setdefault(index, []).append(error)


def duplicates(conn: sa.Connection, table: sa.Table, fld: Mapping, ftype: FieldType,
               values: int = MAX_DUPLICATES, ids: int = MAX_DUPLICATES) -> dict | None:
    """The values live records share in ``fld`` (None: no two records share one), for a
    publish that makes the field unique: how many values and records, and the first
    ``values`` values with the first ``ids`` of their records."""
    column = table.c[ftype.columns(fld)[0].name]
    live = sa.and_(table.c.deleted_at.is_(None), column.is_not(None))
    shared = (sa.select(column.label("value"), sa.func.count().label("n")).where(live)
              .group_by(column).having(sa.func.count() > 1))
    counted = shared.subquery()
    found, records = conn.execute(sa.select(sa.func.count(),
                                            sa.func.coalesce(sa.func.sum(counted.c.n), 0))
                                  ).one()
    if not found:
        return None
    examples = []
    for value, n in conn.execute(shared.order_by(sa.func.count().desc(), column).limit(values)):
        held = conn.execute(sa.select(table.c.id).where(live, column == value)
                            .order_by(table.c.id).limit(ids)).scalars().all()
        examples.append({"value": ftype.from_row({column.name: value}, fld), "count": n,
                         "records": list(held)})
    return {"field": fld["key"], "values": found, "records": int(records),
            "examples": examples}


def distinct_texts(conn: sa.Connection, table: sa.Table, fld: Mapping, ftype: FieldType,
                   limit: int) -> list[str]:
    """The different texts live records hold in a field stored as text in one column (in
    order, at most ``limit``; none for other fields): choices for it, say."""
    if not ftype.single_column(fld):
        return []
    column = table.c[ftype.columns(fld)[0].name]
    if not isinstance(column.type, sa.String):
        return []
    query = (sa.select(column).where(table.c.deleted_at.is_(None), column.is_not(None),
                                     column != "")
             .distinct().order_by(column).limit(limit))
    return [v for v in conn.execute(query).scalars() if isinstance(v, str)]

"""Checks of incoming records against stored data, batched per field: references that must
exist, values that must be unique. Rows are ``(index, values, owner)``; problems come back as
``{index: [{"path", "message"}]}``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa

from metadata.errors import pointer
from metadata.messages import msg, quoted
from runtime.forms.plan import FormPlan
from runtime.storage.refs import StorageReferences
from runtime.storage.transactions import take_write_lock

Rows = Sequence[tuple[int, dict, object]]


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
                    record_id: int | None = None) -> dict[int, list[dict]]:
    """Values of unique fields already held by another live record, or twice in ``rows``."""
    bad: dict[int, list[dict]] = {}
    table = plan.table
    for fld in plan.fields:
        if not fld.get("unique"):
            continue
        key, ftype = fld["key"], plan.types[fld["type"]]
        column = table.c[ftype.columns(fld)[0].name]
        stored: dict[object, int] = {}
        for index, values, _owner in rows:
            if ftype.is_empty(values.get(key)) or key not in values:
                continue
            db_value = next(iter(ftype.to_row(values[key], fld).values()))
            if db_value in stored:
                bad.setdefault(index, []).append({
                    "path": pointer(key),
                    "message": msg("%(value)s appears twice in this request (row %(row)s)",
                                   value=quoted(ftype.display(values[key], fld, "en")),
                                   row=stored[db_value])})
            else:
                stored[db_value] = index
        if not stored:
            continue
        # writers of one unique field take turns until they commit, so each one sees what the
        # others stored (SQLite's write lock serialises writers: a late write takes it now)
        if conn.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(
                sa.func.hashtext(f"{table.name}.{key}"))))
        else:
            take_write_lock(conn)
        query = sa.select(column).where(column.in_(list(stored)), table.c.deleted_at.is_(None))
        if record_id is not None:
            query = query.where(table.c.id != record_id)
        for taken in conn.execute(query).scalars():
            index = stored.get(taken)
            if index is not None:
                bad.setdefault(index, []).append({
                    "path": pointer(key),
                    "message": msg("another record already has %(value)s; it must be unique",
                                   value=quoted(taken))})
    return bad

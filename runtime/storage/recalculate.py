"""Publishing a new or changed calculation recalculates the stored values of every record."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa

from runtime.fields.roles.value import ValueRole
from runtime.storage.migrate import MigrationPlan
from runtime.storage.records import Records
from runtime.storage.related import related_loader
from runtime.storage.search_sync import reindex_records

BATCH = 1000


def needs_recalculation(plan: MigrationPlan, old_layout: Sequence[Mapping] | None,
                        field_types: Mapping[str, ValueRole]) -> bool:
    """Whether stored calculated values may be stale after this migration."""
    if old_layout is None:
        return False  # a new table holds no records
    old = {e["key"]: e for e in old_layout}
    for entry in plan.layout:
        if entry.get("archived") or not field_types[entry["type"]].calculated:
            continue
        before = old.get(entry["key"])
        if before is None or before.get("archived") or before.get("config") != entry["config"]:
            return True
    return bool(plan.converted) and any(
        field_types[e["type"]].calculated for e in plan.layout if not e.get("archived"))


def recalculate_all(records: Records) -> int:
    """Recompute every record's calculated fields in batches (``records``: the system's
    service over the form); returns how many changed. A recalculation is the system's, not a
    person's edit: versions and history stay."""
    session, plan = records.session, records.plan
    behaviour = plan.behaviour
    if behaviour is None or not behaviour.calculated:
        return 0
    load_related = related_loader(session, plan)
    table, conn = plan.table, session.connection()
    keys = [key for key, _ in behaviour.calculated]
    last, changed = 0, 0
    while True:
        rows = conn.execute(sa.select(table).where(table.c.id > last)
                            .order_by(table.c.id).limit(BATCH)).mappings().all()
        if not rows:
            return changed
        last = rows[-1]["id"]
        updates, searched = [], []
        live = {r["id"] for r in rows if r["deleted_at"] is None}  # deleted: not in the index
        for record in records.to_json(rows):
            values = dict(record)
            values.update(load_related(values, behaviour.related_paths))
            behaviour.calculate(values)
            if any(values[k] != record.get(k) for k in keys):
                row = {"_id": record["id"]}
                for key in keys:
                    fld = plan.by_key[key]
                    row.update(plan.ftype(key).to_row(values[key], fld))
                updates.append(row)
                if record["id"] in live:
                    searched.append((record["id"], values))
        reindex_records(conn, plan.tables.search, plan.types, searched, changed=keys)
        if updates:
            conn.execute(table.update().where(table.c.id == sa.bindparam("_id"))
                         .values({k: sa.bindparam(k) for k in keys}), updates)
            changed += len(updates)

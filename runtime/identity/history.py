"""Merge history and undo: every merge can be reverted, restoring the merged-away records,
the survivor's values, the touches and the links as they were before it.

A survivor's field changed after the merge (by a person or a later arrival) keeps its later
value and is reported in the undo's answer (``changed_since``), so nothing done since is lost
in silence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from metadata.errors import Conflict, NotFound, Problem
from metadata.messages import msg
from runtime.identity.merging import MERGES, TOMBSTONES, Merger, jsonable
from runtime.storage.records import Records, iso
from runtime.storage.search_sync import index_records, reindex_records


def merge_json(row: Mapping) -> dict[str, Any]:
    return {"id": row["id"], "survivor": row["survivor"], "merged": list(row["merged"]),
            "rule": row["rule"], "via": row["via"], "user": row["user_id"],
            "at": iso(row["at"]), "undone_at": iso(row["undone_at"])}


def list_merges(records: Records, limit: int = 100, before: int | None = None) -> list[dict]:
    """The form's merges, newest first."""
    plan = records.plan
    query = sa.select(MERGES).where(MERGES.c.app_key == plan.app_key,
                                    MERGES.c.form_key == plan.form_key)
    if before is not None:
        query = query.where(MERGES.c.id < before)
    rows = records.conn.execute(query.order_by(MERGES.c.id.desc()).limit(limit)).mappings()
    return [merge_json(r) for r in rows]


def merged_into(records: Records, record_id: int) -> int | None:
    """The survivor a merged-away record went to (following later merges), if it went."""
    plan, seen = records.plan, set()
    current = record_id
    while current not in seen:
        seen.add(current)
        row = records.conn.execute(sa.select(TOMBSTONES.c.survivor).where(
            TOMBSTONES.c.app_key == plan.app_key, TOMBSTONES.c.form_key == plan.form_key,
            TOMBSTONES.c.record_id == current)).first()
        if row is None:
            return None if current == record_id else current
        current = row.survivor
    return current


class Unmerger:
    """Undoes merges of one form."""

    def __init__(self, records: Records):
        self.records = records
        self.merger = Merger(records)
        self.plan = records.plan
        self.conn = records.conn

    def undo(self, merge_id: int) -> dict[str, Any]:
        merge = self._merge(merge_id)
        snapshot, survivor = merge["snapshot"], merge["survivor"]
        merged = list(merge["merged"])
        [current] = self.merger.live_rows([survivor]) or [None]
        if current is None:
            raise Conflict([Problem("", msg("record %(n)s (the survivor) is gone: undo "
                                            "the later merge or deletion first", n=survivor))])
        now = self.merger.values([current])[survivor]
        after = snapshot["survivor_after"]
        changed = [{"field": k, "at_merge": after.get(k), "now": jsonable(now.get(k))}
                   for k in self.plan.by_key if jsonable(now.get(k)) != after.get(k)]
        keep = {c["field"] for c in changed}
        before = snapshot["rows"][str(survivor)]
        back = {k: before.get(k) for k in snapshot["changed"] if k not in keep}
        self._restore_survivor(current, back)
        self._restore_merged(merged, snapshot, survivor)
        self.conn.execute(sa.update(MERGES).where(MERGES.c.id == merge_id).values(
            undone_at=self.records.now, undone_by=self.records.principal.user_id))
        return {"id": merge_id, "survivor": survivor, "restored": merged,
                "changed_since": changed}

    def _merge(self, merge_id: int) -> Mapping:
        row = self.conn.execute(sa.select(MERGES).where(
            MERGES.c.id == merge_id, MERGES.c.app_key == self.plan.app_key,
            MERGES.c.form_key == self.plan.form_key)).mappings().first()
        if row is None:
            raise NotFound([Problem("", msg("merge %(n)s of %(form)s does not exist",
                                            n=merge_id, form=self.plan.form_key))])
        if row["undone_at"] is not None:
            raise Conflict([Problem("", msg("merge %(n)s was undone already", n=merge_id))])
        later = self.conn.execute(sa.select(MERGES.c.id).where(
            MERGES.c.app_key == self.plan.app_key, MERGES.c.form_key == self.plan.form_key,
            MERGES.c.id > merge_id, MERGES.c.undone_at.is_(None),
            MERGES.c.survivor.in_(list(row["merged"])))).first()
        if later is not None:
            raise Conflict([Problem("", msg("merge %(n)s merged into a record of this one: "
                                            "undo it first", n=later.id))])
        return row

    def _restore_survivor(self, current: Mapping, back: Mapping[str, Any]) -> None:
        coerced = {k: self._coerce(k, v) for k, v in back.items()}
        version = current["version"] + 1
        row: dict[str, Any] = {"updated_at": self.records.now, "version": version}
        for key, value in coerced.items():
            fld = self.plan.by_key[key]
            ftype = self.plan.types[fld["type"]]
            if ftype.separate(fld):
                ftype.save_separate(self.conn, self.plan.tables.children[key], current["id"],
                                    value, fld)
            else:
                row.update(ftype.to_row(value, fld))
        table = self.plan.table
        self.conn.execute(table.update().where(table.c.id == current["id"]).values(row))
        whole = self.merger.values(self.merger.live_rows([current["id"]]))[current["id"]]
        self.merger.store.index([(current["id"], whole)])
        if coerced:
            reindex_records(self.conn, self.plan.tables.search, self.plan.types,
                            [(current["id"], {**whole, "owner": current["owner_id"]})],
                            set(coerced))
        self.records._log([self.records._audit(current["id"], "unmerge", version, [
            {"field": k, "old": None, "new": v} for k, v in back.items()])])

    def _coerce(self, key: str, value: Any) -> Any:
        if value is None or value == []:
            return value
        fld = self.plan.by_key[key]
        return self.plan.types[fld["type"]].coerce(value, fld)

    def _restore_merged(self, merged: list[int], snapshot: Mapping, survivor: int) -> None:
        if not merged:
            return
        table = self.plan.table
        self.conn.execute(table.update().where(table.c.id.in_(merged)).values(
            deleted_at=None, updated_at=self.records.now, version=table.c.version + 1))
        self.conn.execute(sa.delete(TOMBSTONES).where(
            TOMBSTONES.c.app_key == self.plan.app_key, TOMBSTONES.c.form_key ==
            self.plan.form_key, TOMBSTONES.c.record_id.in_(merged)))
        self.records.touches.give_back(merged, survivor)
        for form_key, field_key, moved in snapshot["links"]:
            plan = self.plan if form_key == self.plan.form_key else \
                self.plan.plan_of(self.records.session, form_key)
            fld = plan.by_key[field_key]
            plan.types[fld["type"]].unpoint(self.conn, plan.table,
                                            plan.tables.children.get(field_key, []), fld,
                                            moved, survivor)
        rows = self.merger.live_rows(merged)
        values = self.merger.values(rows)
        self.merger.store.index(values.items())
        index_records(self.conn, self.plan.tables.search, self.plan.types,
                      [(r["id"], {**values[r["id"]], "owner": r["owner_id"]}) for r in rows])
        self.records._log([self.records._audit(r["id"], "unmerge", r["version"], [
            {"field": "merged_into", "old": survivor, "new": None}]) for r in rows])

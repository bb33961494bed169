"""Merging records of one form into a survivor, in the caller's transaction.

The survivor is the oldest record (the smallest id: ids grow with creation). Its fields take
what the merge policy gives over the survivor, the merged records (oldest first) and the
arrival (if a submission caused the merge); every touch of the merged records moves to it;
relation fields of the app's forms that pointed at a merged record point at it; the merged
records become tombstones (soft-deleted, with a pointer in ``identity_tombstones``). A row
in ``identity_merges`` keeps what undoing needs (``runtime.identity.history``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from metadata.models import Document, DocumentVersion
from runtime.arrivals import Touch
from runtime.identity.models import IdentityMerge, IdentityTombstone
from runtime.identity.store import IdentityStore, rules_of
from runtime.identity.survivorship import survive
from runtime.storage.bulk import BulkInsert
from runtime.storage.records import Records
from runtime.storage.search_sync import index_records, reindex_records, unindex_records
from runtime.storage.tables import allocate_ids

MERGES = IdentityMerge.__table__
MERGE_INSERT = BulkInsert(MERGES, ("id", "app_key", "form_key", "survivor", "merged", "rule",
                                   "via", "user_id", "at", "snapshot"))
TOMBSTONES = IdentityTombstone.__table__


PLAIN = frozenset({str, int, float, bool, type(None)})  # as JSON gives them back


def jsonable(value: Any) -> Any:
    """A stored value as JSON keeps it (dates ISO, decimals as text)."""
    kind = type(value)
    if kind in PLAIN:
        return value
    if kind is dict and all(type(k) is str and type(v) in PLAIN for k, v in value.items()):
        return dict(value)  # a record's plain values, a place: no round trip through JSON
    def default(v: Any) -> Any:
        if isinstance(v, datetime | date):
            return v.isoformat()
        if isinstance(v, Decimal):
            return str(v)
        return str(v)
    return json.loads(json.dumps(value, default=default))


@dataclass(frozen=True)
class Arrival:
    """A submission merged into one stored record: its values, the rule that matched, its
    touch and the merge policy (None: the form's)."""

    record: int
    values: Mapping[str, Any]
    rule: str | None
    touch: Touch
    policy: Callable[[str], str] | None = None


class Merger:
    """Merges (and, with ``history``, unmerges) records of the form ``records`` serves."""

    def __init__(self, records: Records, store: IdentityStore | None = None):
        self.records = records
        self.plan = records.plan
        self.table = records.table
        self.conn = records.conn
        self._linking: list | None = None
        self.store = store or IdentityStore(self.conn, self.plan.app_key, self.plan.form_key,
                                            rules_of(self.plan))

    def values(self, rows: Sequence[Mapping]) -> dict[int, dict]:
        """The stored values of ``rows`` by id (every field, canonical)."""
        return {r["id"]: {k: v for k, v in r.items() if k in self.plan.by_key}
                for r in self.records.to_json(rows, everything=True)}

    def live_rows(self, ids: Sequence[int], lock: bool = True) -> list[Mapping]:
        """The live rows among ``ids``, oldest first; ``lock``: for writing (PostgreSQL locks
        them; SQLite's writer holds its lock already)."""
        # by primary key alone, the deleted ones dropped here: a condition on deleted_at can
        # make PostgreSQL AND in a partial index of the whole table
        query = sa.select(self.table).where(self.table.c.id.in_(sorted(set(ids))))
        if lock and self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        rows = self.conn.execute(query.order_by(self.table.c.id)).mappings()
        return [r for r in rows if r["deleted_at"] is None]

    def merge(self, ids: Sequence[int], arrival: Mapping[str, Any] | None = None,
              rule: str | None = None, touch: Touch | None = None,
              policy: Callable[[str], str] | None = None) -> tuple[int, int] | None:
        """Merge the live records among ``ids`` (and the arrival's values) into the oldest;
        ``(survivor id, merge id)``, or None when none is live."""
        rows = self.live_rows(ids)
        if not rows:
            return None
        before = self.values(rows)
        survivor, merged = rows[0]["id"], [r["id"] for r in rows[1:]]
        ordered = [before[r["id"]] for r in rows] + ([dict(arrival)] if arrival else [])
        changes = survive(list(self.plan.by_key), ordered, policy or self.store.rules.policy)
        links = self._repoint(merged, survivor) if merged else []
        self._bury(merged, survivor)  # first: their keys go to the survivor
        after = self._write_survivors([(rows[0], changes)])
        if merged:
            self.records.touches.move(merged, survivor)
        if touch is not None:
            self.records.touches.add([(survivor, touch)], self.records.now,
                                     self.records.principal.user_id)
        [merge_id] = self._remember([(survivor, merged, rule, before, links, changes,
                                      after[survivor])])
        self.conn.execute(TOMBSTONES.insert(), [
            {"app_key": self.plan.app_key, "form_key": self.plan.form_key, "record_id": m,
             "survivor": survivor, "merge_id": merge_id} for m in merged]) if merged else None
        self._audit(survivor, rows[0]["version"] + 1, before[survivor], changes, merged,
                    {r["id"]: r["version"] for r in rows[1:]})
        return survivor, merge_id

    def merge_into(self, arrivals: Sequence[Arrival]) -> list[int]:
        """What ``merge([record], ...)`` does, for many arrivals at once, each into its own
        live record (no two into the same one): a statement per step for all of them, not
        one per arrival. The merge id of each, in order."""
        if not arrivals:
            return []
        rows = {r["id"]: r for r in self.live_rows([a.record for a in arrivals])}
        missing = sorted({a.record for a in arrivals} - set(rows))
        if missing or len(rows) != len(arrivals):
            raise ValueError(f"merge_into: records {missing} are not live, or one is twice")
        before = self.values(list(rows.values()))
        fields = list(self.plan.by_key)
        changes = [survive(fields, [before[a.record], dict(a.values)],
                           a.policy or self.store.rules.policy) for a in arrivals]
        after = self._write_survivors([(rows[a.record], c)
                                       for a, c in zip(arrivals, changes, strict=True)])
        self.records.touches.add([(a.record, a.touch) for a in arrivals], self.records.now,
                                 self.records.principal.user_id)
        merge_ids = self._remember([(a.record, [], a.rule, {a.record: before[a.record]}, [], c,
                                     after[a.record])
                                    for a, c in zip(arrivals, changes, strict=True)])
        records = self.records
        records._log([records._audit(a.record, "merge", rows[a.record]["version"] + 1, [
            {"field": k, "old": jsonable(before[a.record].get(k)), "new": jsonable(v)}
            for k, v in c.items()]) for a, c in zip(arrivals, changes, strict=True)])
        return merge_ids

    def _write_survivors(self, survivors: Sequence[tuple[Mapping, Mapping[str, Any]]]
                         ) -> dict[int, dict]:
        """Write each survivor's changes (``(stored row, changes)``, a new version) and key
        it again; the values of each as now stored, by id."""
        by_columns: dict[tuple[str, ...], list[dict]] = {}
        for row, changes in survivors:
            values: dict[str, Any] = {"updated_at": self.records.now,
                                      "version": row["version"] + 1}
            for key, value in changes.items():
                fld = self.plan.by_key[key]
                ftype = self.plan.types[fld["type"]]
                if ftype.separate(fld):
                    ftype.save_separate(self.conn, self.plan.tables.children[key], row["id"],
                                        value, fld)
                else:
                    values.update(ftype.to_row(value, fld))
            by_columns.setdefault(tuple(sorted(values)), []).append(
                {"b_id": row["id"], **{f"v_{k}": v for k, v in values.items()}})
        for columns, params in by_columns.items():  # one statement per set of columns
            self.conn.execute(self.table.update().where(self.table.c.id == sa.bindparam("b_id"))
                              .values({c: sa.bindparam(f"v_{c}") for c in columns}), params)
        ids = [row["id"] for row, _ in survivors]
        after = self.values(self.live_rows(ids, lock=False))  # locked when first read
        self.store.index([(i, after[i]) for i in ids])
        search = self.plan.tables.search
        searched = [(row["id"], {**after[row["id"]], "owner": row["owner_id"]})
                    for row, changes in survivors
                    if changes and search is not None and search.columns_of(changes)]
        reindex_records(self.conn, search, self.plan.types, searched)
        return after

    def _bury(self, merged: Sequence[int], survivor: int) -> None:
        if not merged:
            return
        self.conn.execute(self.table.update().where(self.table.c.id.in_(merged)).values(
            deleted_at=self.records.now, updated_at=self.records.now,
            version=self.table.c.version + 1))
        unindex_records(self.conn, self.plan.tables.search, list(merged))
        self.store.forget(merged)

    def _repoint(self, merged: Sequence[int], survivor: int) -> list[list]:
        """Point the app's relations at the survivor; ``[form, field, moved]`` per field."""
        out = []
        for form_key, fld, plan in self.linking_fields():
            moved = plan.types[fld["type"]].repoint(
                self.conn, plan.table, plan.tables.children.get(fld["key"], []), fld,
                merged, survivor)
            if moved:
                out.append([form_key, fld["key"], moved])
        return out

    def linking_fields(self) -> list[tuple[str, dict, Any]]:
        """(form key, field, plan) of every field of the app's published forms that links to
        this form's records (read once per merger)."""
        if self._linking is None:
            self._linking = self._find_linking_fields()
        return self._linking

    def _find_linking_fields(self) -> list[tuple[str, dict, Any]]:
        query = (sa.select(Document.key, DocumentVersion.body)
                 .join(DocumentVersion, sa.and_(DocumentVersion.document_id == Document.id,
                                                DocumentVersion.number
                                                == Document.published_version))
                 .where(Document.app_key == self.plan.app_key, Document.kind == "form"))
        out = []
        types = self.plan.types
        for key, body in self.records.session.execute(query):
            wanted = [f for f in body.get("fields", []) if f.get("type") in types
                      and types[f["type"]].links_to(f) == self.plan.form_key]
            if wanted:
                plan = self.plan if key == self.plan.form_key else \
                    self.plan.plan_of(self.records.session, key)
                out += [(key, plan.by_key[f["key"]], plan) for f in wanted]
        return out

    def _remember(self, merges: Sequence[tuple]) -> list[int]:
        """Keep each merge (survivor, merged, rule, values before by id, links, changes,
        survivor's values after) for undoing it; their ids, in order."""
        rows = [{"app_key": self.plan.app_key, "form_key": self.plan.form_key,
                 "survivor": survivor, "merged": merged, "rule": rule, "via": self.records.via,
                 "user_id": self.records.principal.user_id, "at": self.records.now,
                 "snapshot": {"rows": {str(k): jsonable(v) for k, v in before.items()},
                              "links": links, "changed": sorted(changes),
                              "survivor_after": jsonable(after)}}
                for survivor, merged, rule, before, links, changes, after in merges]
        if len(rows) == 1:
            return [self.conn.execute(MERGES.insert().values(rows[0])).inserted_primary_key[0]]
        # numbered first, then one insert (RETURNING in parameter order ran a statement per
        # row on SQLite)
        ids = allocate_ids(self.conn, MERGES, len(rows))
        for row, merge_id in zip(rows, ids, strict=True):
            row["id"] = merge_id
        MERGE_INSERT.run(self.conn, rows)
        return ids

    def _audit(self, survivor: int, version: int, before: Mapping, changes: Mapping,
               merged: Sequence[int], versions: Mapping[int, int]) -> None:
        records = self.records
        entries = [records._audit(survivor, "merge", version, [
            {"field": k, "old": jsonable(before.get(k)), "new": jsonable(v)}
            for k, v in changes.items()] + [{"field": "merged", "old": None,
                                              "new": list(merged)}] * bool(merged))]
        entries += [records._audit(m, "merge", versions[m] + 1,
                                   [{"field": "merged_into", "old": None, "new": survivor}])
                    for m in merged]
        records._log(entries)


__all__ = ["Merger", "index_records", "jsonable"]

"""Records of a published form: create (one or in bulk: ``runtime.storage.creating``), read,
update, delete, history.

Every write checks permissions, coerces through the field types, checks references in batches,
keeps ``version`` for optimistic locking and writes one audit entry and one record event per
record change (the event sink comes with the session: see ``runtime.storage.sink``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from metadata.errors import Conflict, Forbidden, NotFound, Problem
from metadata.messages import msg
from metadata.orm import MAX_INTEGER
from runtime.directory import Directory
from runtime.fields.base import FieldType
from runtime.forms.behaviour import RelatedLoader
from runtime.forms.plan import FormPlan
from runtime.identity.store import IdentityStore, rules_of
from runtime.permissions import Access, Principal, row_clause
from runtime.storage.creating import AUDIT, AUDIT_INSERT, Creation, InvalidRecord, iso, problem_of
from runtime.storage.reader import ReaderView
from runtime.storage.refs import StorageReferences
from runtime.storage.related import related_loader
from runtime.storage.search_sync import index_records, reindex_records, unindex_records
from runtime.storage.sink import event_sink
from runtime.storage.touches import TouchLog


class Records(Creation):
    """One principal's view of one form's records, inside one session (one transaction)."""

    def __init__(self, session: Session, plan: FormPlan, principal: Principal, now: datetime,
                 via: str = "api", *, directory: Directory):
        self.session = session
        self.plan = plan
        self.principal = principal
        self.now = now
        self.via = via
        # what the principal sees of this form and of the forms its relations reach
        self.reader = ReaderView(session, plan, principal, directory)
        self.directory = directory
        self.access: Access = self.reader.access
        self.events = event_sink(session)
        self.table = plan.table
        self.refs = StorageReferences(session, now, plan.app_key, plan.form_key, self.reader,
                                      plan.types)
        self.touches = TouchLog(session, plan.app_key, plan.form_key)
        self._ref_fields = [f for f in plan.fields if _checks_references(plan.types[f["type"]])]
        self._generated = [f for f in plan.fields if plan.types[f["type"]].generated
                           and not plan.types[f["type"]].calculated]
        self.lang = "en"  # the language of validation messages written in the form
        self._identity: IdentityStore | None = None
        # saving computes on the whole record: stored values never depend on who saved
        self._related = related_loader(session, plan)
        self._row_fields = [(f, plan.types[f["type"]]) for f in plan.fields
                            if not plan.types[f["type"]].separate(f)]
        self._separate = [(f, plan.types[f["type"]]) for f in plan.fields
                          if plan.types[f["type"]].separate(f)]
        # the row value of most types is the value itself: skip their to_row call
        self._writers = [(f["key"], f, None if type(t).to_row is FieldType.to_row else t.to_row)
                         for f, t in self._row_fields]

    @property
    def conn(self) -> sa.Connection:
        return self.session.connection()

    @property
    def identity(self) -> IdentityStore:
        """The identity keys of the form's records, kept on every write (runtime.identity)."""
        if self._identity is None:
            self._identity = IdentityStore(self.conn, self.plan.app_key, self.plan.form_key,
                                           rules_of(self.plan))
        return self._identity

    def reader_related(self) -> RelatedLoader:
        """Related values as the principal may read them (for what the principal is shown
        while filling in a form): records outside the principal's read scope read as empty."""
        return related_loader(self.session, self.plan, self.reader)

    # -- reading ------------------------------------------------------------------------------
    def visible(self, action: str = "read") -> sa.ColumnElement[bool]:
        scope = self.access.require(action, self.plan.label("en") or self.plan.form_key)
        return sa.and_(self.table.c.deleted_at.is_(None),
                       row_clause(self.table, self.principal, scope,
                                  self.directory.members_query))

    def to_json(self, rows: Sequence[Mapping], everything: bool = False) -> list[dict]:
        """Records as the API gives them; ``everything`` includes the fields hidden from the
        principal (for formulas, which see the whole record)."""
        hidden = frozenset() if everything else self.access.hidden
        separate: dict[str, dict[int, Any]] = {}
        if self._separate and rows:
            ids = [r["id"] for r in rows]
            for fld, ftype in self._separate:
                if fld["key"] not in hidden:
                    tables = self.plan.tables.children.get(fld["key"], [])
                    separate[fld["key"]] = ftype.load_separate(self.conn, tables, ids, fld)
        out = []
        for row in rows:
            record = {"id": row["id"], "version": row["version"],
                      "created_at": iso(row["created_at"]), "updated_at": iso(row["updated_at"]),
                      "created_by": row["created_by"], "owner": row["owner_id"]}
            for fld, ftype in self._row_fields:
                if fld["key"] not in hidden:
                    record[fld["key"]] = ftype.from_row(row, fld)
            for key, values in separate.items():
                record[key] = values.get(row["id"], [])  # kept apart: always a list
            out.append(record)
        return out

    def formula_values(self, rows: Sequence[Mapping]) -> list[dict]:
        """Records as formulas read them (every field, hidden ones too; the system times as
        datetimes): ``to_json(everything=True)`` without writing times as text, for jobs
        that read many records (re-scoring)."""
        if self._separate:
            return self.to_json(rows, everything=True)
        fields = self._row_fields
        return [{"id": row["id"], "version": row["version"], "created_at": row["created_at"],
                 "updated_at": row["updated_at"], "created_by": row["created_by"],
                 "owner": row["owner_id"], **{f["key"]: t.from_row(row, f) for f, t in fields}}
                for row in rows]

    def _row(self, record_id: int, action: str = "read", lock: bool = False) -> Mapping:
        query = sa.select(self.table).where(self.table.c.id == record_id, self.visible(action))
        if lock:  # PostgreSQL locks the row; SQLite takes the write lock before it reads
            query = query.with_for_update()
        in_range = 0 < record_id <= MAX_INTEGER  # beyond: no such record on any database
        row = self.conn.execute(query).mappings().first() if in_range else None
        if row is None:
            if action != "read" and self.may("read", record_id):
                raise Forbidden([Problem("", f"you may read record {record_id} of "
                                             f"{self.plan.form_key} but not {action} it")])
            raise NotFound([Problem("", msg("record %(n)s of %(form)s does not exist or is not "
                                            "visible to you", n=record_id,
                                            form=self.plan.form_key))])
        return row

    def may(self, action: str, record_id: int | None = None) -> bool:
        """May the principal ``action`` (create, read, update, delete) record ``record_id``
        (a live one within the action's row scope), or, without an id, any record of the
        form?"""
        if not self.access.allows(action):
            return False
        if record_id is None:
            return True
        if not 0 < record_id <= MAX_INTEGER:
            return False
        query = sa.select(self.table.c.id).where(self.table.c.id == record_id,
                                                 self.visible(action))
        return self.conn.execute(query).first() is not None

    def readable_rows(self, ids: Iterable[int]) -> list[Mapping]:
        """The stored rows of the records among ``ids`` the principal may read."""
        if not self.may("read"):
            return []
        query = sa.select(self.table).where(self.table.c.id.in_(sorted(ids)),
                                            self.visible("read"))
        return list(self.conn.execute(query).mappings())

    def get(self, record_id: int) -> dict:
        return self.to_json([self._row(record_id)])[0]

    def get_all(self, record_id: int) -> dict:
        """A readable record with the fields hidden from the principal too (for formulas,
        which see the whole record; never hand this to the principal)."""
        return self.to_json([self._row(record_id)], everything=True)[0]

    # -- creating -----------------------------------------------------------------------------
    def _index(self, records: list[tuple[int, dict]], changed: set[str] | None = None) -> None:
        """Tell the search index of new records (or, with ``changed``, of changed ones)."""
        search, types = self.plan.tables.search, self.plan.types
        if changed is None:
            index_records(self.conn, search, types, records)
        else:
            reindex_records(self.conn, search, types, records, changed)

    def _audit(self, record_id: int, action: str, version: int, changes: list | dict
               ) -> dict:
        return {"at": self.now, "user_id": self.principal.user_id,
                "app_key": self.plan.app_key, "form_key": self.plan.form_key,
                "record_id": record_id, "action": action, "version": version,
                "changes": changes, "via": self.via}

    def _log(self, entries: list[dict]) -> set[tuple[str, str, int]]:
        """The audit entries and the record events of a write, in its transaction."""
        AUDIT_INSERT.run(self.conn, entries)
        return self.events.written(self.session, entries)

    # -- updating -----------------------------------------------------------------------------
    def update(self, record_id: int, payload: Any, expected_version: int | None = None) -> dict:
        current = self._row(record_id, "update", lock=True)
        if isinstance(payload, dict) and expected_version is None:
            expected_version = payload.get("version")
        self._check_version(record_id, expected_version, current["version"])
        payload = self._without_unchanged_generated(payload, current)
        values, problems = self.plan.load(payload, partial=True, access=self.access)
        before = self.to_json([current], everything=True)[0]
        if self.plan.behaviour is not None and not problems:
            problems = self.plan.behaviour.apply(values, before, set(payload), self._related,
                                                 self.lang)
        owner = current["owner_id"]
        if isinstance(payload, dict) and payload.get("owner") not in (None, owner):
            owner = self._owner(payload, problems)
        if problems:
            raise InvalidRecord(problems)
        results = [{"index": 0}]
        if not self._check_references([(0, values, owner)], results, before):
            raise InvalidRecord([problem_of(e) for e in results[0]["errors"]])
        changes = [{"field": k, "old": before.get(k), "new": v} for k, v in values.items()
                   if before.get(k) != v]
        if owner != current["owner_id"]:
            changes.append({"field": "owner", "old": current["owner_id"], "new": owner})
        if not changes:  # as a read gives it: without the fields hidden from the principal
            return self.to_json([current])[0]
        version = self._write_changes(current, values, owner)
        self._index([(record_id, {**before, **values, "owner": owner})],
                    changed={*values, *(["owner"] if owner != current["owner_id"] else [])})
        self.identity.index([(record_id, {**before, **values})])
        self._log([self._audit(record_id, "update", version, changes)])
        return self.get(record_id)

    def _check_version(self, record_id: int, expected: int | None, current: int) -> None:
        if expected is not None and expected != current:
            raise Conflict([Problem("/version", _stale(record_id, expected, current))])

    def _without_unchanged_generated(self, payload: Any, current: Mapping) -> Any:
        """A record sent back as it was read: unchanged generated values (auto numbers) are
        no attempt to set them."""
        if not isinstance(payload, dict) or not self._generated:
            return payload
        same = {f["key"] for f in self._generated if f["key"] in payload
                and payload[f["key"]] == self.plan.types[f["type"]].from_row(current, f)}
        return {k: v for k, v in payload.items() if k not in same}

    def _write_changes(self, current: Mapping, values: dict, owner: int | None) -> int:
        """Write an update's values if the row still has the version read; the new version."""
        record_id, version = current["id"], current["version"] + 1
        row: dict[str, Any] = {"updated_at": self.now, "version": version, "owner_id": owner}
        for fld, ftype in self._row_fields:
            if fld["key"] in values:
                row.update(ftype.to_row(values[fld["key"]], fld))
        done = self.conn.execute(self.table.update()
                                 .where(self.table.c.id == record_id,
                                        self.table.c.version == current["version"])
                                 .values(row))
        if done.rowcount != 1:
            raise Conflict([Problem("/version", _stale(record_id, current["version"],
                                                       version))])
        self._save_separate(record_id, values)
        return version

    def delete(self, record_id: int, expected_version: int | None = None) -> None:
        """Soft delete: the row stays, hidden from lists and reads."""
        current = self._row(record_id, "delete", lock=True)
        self._check_version(record_id, expected_version, current["version"])
        version = current["version"] + 1
        self.conn.execute(self.table.update().where(self.table.c.id == record_id)
                          .values(deleted_at=self.now, updated_at=self.now, version=version))
        unindex_records(self.conn, self.plan.tables.search, [record_id])
        self.identity.forget([record_id])
        self._log([self._audit(record_id, "delete", version, [])])

    # -- history ------------------------------------------------------------------------------
    def history(self, record_id: int) -> list[dict]:
        self._row(record_id)  # the history is visible exactly when the record is
        query = (sa.select(AUDIT).where(AUDIT.c.app_key == self.plan.app_key,
                                        AUDIT.c.form_key == self.plan.form_key,
                                        AUDIT.c.record_id == record_id)
                 .order_by(AUDIT.c.id))
        entries = self.conn.execute(query).mappings().all()
        names = self.directory.names(self.session, {e["user_id"] for e in entries})
        out = []
        for entry in entries:
            changes = entry["changes"]
            if isinstance(changes, dict):  # a creation: {field: new}
                changes = [{"field": k, "old": None, "new": v} for k, v in changes.items()]
            changes = [c for c in changes if c["field"] not in self.access.hidden]
            out.append({"id": entry["id"], "at": iso(entry["at"]), "action": entry["action"],
                        "version": entry["version"], "user": entry["user_id"],
                        "user_name": names.get(entry["user_id"]), "via": entry["via"],
                        "changes": changes})
        return out




def _stale(record_id: int, yours: int, current: int) -> str:
    return (f"record {record_id} was changed by someone else (you sent version {yours}, it is "
            f"now at version {current}); reload it and apply your change again")


def _checks_references(ftype: FieldType) -> bool:
    return type(ftype).unknown_references is not FieldType.unknown_references

"""Records of a published form: create (one or in bulk), read, update, delete, history.

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

from metadata.errors import Conflict, Forbidden, InvalidDocument, NotFound, Problem
from metadata.messages import msg
from metadata.orm import MAX_INTEGER
from runtime.arrivals import Touch
from runtime.directory import Directory
from runtime.fields.base import FieldType
from runtime.forms.behaviour import RelatedLoader
from runtime.forms.plan import FormPlan
from runtime.identity.store import IdentityStore, rules_of
from runtime.permissions import Access, Principal, row_clause
from runtime.storage.bulk import BulkInsert, pipelined, row_insert
from runtime.storage.checks import reference_problems, unique_problems
from runtime.storage.models import AuditEntry
from runtime.storage.reader import ReaderView
from runtime.storage.refs import StorageReferences
from runtime.storage.related import related_loader
from runtime.storage.search_sync import index_records, reindex_records, unindex_records
from runtime.storage.sink import event_sink
from runtime.storage.tables import allocate_ids
from runtime.storage.touches import TouchLog

Loaded = list[tuple[int, dict, Any]]  # (index in the request, loaded values, owner) per record
AUDIT = AuditEntry.__table__
AUDIT_INSERT = BulkInsert(AUDIT, [c.name for c in AUDIT.columns if c.name != "id"])


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


class InvalidRecord(InvalidDocument):
    status = 422


class Records:
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
    def create(self, payload: Any, arrival: Touch | None = None) -> dict:
        results = self.bulk_create([payload], single=True, arrivals=[arrival])
        if "errors" in results[0]:
            raise InvalidRecord([_problem(e) for e in results[0]["errors"]])
        return results[0]["record"]

    def bulk_create(self, payloads: Sequence[Any], single: bool = False,
                    arrivals: Sequence[Touch | None] | None = None) -> list[dict]:
        """Create many records; returns per-row results ``{"index", "record" | "errors"}``.

        Invalid rows are reported and skipped; valid rows are written together, each with the
        touch of its arrival (``arrivals`` by index; by default, the channel of the writer).
        """
        self.access.require("create", self.plan.label("en") or self.plan.form_key)
        results, loaded = self.checked(payloads)
        made = self.create_checked(loaded, [self._arrival(arrivals, i) for i, _, _ in loaded])
        for result in made:
            results[result["index"]] = result
        return results

    def checked(self, payloads: Sequence[Any]) -> tuple[list[dict], Loaded]:
        """Per payload ``{"index"}`` (``{"index", "errors"}`` for those refused), and the
        ``(index, values, owner)`` of those that would be stored: loaded, cleaned, their
        references and unique values checked (with the locks that check takes)."""
        results: list[dict] = [{"index": i} for i in range(len(payloads))]
        return results, self._check_references(self._load_new(payloads, results), results)

    def create_checked(self, loaded: Loaded, arrivals: Sequence[Touch]) -> list[dict]:
        """Write records that ``checked`` passed, in the same transaction, each with its
        arrival's touch; ``{"index", "record"}`` per record, in order. The values are taken as
        they are (generated fields are added to them)."""
        if not loaded:
            return []
        self.access.require("create", self.plan.label("en") or self.plan.form_key)
        rows, touched = self._insert(loaded, list(arrivals))
        hidden = self.access.hidden
        fields = [f["key"] for f in self.plan.fields if f["key"] not in hidden]
        lists = [f["key"] for f, _ in self._separate if f["key"] not in hidden]
        results, now = [], iso(self.now)
        for (i, values, _), row in zip(loaded, rows, strict=True):
            record = {"id": row["id"], "version": 1, "created_at": now, "updated_at": now,
                      "created_by": row["created_by"], "owner": row["owner_id"]}
            for key in fields:
                record[key] = values.get(key)
            for key in lists:  # as a read gives them: an empty list, not null
                if record[key] is None:
                    record[key] = []
            results.append({"index": i, "record": record})
        if touched:  # synchronous consumers changed some: answer with what is stored now
            self._read_again(results, touched)
        return results

    def check_new(self, payloads: Sequence[Any]) -> list[dict]:
        """What creating ``payloads`` would store (``values``, before generated fields) or the
        problems that would refuse each (``errors``); writes nothing."""
        results, loaded = self.checked(payloads)
        for i, values, _ in loaded:
            results[i]["values"] = values
        return results

    def _load_new(self, payloads: Sequence[Any], results: list[dict]) -> Loaded:
        """``(index, values, owner)`` of the payloads that load and pass the form's behaviour;
        the problems of the others go into their ``results``."""
        loaded: Loaded = []
        for i, payload in enumerate(payloads):
            values, problems = self.plan.load(payload, partial=False, access=self.access)
            owner = self._owner(payload, problems)
            if self.plan.behaviour is not None and not problems:
                problems = self.plan.behaviour.apply(values, None, set(payload), self._related,
                                                     self.lang, self.system_values(owner))
            if problems:
                results[i]["errors"] = [p.as_dict() for p in problems]
            else:
                loaded.append((i, values, owner))
        return loaded

    def _arrival(self, arrivals: Sequence[Touch | None] | None, index: int) -> Touch:
        touch = arrivals[index] if arrivals else None
        return touch if touch is not None else Touch(self.via)

    def _insert(self, loaded: Loaded, arrivals: list[Touch]
                ) -> tuple[list[dict], set[tuple[str, str, int]]]:
        """Write new records (rows, separate tables, touches, audit, events): their rows, and
        the records synchronous event consumers touched."""
        for (_, values, _), touch in zip(loaded, arrivals, strict=True):
            self._generate(values, touch)
        prepared = self._prepare(loaded)
        rows = [self._new_row(values, owner) for _, values, owner in loaded]
        if len(rows) == 1:  # the database numbers it: one statement, prepared once
            rows[0]["id"] = row_insert(self.table, rows[0]).run_one(self.conn, rows[0],
                                                                    new_id=True)
            ids = [rows[0]["id"]]
        else:
            ids = allocate_ids(self.conn, self.table, len(rows))
            for row, record_id in zip(rows, ids, strict=True):
                row["id"] = record_id
            row_insert(self.table, rows[0]).run(self.conn, rows)  # compiled once, not per row
        # one record, nothing read back: PostgreSQL gets these writes in one round trip
        with pipelined(self.conn, len(rows) == 1 and not self._separate):
            self._index([(rid, {**values, "owner": owner})
                         for (_i, values, owner), rid in zip(loaded, ids, strict=True)])
            self.touches.add(zip(ids, arrivals, strict=True), self.now, self.principal.user_id)
            audit = []
            for (_i, values, _), record_id in zip(loaded, ids, strict=True):
                self._save_separate(record_id, values)
                # a creation stores its values as {field: new}: the old values are all empty
                created = {k: v for k, v in values.items() if v is not None and v != []}
                audit.append(self._audit(record_id, "create", 1, created))
            AUDIT_INSERT.run(self.conn, audit)
        self.identity.index(zip(ids, (values for _i, values, _o in loaded), strict=True),
                            new=True)
        return rows, self.events.written(self.session, audit, prepared)

    def _prepare(self, loaded: Loaded) -> Any:
        """Synchronous consumers' step before the insert (the rules score new records):
        they see each record as formulas read it and may change its values."""
        records: list[dict] = []

        def make() -> list[dict]:
            system = {"id": None, **self.system_values(None)}
            records.extend({**system, "owner": owner, **values} for _, values, owner in loaded)
            return records
        prepared = self.events.prepare(self.session, self.plan.app_key, self.plan.form_key,
                                       "create", self.now, len(loaded), make)
        if prepared and records:  # what they changed, into the values written
            fields = self.plan.by_key
            for (_, values, _), record in zip(loaded, records, strict=True):
                for key, value in record.items():
                    if key in fields and (key not in values or values[key] is not value):
                        values[key] = value
        return prepared

    def _save_separate(self, record_id: int, values: dict) -> None:
        """The values kept in tables of their own (sub-table rows, say) that ``values`` sets."""
        for fld, ftype in self._separate:
            if fld["key"] in values:
                ftype.save_separate(self.conn, self.plan.tables.children[fld["key"]], record_id,
                                    values[fld["key"]], fld)

    def _read_again(self, results: list[dict], touched: set[tuple[str, str, int]]) -> None:
        ids = {rid for app, form, rid in touched
               if (app, form) == (self.plan.app_key, self.plan.form_key)}
        rows = self.conn.execute(sa.select(self.table).where(self.table.c.id.in_(sorted(ids))))
        fresh = {r["id"]: r for r in self.to_json(rows.mappings().all())}
        for result in results:
            if "record" in result and result["record"]["id"] in fresh:
                result["record"] = fresh[result["record"]["id"]]

    def system_values(self, owner: int | None) -> dict[str, Any]:
        """What formulas see of a new record's system columns before it is written."""
        return {"created_at": iso(self.now), "updated_at": iso(self.now), "owner": owner,
                "created_by": self.principal.user_id, "version": 1}

    def _owner(self, payload: Any, problems: list[Problem]) -> int | None:
        if not isinstance(payload, dict) or payload.get("owner") is None:
            return self.principal.user_id
        owner = payload["owner"]
        if isinstance(owner, bool) or not isinstance(owner, int) or not 0 < owner <= MAX_INTEGER:
            problems.append(Problem("/owner", "must be the id of a user"))
        elif owner != self.principal.user_id and self.access.scope("update") != "all":
            problems.append(Problem("/owner", "you may not give records to someone else"))
        elif not self.refs.existing_user_ids({owner}):
            problems.append(Problem("/owner", msg("user %(n)s does not exist", n=owner)))
        return owner

    def _check_references(self, loaded: list, results: list[dict],
                          before: Mapping | None = None) -> list:
        """Drop (and report) rows whose references or unique values do not hold; ``before``:
        the stored record an update changes (its links may stay)."""
        bad = reference_problems(self.plan, self._ref_fields, loaded, self.refs, before)
        # the other record holding a value is named to those who may read it
        taken = unique_problems(self.plan, self.conn, loaded, before,
                                lambda other: self.may("read", other))
        for index, errors in taken.items():
            bad.setdefault(index, []).extend(errors)
        for index, errors in bad.items():
            results[index]["errors"] = errors
        return [item for item in loaded if item[0] not in bad]

    def _generate(self, values: dict, arrival: Touch | None = None) -> None:
        """A new record's generated values (auto numbers, the arrival's channel...)."""
        self.refs.arriving(arrival)
        for fld in self._generated:
            values[fld["key"]] = self.plan.types[fld["type"]].generate(fld, self.refs)

    def _new_row(self, values: dict, owner: int | None) -> dict:
        row = {"created_at": self.now, "updated_at": self.now, "version": 1,
               "created_by": self.principal.user_id, "owner_id": owner, "deleted_at": None}
        for key, fld, to_row in self._writers:
            if to_row is None:
                row[key] = values.get(key)
            else:
                row.update(to_row(values.get(key), fld))
        return row

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
            raise InvalidRecord([_problem(e) for e in results[0]["errors"]])
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


def _problem(error: Mapping) -> Problem:
    """A row's error as a problem (the other record it names, if any)."""
    return Problem(error["path"], error["message"], record=error.get("record"))


def _stale(record_id: int, yours: int, current: int) -> str:
    return (f"record {record_id} was changed by someone else (you sent version {yours}, it is "
            f"now at version {current}); reload it and apply your change again")


def _checks_references(ftype: FieldType) -> bool:
    return type(ftype).unknown_references is not FieldType.unknown_references

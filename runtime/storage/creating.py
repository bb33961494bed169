"""Creating records, one or in bulk: the payloads loaded and checked through the field types,
references and unique values checked in batches, generated values and owners filled in, the
synchronous consumers' ``prepare`` step, then one insert, search index, identity keys, audit
entries and record events for the whole batch (``Records`` brings the rest: see
``runtime.storage.records``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from metadata.errors import InvalidDocument, Problem
from metadata.messages import msg
from metadata.orm import MAX_INTEGER
from runtime.arrivals import Touch
from runtime.storage.bulk import BulkInsert, pipelined, row_insert
from runtime.storage.checks import reference_problems, unique_problems
from runtime.storage.models import AuditEntry
from runtime.storage.tables import allocate_ids

Loaded = list[tuple[int, dict, Any]]  # (index in the request, loaded values, owner) per record
AUDIT = AuditEntry.__table__
AUDIT_INSERT = BulkInsert(AUDIT, [c.name for c in AUDIT.columns if c.name != "id"])


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


class InvalidRecord(InvalidDocument):
    status = 422


def problem_of(error: Mapping) -> Problem:
    """A row's error as a problem (the other record it names, if any)."""
    return Problem(error["path"], error["message"], record=error.get("record"))


class Creation:
    """The creating half of ``runtime.storage.records.Records`` (a mixin of it)."""

    def create(self, payload: Any, arrival: Touch | None = None) -> dict:
        results = self.bulk_create([payload], single=True, arrivals=[arrival])
        if "errors" in results[0]:
            raise InvalidRecord([problem_of(e) for e in results[0]["errors"]])
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


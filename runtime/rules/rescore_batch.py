"""One batch of a re-score, in two halves that ``runtime.rules.rescore`` overlaps.

``BatchReader.prepare`` reads the next batch of records — only the columns the models read,
when that is known — and their ledger totals, locking nothing, and works out what
re-scoring them books: a ``Prepared`` batch with the ``Stamp`` of what it read (each row's
version, the count and last id of the ledger's lines over those ids). ``commit``, in the
write transaction, locks the rows, reads the stamp again and, when nothing changed, writes
what was worked out; when something did (a write to one of the records meanwhile), it works
the batch out again under the lock. So while one batch is written, the next is read and
scored, and what is booked is always what a batch read under the lock would book.

Every write of a score books its ledger lines and counts the record's version up in one
transaction (``Executor.write`` goes through the records service; ``bulk_update`` counts
versions too), and the ledger is only ever added to (``runtime.rules.ledger``): the two
together tell whether a batch still stands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from runtime.rules.engine import Event
from runtime.rules.executor import Executor, Pass
from runtime.rules.ledger import INSERT, Ledger, Totals
from runtime.rules.published import LoadedRuleset
from runtime.rules.scoring import Line, ScoreModel
from runtime.storage.bulk_update import bulk_update

# system columns a formula may read, by the key formulas know them by
LIMIT = 20000  # kinds of record a run keeps what it books for (``Scorer``)
SYSTEM = {"id": "id", "version": "version", "created_at": "created_at",
          "updated_at": "updated_at", "created_by": "created_by", "owner": "owner_id"}


@dataclass(frozen=True)
class Stamp:
    """What a batch was worked out from: its live rows' count and sums of ids and versions
    (a write counts a version up, a delete or restore moves the count and the sum of ids),
    and, per model, the count and last id of the ledger's lines over their ids, read with
    the totals (lines are only ever added)."""

    rows: tuple[int, int, int]
    lines: tuple[tuple[int, int | None], ...]


@dataclass
class Outcome:
    """What re-scoring a batch books and writes."""

    lines: list[tuple[int, Line]] = field(default_factory=list)
    quiet: dict[tuple[str, ...], list[dict]] = field(default_factory=dict)  # by columns
    crossed: list[tuple[dict, list]] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return sum(len(v) for v in self.quiet.values())


@dataclass(frozen=True)
class Prepared:
    after: int  # the cursor the batch starts after
    first: int  # its first record's id
    last: int  # its last record's id
    count: int
    stamp: Stamp
    outcome: Outcome


class BatchReader:
    """Reads and scores batches of one run's records, through an executor of any session
    (the reading thread's own, or the write transaction's)."""

    def __init__(self, ls: LoadedRuleset, plan: Any, batch: int):
        self.ls = ls
        self.batch = batch
        self.scorer = Scorer(ls)
        self.table = t = plan.table
        keys = _keys(ls)
        self.fields = _read_fields(keys, plan)
        self.columns = [t] if keys is None or self.fields is None else sorted(
            {t.c[SYSTEM[k]] for k in SYSTEM if k in keys or k in ("id", "version")}
            | {t.c[c.name] for _k, f, ft in self.fields for c in ft.columns(f)},
            key=lambda c: c.name)

    def prepare(self, executor: Executor, after: int, max_id: int, lock: bool = False
                ) -> Prepared | None:
        """The next batch after ``after`` (None: there is none), read and scored; ``lock``:
        its rows locked (PostgreSQL; in a write transaction)."""
        conn = executor.session.connection()
        t = self.table
        query = (sa.select(*self.columns).where(t.c.id > after, t.c.id <= max_id,
                                                t.c.deleted_at.is_(None))
                 .order_by(t.c.id).limit(self.batch))
        rows = list(conn.execute(query.with_for_update() if lock else query).mappings())
        if not rows:
            return None
        first, last = rows[0]["id"], rows[-1]["id"]
        ledger = Ledger(executor.session, executor.app_key, self.ls.form, executor.now)
        held, lines = {}, []
        for model in self.ls.models:  # each model's totals with its lines' stamp
            held[model.key], stamp = ledger.held_between(model.key, first, last)
            lines.append(stamp)
        stamp = Stamp((len(rows), sum(r["id"] for r in rows), sum(r["version"] for r in rows)),
                      tuple(lines))
        values = self._values(executor, rows)
        return Prepared(after, first, last, len(rows), stamp, self.scorer.score(values, held))

    def still(self, executor: Executor, prepared: Prepared) -> bool:
        """Whether ``prepared`` still stands, its rows locked (PostgreSQL) or the write lock
        held (SQLite)."""
        t, conn = self.table, executor.session.connection()
        live = sa.and_(t.c.id > prepared.after, t.c.id <= prepared.last,
                       t.c.deleted_at.is_(None))
        if conn.dialect.name == "postgresql":
            conn.execute(sa.select(t.c.id).where(live).with_for_update()).close()
        rows = conn.execute(sa.select(sa.func.count(), sa.func.sum(t.c.id),
                                      sa.func.sum(t.c.version)).where(live)).one()
        if tuple(int(v or 0) for v in rows) != prepared.stamp.rows:
            return False
        found = Ledger(executor.session, executor.app_key, self.ls.form, executor.now
                       ).stamps(prepared.first, prepared.last)
        return prepared.stamp.lines == tuple(found.get(m.key, (0, None))
                                             for m in self.ls.models)

    def _values(self, executor: Executor, rows: list) -> list[dict]:
        if self.fields is None:
            return executor.records(self.ls.form).formula_values(rows)
        system = [(k, c) for k, c in SYSTEM.items() if c in rows[0]]
        fields = self.fields
        return [{**{k: row[c] for k, c in system},
                 **{k: ft.from_row(row, f) for k, f, ft in fields}} for row in rows]


def _keys(ls: LoadedRuleset) -> set[str] | None:
    """The fields the models' scores depend on (None: more than the record's own)."""
    keys: set[str] = set()
    for model in ls.models:
        keys.add(model.field)
        for attr in model.attributes:
            if attr.reads is None:
                return None
            keys |= attr.reads.raw | set(attr.reads.bounds)
    return keys


def _read_fields(keys: set[str] | None, plan: Any) -> list[tuple[str, dict, Any]] | None:
    """The form's fields the models read, with their types (None: read every column)."""
    if keys is None or any(k not in plan.by_key and k not in SYSTEM for k in keys):
        return None
    out = []
    for key in sorted(keys - set(SYSTEM)):
        fld = plan.by_key[key]
        ftype = plan.ftype(key)
        if ftype.separate(fld):
            return None
        out.append((key, fld, ftype))
    return out


# -- scoring ------------------------------------------------------------------------------------
class Scorer:
    """What re-scoring books, worked out once per kind of record: what a model books on a
    record depends only on its stored score, what its lines hold (total, clamp lines, per
    attribute) and what each attribute gives it now, and few records differ in all of those
    (at most ``LIMIT`` kinds kept per run; past that each record is worked out)."""

    def __init__(self, ls: LoadedRuleset):
        self.ls = ls
        self.known: dict[tuple, tuple | None] = {}

    def score(self, records: list[dict], held: Mapping[str, dict[int, Totals]]) -> Outcome:
        """What re-scoring ``records`` books, given what their lines hold (by model)."""
        out = Outcome()
        empty = Totals()
        for record in records:
            record_id = record["id"]
            values: dict[str, Any] = {}
            crossings: list = []
            for model in self.ls.models:
                found = self._of(model, record, held[model.key].get(record_id) or empty)
                if found is None:
                    continue
                lines, written, crossed = found
                out.lines += [(record_id, line) for line in lines]
                values.update(written)
                crossings += crossed
            if values:
                out.quiet.setdefault(tuple(sorted(values)), []).append({"_id": record_id,
                                                                        **values})
            if crossings:
                out.crossed.append((record, crossings))
        return out

    def _of(self, model: ScoreModel, record: Mapping, totals: Totals) -> tuple | None:
        now = model.points_now(record)
        key = (model.key, record.get(model.field), totals.total, totals.clamp,
               tuple(sorted(totals.attributes.items())), tuple(sorted(now.items())))
        try:
            return self.known[key]
        except KeyError:
            pass
        except TypeError:  # a stored score no key can hold
            return _work_out(model, record, totals)
        found = _work_out(model, record, totals)
        if len(self.known) < LIMIT:
            self.known[key] = found
        return found


def _work_out(model: ScoreModel, record: Mapping, totals: Totals) -> tuple | None:
    """The lines ``model`` books on ``record``, the fields written, the crossings."""
    found = _model(model, record, totals)
    if found is None:
        return None
    booked, now, old = found
    written: dict[str, Any] = {model.field: int(now) if model.whole else now}
    crossed = model.crossings(old, now)
    stage = model.stage(now)
    if crossed and model.stage_field and stage is not None:
        written[model.stage_field] = stage
    return tuple(booked), written, tuple((model, t, d) for t, d in crossed)


def _model(model: ScoreModel, record: Mapping, totals: Totals
           ) -> tuple[list[Line], float, float] | None:
    """The lines ``model`` books on ``record``, the score after them and before."""
    found: list[Line] = []
    stored = record.get(model.field)
    if stored is not None and model.round(float(stored) - totals.total):
        # a score set where no write booked it: the ledger takes it first
        manual = Line(model.key, "manual", None, model.round(float(stored) - totals.total))
        found.append(manual)
        totals = Totals(dict(totals.attributes), dict(totals.behaviours), totals.clamp,
                        totals.total)
        totals.add(manual)
    old = totals.total
    rescored = model.rescore_lines(record, totals.attributes)
    if not rescored and not found:
        return None
    rescored, now = model.result(totals.total, totals.raw, totals.clamp, rescored)
    return found + rescored, now, old


# -- writing ------------------------------------------------------------------------------------
def write(executor: Executor, ls: LoadedRuleset, outcome: Outcome, listens: bool) -> None:
    """Book the lines, write the moved scores, fire the threshold rules of the crossings."""
    session, now = executor.session, executor.now
    INSERT.run_values(session.connection(), [
        (now, executor.app_key, ls.form, record_id, ls.key, ls.version, line.model, line.kind,
         line.key, line.points, line.reason, None, None, None)
        for record_id, line in outcome.lines])
    _write_quietly(executor, ls, outcome.quiet)
    if listens:  # the threshold rules, one level deeper, as for any write
        for record, crossings in outcome.crossed:
            executor.after_booking(Pass(ls, Event("rescore", record), record["id"], None),
                                   crossings)


def _write_quietly(executor: Executor, ls: LoadedRuleset,
                   quiet: Mapping[tuple[str, ...], list[dict]]) -> None:
    """The moved scores in one statement per set of fields: the ledger lines are their
    history (no audit entry, no record event)."""
    records = executor.records(ls.form)
    table, plan = records.table, records.plan
    conn = executor.session.connection()
    for keys, found in quiet.items():
        rows = []
        for item in found:
            row: dict[str, Any] = {}
            for key in keys:
                row.update(plan.ftype(key).to_row(item[key], plan.by_key[key]))
            rows.append(row)
        columns = [*rows[0], "updated_at"]
        bulk_update(table, columns).run(conn, [
            (*row.values(), executor.now, item["_id"])
            for row, item in zip(rows, found, strict=True)])

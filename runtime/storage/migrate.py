"""Publishing a form creates or migrates its real table.

Added fields add columns; removed fields are archived (columns and data kept, hidden); a changed
type converts every stored value through the new type first and runs only when all convert.
DDL goes through Alembic operations (batch mode on SQLite) inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from metadata.errors import InvalidDocument, Problem
from metadata.messages import msg, quoted
from runtime.fields.base import FieldType, FieldValueError
from runtime.storage.search_sync import follow, rebuild
from runtime.storage.tables import LIST_INDEX_PREFIX, FormTables, build_tables

MAX_REPORTED = 20

if TYPE_CHECKING:
    from alembic.operations import Operations


def layout_entry(fld: Mapping, archived: bool = False) -> dict[str, Any]:
    """A field as its table keeps it; its label names it once the form no longer has it."""
    entry = {"key": fld["key"], "type": fld["type"], "config": fld.get("config") or {}}
    if fld.get("label"):
        entry["label"] = fld["label"]
    return {**entry, "archived": archived}


def signature(fld: Mapping, field_types: Mapping[str, FieldType], dialect: sa.Dialect) -> tuple:
    """What a field looks like physically: column names and types, child table layouts."""
    ftype = field_types[fld["type"]]
    cols = tuple((c.name, c.type.compile(dialect), bool(c.unique)) for c in ftype.columns(fld))
    probe = sa.Table("probe", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))
    children = tuple(
        (t.name, tuple((c.name, c.type.compile(dialect)) for c in t.columns))
        for t in ftype.child_tables(fld, probe, field_types)
    )
    return fld["type"], cols, children


@dataclass
class MigrationPlan:
    """What publishing will do to the table; ``summary()`` is shown before a publish."""

    table_name: str
    creates_table: bool
    layout: list[dict]
    added: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    converted: list[dict] = field(default_factory=list)  # {"key", "from", "to", "index"}
    duplicates: list[dict] = field(default_factory=list)  # see storage.checks.duplicates

    @property
    def changes_table(self) -> bool:
        return bool(self.creates_table or self.added or self.converted)

    def summary(self) -> dict[str, Any]:
        """What the plan does, for people and programs; conversions carry their counts once
        ``check_conversions`` has run, and ``duplicates`` are the values records share in
        fields the publish makes unique (filled by the runtime)."""
        return {"table": self.table_name, "creates_table": self.creates_table,
                "adds": self.added, "archives": self.archived, "restores": self.restored,
                "converts": [{"field": c["key"], "from": c["from"], "to": c["to"],
                              **{k: c[k] for k in ("records", "failed", "examples") if k in c}}
                             for c in self.converted],
                "duplicates": self.duplicates}


def plan_migration(table_name: str, old_layout: Sequence[Mapping] | None,
                   fields: Sequence[Mapping], field_types: Mapping[str, FieldType],
                   dialect: sa.Dialect) -> MigrationPlan:
    """Compare the stored layout with a form's fields."""
    if old_layout is None:
        return MigrationPlan(table_name, True, [layout_entry(f) for f in fields],
                             added=[f["key"] for f in fields])
    old = {e["key"]: e for e in old_layout}
    plan = MigrationPlan(table_name, False, [])
    new_keys = set()
    for index, fld in enumerate(fields):
        new_keys.add(fld["key"])
        before = old.get(fld["key"])
        entry = layout_entry(fld)
        if before is None:
            plan.added.append(fld["key"])
        elif signature(before, field_types, dialect) != signature(fld, field_types, dialect):
            plan.converted.append({"key": fld["key"], "from": before["type"], "to": fld["type"],
                                   "index": index, "old": before, "new": entry})
        elif before.get("archived"):
            plan.restored.append(fld["key"])
        plan.layout.append(entry)
    for entry in old_layout:
        if entry["key"] not in new_keys:
            if not entry.get("archived"):
                plan.archived.append(entry["key"])
            plan.layout.append({**entry, "archived": True})
    return plan


def convert_all(conn: sa.Connection, plan: MigrationPlan, old_tables: FormTables,
                field_types: Mapping[str, FieldType]) -> dict[str, dict[int, Any]]:
    """The stored values of every converted field in their new type (nothing is written);
    InvalidDocument names every field, and its records, that do not convert."""
    conversions = [_convert_values(conn, old_tables, change, field_types)
                   for change in plan.converted]
    problems = [p for c in conversions for p in c.problems()]
    if problems:
        raise InvalidDocument(problems)
    return {c.change["key"]: c.values for c in conversions}


def check_conversions(conn: sa.Connection, plan: MigrationPlan,
                      old_layout: Sequence[Mapping] | None,
                      field_types: Mapping[str, FieldType]) -> list[Problem]:
    """What a dry run of a publish checks: how the stored data converts. Each change of
    ``plan.converted`` gets its counts (``records``, ``failed``) and the first records that
    do not convert (``examples``); the problems that would refuse the publish are returned."""
    if not plan.converted:
        return []
    tables = build_tables(plan.table_name, old_layout or [], field_types)
    problems = []
    for change in plan.converted:
        conversion = _convert_values(conn, tables, change, field_types)
        change.update(records=conversion.converted, failed=conversion.failed,
                      examples=[{"record": rid, "value": value, "message": message}
                                for rid, value, message in conversion.failures])
        problems += conversion.problems()
    return problems


def apply_migration(conn: sa.Connection, plan: MigrationPlan, old_layout: Sequence[Mapping] | None,
                    field_types: Mapping[str, FieldType]) -> FormTables:
    """Run the plan's DDL and conversions on ``conn`` (inside the caller's transaction); the
    search index follows what is searched."""
    new_tables = build_tables(plan.table_name, plan.layout, field_types)
    if plan.creates_table:
        for table in new_tables.all():
            table.create(conn)
        rebuild(conn, new_tables.main, new_tables.search, field_types)
        return new_tables
    old_tables = build_tables(plan.table_name, old_layout or [], field_types)
    converted = convert_all(conn, plan, old_tables, field_types)
    # alembic only when a publish changes a table: the processes serving requests never need it
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    op = Operations(MigrationContext.configure(conn))
    for change in plan.converted:
        _drop_storage(op, conn, old_tables, change["old"], field_types)
    new_by_key = {e["key"]: e for e in plan.layout}
    for key in [*plan.added, *converted]:
        _add_storage(op, conn, new_tables, new_by_key[key], field_types)
    for key, values in converted.items():
        _write_values(conn, new_tables, new_by_key[key], values, field_types)
    ensure_list_indexes(conn, new_tables.main)
    follow(conn, old_tables.search, new_tables.search, new_tables.main, field_types)
    return new_tables


def ensure_list_indexes(conn: sa.Connection, main: sa.Table) -> list[str]:
    """Create the list indexes (``tables.index_name``) a table lacks, and drop those no list
    reads any more: tables published before get them right at their next publish or
    ``trellis init-db``. Returns the names created."""
    present = {ix["name"] for ix in sa.inspect(conn).get_indexes(main.name)
               if ix["name"] and ix["name"].startswith(LIST_INDEX_PREFIX)}
    wanted = {ix.name: ix for ix in main.indexes
              if ix.name and ix.name.startswith(LIST_INDEX_PREFIX)
              and ix.info.get("dialect") in (None, conn.dialect.name)}
    for name in sorted(present - set(wanted)):  # e.g. PostgreSQL's descending ones of old
        conn.exec_driver_sql(f"DROP INDEX {conn.dialect.identifier_preparer.quote(name)}")
    missing = sorted(set(wanted) - present)
    for name in missing:
        wanted[name].create(conn)
    return missing


@dataclass
class Conversion:
    """How the stored values of one field convert to its new type or configuration."""

    change: dict
    at: str  # where in the form document the change is
    values: dict[int, Any] = field(default_factory=dict)  # record id -> converted value
    converted: int = 0  # records with a value that converts
    failed: int = 0  # records whose value does not
    failures: list[tuple[int, Any, str]] = field(default_factory=list)  # the first ones

    def problems(self) -> list[Problem]:
        """What refuses the change: a summary, then each record listed in ``failures``."""
        if not self.failed:
            return []
        old, new = self.change["old"], self.change["new"]
        more = self.failed - len(self.failures)
        counts = {"field": quoted(old["key"]), "failed": self.failed,
                  "total": self.failed + self.converted}
        if old["type"] != new["type"]:
            head = msg("cannot change %(field)s from %(old)s to %(new)s: %(failed)s of "
                       "%(total)s stored values do not convert; nothing was changed",
                       old=old["type"], new=new["type"], **counts)
        else:
            head = msg("cannot change %(field)s (a %(type)s field) to its new configuration: "
                       "%(failed)s of %(total)s stored values do not fit it; nothing was "
                       "changed", type=old["type"], **counts)
        if more:
            head = msg("%(problem)s (%(more)s more not listed)", problem=head, more=more)
        return [Problem(self.at, head), *(
            Problem(self.at, msg("record %(id)s: %(value)s %(message)s", id=rid,
                                 value=quoted(value), message=message), record=rid)
            for rid, value, message in self.failures)]


def _convert_values(conn: sa.Connection, tables: FormTables, change: dict,
                    field_types: Mapping[str, FieldType]) -> Conversion:
    old, new = change["old"], change["new"]
    old_type, new_type = field_types[old["type"]], field_types[new["type"]]
    at = f"/fields/{change['index']}/" + ("type" if old["type"] != new["type"] else "config")
    out = Conversion(change, at)
    for record_id, value in _read_values(conn, tables, old, old_type).items():
        if old_type.is_empty(value):
            out.values[record_id] = None
            continue
        try:
            out.values[record_id] = _coerce(new_type, value, new)
            out.converted += 1
        except FieldValueError as exc:
            if new_type.calculated:  # recalculated after the publish anyway
                out.values[record_id] = None
                continue
            out.failed += 1
            if len(out.failures) < MAX_REPORTED:
                out.failures.append((record_id, value, exc.message))
    return out


def _coerce(new_type: FieldType, value: Any, fld: Mapping) -> Any:
    """A stored value through the new type; a list of one item becomes that item where the
    new type takes one value (several -> one converts when each record holds one)."""
    try:
        return new_type.coerce(value, fld)
    except FieldValueError:
        if isinstance(value, list) and len(value) == 1 and not isinstance(value[0], list):
            try:
                return new_type.coerce(value[0], fld)
            except FieldValueError:
                pass
        raise


def _read_values(conn: sa.Connection, tables: FormTables, fld: Mapping, ftype: FieldType
                 ) -> dict[int, Any]:
    main = tables.main
    ids = [r[0] for r in conn.execute(sa.select(main.c.id))]
    if ftype.separate(fld):
        found = ftype.load_separate(conn, tables.children.get(fld["key"], []), ids, fld)
        return {i: found.get(i) for i in ids}
    cols = [main.c.id, *(main.c[c.name] for c in ftype.columns(fld))]
    return {row["id"]: ftype.from_row(row, fld)
            for row in conn.execute(sa.select(*cols)).mappings()}


def _drop_storage(op: Operations, conn: sa.Connection, tables: FormTables, fld: Mapping,
                  field_types: Mapping[str, FieldType]) -> None:
    for child in tables.children.get(fld["key"], []):
        child.drop(conn)
    names = [c.name for c in field_types[fld["type"]].columns(fld)]
    if not names:
        return
    # the indexes the table has (one built for the other database, or for lists before the
    # table got list indexes, is not there)
    present = {ix["name"] for ix in sa.inspect(conn).get_indexes(tables.main.name)}
    for name in {ix.name for ix in tables.main.indexes
                 if ix.name in present and any(c.name in names for c in ix.columns)}:
        op.drop_index(name, table_name=tables.main.name)
    with op.batch_alter_table(tables.main.name) as batch:
        for name in names:
            batch.drop_column(name)


def _add_storage(op: Operations, conn: sa.Connection, tables: FormTables, fld: Mapping,
                 field_types: Mapping[str, FieldType]) -> None:
    main = tables.main
    for column in field_types[fld["type"]].columns(fld):
        bare = main.c[column.name]._copy()
        bare.unique = bare.index = None  # SQLite cannot ALTER in a constraint: indexes follow
        op.add_column(main.name, bare)
    for index in main.indexes:
        if any(c.name in {c.name for c in field_types[fld["type"]].columns(fld)}
               for c in index.columns):
            index.create(conn)
    for child in tables.children.get(fld["key"], []):
        child.create(conn)


def _write_values(conn: sa.Connection, tables: FormTables, fld: Mapping,
                  values: Mapping[int, Any], field_types: Mapping[str, FieldType]) -> None:
    ftype = field_types[fld["type"]]
    if ftype.separate(fld):
        for record_id, value in values.items():
            ftype.save_separate(conn, tables.children[fld["key"]], record_id, value, fld)
        return
    main = tables.main
    rows = []
    for record_id, value in values.items():
        row = {f"_{k}": v for k, v in ftype.to_row(value, fld).items()}
        rows.append({"_id": record_id, **row})
    if rows:
        names = [c.name for c in ftype.columns(fld)]
        stmt = (main.update().where(main.c.id == sa.bindparam("_id"))
                .values({n: sa.bindparam(f"_{n}") for n in names}))
        conn.execute(stmt, rows)

"""Line items: rows of sub-fields kept in a child table of the form's table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from metadata.errors import Problem
from metadata.messages import Message, msg, quoted
from runtime.fields.base import REQUIRED, FieldType, FieldValueError, config
from runtime.storage.names import child_table_name

SYSTEM_CHILD_COLUMNS = ("id", "parent_id", "position")


def row_message(row: int, sub: str, message: str) -> Message:
    """A sub-field's message in one row; pages show the sub-field's label for ``sub``."""
    return msg("row %(row)s, %(sub)s: %(message)s", row=row, sub=sub, message=message)


class SubTableField(FieldType):
    default_column = False
    type = "sub_table"
    matchable = False  # rows of sub-fields identify nobody
    label = {"zh": "子表单", "en": "Sub-table"}
    icon = "▦"
    description = "Line items: a list of rows, each with its own fields, in a child table."
    config_schema = {
        "type": "object",
        "required": ["fields"],
        "properties": {
            "fields": {"type": "array", "minItems": 1, "maxItems": 50,
                       "items": {"$ref": "#/$defs/field"}},
            "min_rows": {"type": "integer", "minimum": 0, "maximum": 1000},
            "max_rows": {"type": "integer", "minimum": 1, "maximum": 1000},
        },
        "additionalProperties": False,
    }
    widget = "sub_table"
    public_input = False
    sortable = False
    filter_ops = ("isnull", "notnull")
    separate_storage = True
    holds_rows = True
    sub_field_allowed = False
    # set by build_field_registry: the registry the sub-fields' types come from
    field_types: Mapping[str, FieldType] = {}

    def bind(self, registry: Mapping[str, FieldType]) -> None:
        self.field_types = registry

    def row_fields(self, fld: Mapping) -> list[dict]:
        return list(config(fld).get("fields", []))

    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        props = {}
        for sub in self.row_fields(fld):
            inner = self.field_types[sub["type"]].value_schema(sub)
            props[sub["key"]] = {"anyOf": [{"type": "null"}, inner]} if inner else {}
        row = {"type": "object", "properties": props, "additionalProperties": False}
        return {"type": "array", "items": row, "maxItems": config(fld).get("max_rows", 1000)}

    def coerce(self, value: Any, fld: Mapping) -> Any:
        if not isinstance(value, list):
            raise FieldValueError(msg("must be a list of rows"))
        cfg = config(fld)
        if len(value) > cfg.get("max_rows", 1000):
            raise FieldValueError(msg("may have at most %(n)s rows", n=cfg.get("max_rows", 1000)))
        subs = {s["key"]: s for s in self.row_fields(fld)}
        rows = []
        for n, row in enumerate(value, start=1):
            if not isinstance(row, dict):
                raise FieldValueError(msg("row %(row)s must be an object of sub-field values",
                                          row=n))
            unknown = set(row) - set(subs) - {"id"}
            if unknown:
                raise FieldValueError(msg("row %(row)s: %(key)s is not a sub-field", row=n,
                                          key=quoted(sorted(unknown)[0])))
            clean = {}
            for key, sub in subs.items():
                ftype = self.field_types[sub["type"]]
                raw = row.get(key)
                try:
                    v = None if raw is None else ftype.coerce(raw, sub)
                except FieldValueError as exc:
                    raise FieldValueError(row_message(n, key, exc.message)) from None
                if sub.get("required") and ftype.is_empty(v):
                    raise FieldValueError(row_message(n, key, REQUIRED))
                clean[key] = v
            if any(not self.field_types[subs[k]["type"]].is_empty(v) for k, v in clean.items()):
                rows.append(clean)
        if len(rows) < cfg.get("min_rows", 0):
            raise FieldValueError(msg("needs at least %(n)s rows", n=cfg["min_rows"]))
        return rows

    def is_empty(self, value: Any) -> bool:
        return not value

    def unknown_references(self, fld: Mapping, values: Sequence[Any], refs, app_key: str
                           ) -> dict[int, str]:
        """What the sub-fields' types find wrong in the rows: the first problem per value."""
        problems: dict[int, str] = {}
        for sub in self.row_fields(fld):
            ftype = self.field_types[sub["type"]]
            cells = [(i, n, row[sub["key"]]) for i, rows in enumerate(values)
                     for n, row in enumerate(rows or [], start=1)
                     if not ftype.is_empty(row.get(sub["key"]))]
            if not cells:
                continue
            found = ftype.unknown_references(sub, [c[2] for c in cells], refs, app_key)
            for j, message in sorted(found.items()):
                index, row, _value = cells[j]
                problems.setdefault(index, row_message(row, sub["key"], message))
        return problems

    def linked_records(self, fld: Mapping, value: Any) -> list[tuple[str, int]]:
        return [link for row in value or [] for sub in self.row_fields(fld)
                for link in self.field_types[sub["type"]].linked_records(sub, row.get(
                    sub["key"]))]

    # -- storage ------------------------------------------------------------------------------
    def columns(self, fld: Mapping) -> list[sa.Column]:
        return []

    def to_row(self, value: Any, fld: Mapping) -> dict[str, Any]:
        return {}

    def child_tables(self, fld: Mapping, parent: sa.Table, field_types: Mapping
                     ) -> list[sa.Table]:
        columns = [
            sa.Column("id", sa.Integer, primary_key=True),
            # no database-level foreign key: SQLite's batch migrations recreate the parent
            sa.Column("parent_id", sa.Integer, nullable=False, index=True),
            sa.Column("position", sa.Integer, nullable=False, default=0),
        ]
        for sub in self.row_fields(fld):
            columns += field_types[sub["type"]].columns(sub)
        return [sa.Table(child_table_name(parent.name, fld["key"]), parent.metadata, *columns)]

    def save_separate(self, conn, tables, record_id, value, fld) -> None:
        child = tables[0]
        conn.execute(child.delete().where(child.c.parent_id == record_id))
        rows = []
        for position, item in enumerate(value or []):
            row = {"parent_id": record_id, "position": position}
            for sub in self.row_fields(fld):
                row.update(self.field_types[sub["type"]].to_row(item.get(sub["key"]), sub))
            rows.append(row)
        if rows:
            conn.execute(child.insert(), rows)

    def load_separate(self, conn, tables, record_ids, fld) -> dict[int, Any]:
        child = tables[0]
        out: dict[int, list[dict]] = {}
        query = (sa.select(child).where(child.c.parent_id.in_(list(record_ids)))
                 .order_by(child.c.parent_id, child.c.position))
        subs = self.row_fields(fld)
        for row in conn.execute(query).mappings():
            item = {s["key"]: self.field_types[s["type"]].from_row(row, s) for s in subs}
            out.setdefault(row["parent_id"], []).append(item)
        return out

    def holds_files(self, fld: Mapping) -> bool:
        return any(self.field_types[s["type"]].holds_files(s) for s in self.row_fields(fld))

    def file_ids(self, value: Any, fld: Mapping) -> set[str]:
        found: set[str] = set()
        for sub in self.row_fields(fld):
            ftype = self.field_types[sub["type"]]
            for row in value or []:
                found |= ftype.file_ids(row.get(sub["key"]), sub)
        return found

    def file_mentions(self, table: sa.Table, fld: Mapping, file_id: str):
        child = table.metadata.tables[child_table_name(table.name, fld["key"])]
        clauses = [c for s in self.row_fields(fld)
                   if (c := self.field_types[s["type"]].file_mentions(child, s, file_id))
                   is not None]
        if not clauses:
            return None
        return sa.exists(sa.select(child.c.id).where(child.c.parent_id == table.c.id,
                                                     sa.or_(*clauses)))

    def filter_expression(self, table: sa.Table, fld: Mapping, op: str, value: Any):
        child = table.metadata.tables[child_table_name(table.name, fld["key"])]
        has = sa.exists(sa.select(child.c.id).where(child.c.parent_id == table.c.id))
        return has if op == "notnull" else ~has

    def sort_expression(self, table: sa.Table, fld: Mapping):
        return None

    # -- presentation -------------------------------------------------------------------------
    def display(self, value: Any, fld: Mapping, lang: str) -> str:
        if not value:
            return ""
        n = len(value)
        return f"{n} 行" if lang.startswith("zh") else f"{n} row{'s' if n != 1 else ''}"

    def widget_context(self, fld: Mapping, value: Any, lang: str) -> dict[str, Any]:
        return {"sub_fields": self.row_fields(fld)}

    # -- metadata -----------------------------------------------------------------------------
    def check(self, fld: dict, path: str, ctx) -> list[Problem]:
        problems = ctx.check_fields(self.row_fields(fld), path + "/config/fields")
        for i, sub in enumerate(self.row_fields(fld)):
            ftype = ctx.field_types.get(sub.get("type"))
            if ftype is None:
                continue
            if not ftype.sub_field_allowed or ftype.separate(sub) or sub["key"] in (
                    SYSTEM_CHILD_COLUMNS):
                problems.append(Problem(f"{path}/config/fields/{i}/type", msg(
                    "a %(type)s field cannot be used inside a sub-table", type=sub["type"])
                    if sub["key"] not in SYSTEM_CHILD_COLUMNS
                    else msg("%(key)s is reserved in a sub-table", key=quoted(sub["key"]))))
        cfg = config(fld)
        if cfg.get("min_rows", 0) > cfg.get("max_rows", 1000):
            problems.append(Problem(path + "/config/min_rows", msg("is larger than max_rows")))
        return problems

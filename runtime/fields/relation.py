"""A link to one or more records of another form of the same app."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from metadata.errors import Problem
from metadata.messages import msg, quoted
from metadata.orm import MAX_INTEGER, whole_number
from runtime.fields.base import EQUALITY_OPS, FieldType, FieldValueError, RecordTitles, config
from runtime.storage.names import child_table_name


def _record_id(value: Any) -> int:
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, str) and whole_number(value.strip()) is not None:
        value = whole_number(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_INTEGER:
        raise FieldValueError(msg("must be the id of a record (a whole number from 1 to "
                                  "%(n)s)", n=MAX_INTEGER))
    return value


class RelationField(FieldType):
    type = "relation"
    label = {"zh": "关联记录", "en": "Relation"}
    icon = "⇄"
    description = "A link to a record (or several) of another form in the same app."
    config_schema = {
        "type": "object",
        "required": ["target_form"],
        "properties": {
            "target_form": {"$ref": "#/$defs/key"},
            "display_field": {"$ref": "#/$defs/key"},
            "multiple": {"type": "boolean"},
            "max_items": {"type": "integer", "minimum": 1, "maximum": 1000},
        },
        "additionalProperties": False,
    }
    widget = "relation"
    public_input = False
    can_group_by = True
    filter_ops = EQUALITY_OPS

    def filter_input(self, fld: Mapping, lang: str) -> dict[str, Any]:
        return {"kind": "relation"}

    @staticmethod
    def multiple(fld: Mapping) -> bool:
        return bool(config(fld).get("multiple"))

    def separate(self, fld: Mapping) -> bool:
        return self.multiple(fld)

    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        one = {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER}
        if self.multiple(fld):
            return {"type": "array", "items": one, "uniqueItems": True}
        return one

    def coerce(self, value: Any, fld: Mapping) -> Any:
        if not self.multiple(fld):
            if value == "":
                return None
            return _record_id(value)
        if not isinstance(value, list):
            value = [value]
        ids = list(dict.fromkeys(_record_id(v) for v in value if v not in ("", None)))
        limit = config(fld).get("max_items")
        if limit and len(ids) > limit:
            raise FieldValueError(msg("may link at most %(n)s records", n=limit))
        return ids

    def parse_form(self, raw: Sequence[str], fld: Mapping) -> Any:
        values = [r.strip() for r in raw if r.strip()]
        if self.multiple(fld):
            return values
        return values[-1] if values else None

    def unknown_references(self, fld: Mapping, values: Sequence[Any], refs, app_key: str
                           ) -> dict[int, str]:
        target = config(fld)["target_form"]
        wanted = set()
        for v in values:
            wanted.update(v if isinstance(v, list) else [v])
        found = refs.linkable_record_ids(app_key, target, wanted)
        problems = {}
        for i, v in enumerate(values):
            missing = [x for x in (v if isinstance(v, list) else [v]) if x not in found]
            if missing:
                # one message for both: a record one may not read is one that is not there
                problems[i] = msg("record %(n)s of %(form)s does not exist or is not visible "
                                  "to you", n=missing[0], form=target)
        return problems

    def linked_records(self, fld: Mapping, value: Any) -> list[tuple[str, int]]:
        items = value if isinstance(value, list) else [value]
        return [(config(fld)["target_form"], i) for i in items
                if isinstance(i, int) and not isinstance(i, bool)]

    def formula_link(self, fld: Mapping) -> str | None:
        return None if self.multiple(fld) else config(fld)["target_form"]

    # -- storage ------------------------------------------------------------------------------
    def columns(self, fld: Mapping) -> list[sa.Column]:
        if self.multiple(fld):
            return []
        return [sa.Column(fld["key"], sa.Integer, nullable=True, index=True)]

    def to_row(self, value: Any, fld: Mapping) -> dict[str, Any]:
        return {} if self.multiple(fld) else {fld["key"]: value}

    def from_row(self, row: Mapping[str, Any], fld: Mapping) -> Any:
        return row[fld["key"]]

    def child_tables(self, fld: Mapping, parent: sa.Table, field_types: Mapping
                     ) -> list[sa.Table]:
        if not self.multiple(fld):
            return []
        return [sa.Table(
            child_table_name(parent.name, fld["key"]), parent.metadata,
            # no database-level foreign key: SQLite's batch migrations recreate the parent
            sa.Column("record_id", sa.Integer, primary_key=True),
            sa.Column("target_id", sa.Integer, primary_key=True, index=True),
            sa.Column("position", sa.Integer, nullable=False, default=0),
        )]

    def save_separate(self, conn, tables, record_id, value, fld) -> None:
        link = tables[0]
        conn.execute(link.delete().where(link.c.record_id == record_id))
        if value:
            conn.execute(link.insert(), [{"record_id": record_id, "target_id": t, "position": i}
                                         for i, t in enumerate(value)])

    def links_to(self, fld: Mapping) -> str | None:
        return config(fld)["target_form"]

    def repoint(self, conn, table, children, fld, merged, survivor) -> list[list]:
        """Single links: ``[row id, old target]``; several: ``[row id, old target, position,
        dropped]`` (dropped: the row already linked the survivor)."""
        if not self.multiple(fld):
            col = table.c[fld["key"]]
            moved = [list(r) for r in conn.execute(
                sa.select(table.c.id, col).where(col.in_(merged)))]
            conn.execute(table.update().where(col.in_(merged)).values({fld["key"]: survivor}))
            return moved
        link = children[0]
        rows = conn.execute(sa.select(link.c.record_id, link.c.target_id, link.c.position)
                            .where(link.c.target_id.in_([*merged, survivor]))).all()
        has = {r.record_id for r in rows if r.target_id == survivor}
        moved = []
        for r in rows:
            if r.target_id == survivor:
                continue
            where = sa.and_(link.c.record_id == r.record_id, link.c.target_id == r.target_id)
            dropped = r.record_id in has
            conn.execute(link.delete().where(where) if dropped
                         else link.update().where(where).values(target_id=survivor))
            has.add(r.record_id)
            moved.append([r.record_id, r.target_id, r.position, dropped])
        return moved

    def unpoint(self, conn, table, children, fld, moved, survivor) -> None:
        if not self.multiple(fld):
            for row_id, old in moved:
                conn.execute(table.update().where(table.c.id == row_id,
                                                  table.c[fld["key"]] == survivor)
                             .values({fld["key"]: old}))
            return
        link = children[0]
        for row_id, old, position, dropped in moved:
            if not dropped:
                conn.execute(link.delete().where(link.c.record_id == row_id,
                                                 link.c.target_id == survivor))
            conn.execute(link.insert().values(record_id=row_id, target_id=old,
                                              position=position))

    def load_separate(self, conn, tables, record_ids, fld) -> dict[int, Any]:
        link = tables[0]
        out: dict[int, list[int]] = {}
        rows = conn.execute(sa.select(link.c.record_id, link.c.target_id)
                            .where(link.c.record_id.in_(list(record_ids)))
                            .order_by(link.c.record_id, link.c.position))
        for record_id, target_id in rows:
            out.setdefault(record_id, []).append(target_id)
        return out

    def filter_expression(self, table: sa.Table, fld: Mapping, op: str, value: Any):
        if not self.multiple(fld):
            return super().filter_expression(table, fld, op, value)
        link = [t for t in table.metadata.tables.values()
                if t.name == child_table_name(table.name, fld["key"])][0]
        has = sa.select(link.c.record_id).where(link.c.record_id == table.c.id)
        if op in ("isnull", "notnull"):
            return ~sa.exists(has) if op == "isnull" else sa.exists(has)
        targets = value if isinstance(value, list) else [value]
        match = sa.exists(has.where(link.c.target_id.in_(targets)))
        return ~match if op in ("ne", "nin") else match

    def sort_expression(self, table: sa.Table, fld: Mapping):
        if self.multiple(fld):
            return None
        return table.c[fld["key"]]

    # -- presentation -------------------------------------------------------------------------
    def display(self, value: Any, fld: Mapping, lang: str) -> str:
        if value in (None, []):
            return ""
        values = value if isinstance(value, list) else [value]
        return ", ".join(f"#{v}" for v in values)

    def widget_context(self, fld: Mapping, value: Any, lang: str) -> dict[str, Any]:
        return {"target_form": config(fld)["target_form"], "multiple": self.multiple(fld)}

    def names(self, fld: Mapping) -> RecordTitles:
        return RecordTitles(config(fld)["target_form"], config(fld).get("display_field"))

    # -- metadata -----------------------------------------------------------------------------
    def check(self, fld: dict, path: str, ctx) -> list[Problem]:
        target = config(fld).get("target_form")
        form = ctx.forms.get(target)
        if form is None:
            return [Problem(path + "/config/target_form",
                            msg("form %(form)s does not exist in app %(app)s",
                                form=quoted(target), app=quoted(ctx.app_key)))]
        display = config(fld).get("display_field")
        if display is not None and display not in {f.get("key") for f in form.get("fields", [])}:
            return [Problem(path + "/config/display_field",
                            msg("%(key)s is not a field of form %(form)s", key=quoted(display),
                                form=quoted(target)))]
        return super().check(fld, path, ctx)

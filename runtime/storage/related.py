"""Values one hop away: what ``{relation.field}`` in a formula reads for a record."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from metadata.errors import TrellisError
from runtime.forms.behaviour import RelatedLoader
from runtime.forms.plan import FormPlan
from runtime.storage.reader import ReaderView


def related_loader(session: Session, plan: FormPlan, reader: ReaderView | None = None
                   ) -> RelatedLoader:
    """Loads ``{"relation.field": value}`` for a record from the records its single relations
    point at (deleted or missing records give empty values). With ``reader``, the values are
    those the reader's formulas see: records the reader may not read give empty values too."""
    return RelatedValues(session, plan, reader).load


class RelatedValues:
    """The values of the records one form's single relations point at (``related_loader``)."""

    def __init__(self, session: Session, plan: FormPlan, reader: ReaderView | None):
        self.session = session
        self.plan = plan
        self.reader = reader

    def load(self, record: Mapping[str, Any], paths: frozenset[str]) -> dict[str, Any]:
        wanted: dict[str, list[str]] = defaultdict(list)
        for path in paths:
            relation, _, key = path.partition(".")
            wanted[relation].append(key)
        out: dict[str, Any] = {}
        for relation, keys in wanted.items():
            fld = self.plan.by_key.get(relation)
            if fld is None or self.plan.ftype(relation).formula_link(fld) is None:
                continue  # a sub-table: formulas total its rows, which the record holds
            out.update(dict.fromkeys(f"{relation}.{k}" for k in keys))
            target_id = record.get(relation)
            if isinstance(target_id, bool) or not isinstance(target_id, int):
                continue
            out.update(self.values(relation, target_id, keys))
        return out

    def target_of(self, relation: str) -> FormPlan | None:
        if self.reader is not None:
            return self.reader.target(relation)
        fld = self.plan.by_key.get(relation)
        link = self.plan.ftype(relation).formula_link(fld) if fld is not None else None
        if link is None or self.plan.plan_of is None:
            return None  # a sub-table: formulas total its rows, which the record holds
        try:
            return self.plan.plan_of(self.session, link)
        except TrellisError:
            return None  # the related form is not published (yet)

    def values(self, relation: str, target_id: int, keys: list[str]) -> dict[str, Any]:
        """``{"relation.key": value}`` of the record ``target_id`` one hop away, if it is
        there (and the reader may read it); empty otherwise."""
        target = self.target_of(relation)
        if target is None:
            return {}
        table = target.table
        visible = (table.c.deleted_at.is_(None) if self.reader is None
                   else self.reader.rows(target, table))
        row = self.session.connection().execute(
            sa.select(table).where(table.c.id == target_id, visible)).mappings().first()
        if row is None:
            return {}
        return {f"{relation}.{key}": target.ftype(key).from_row(row, target.by_key[key])
                for key in keys
                if key in target.by_key and not target.ftype(key).separate(target.by_key[key])}

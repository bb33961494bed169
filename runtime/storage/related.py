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

    def target_of(relation: str) -> FormPlan | None:
        if reader is not None:
            return reader.target(relation)
        fld = plan.by_key.get(relation)
        link = plan.ftype(relation).formula_link(fld) if fld is not None else None
        if link is None or plan.plan_of is None:
            return None  # a sub-table: formulas total its rows, which the record holds
        try:
            return plan.plan_of(session, link)
        except TrellisError:
            return None  # the related form is not published (yet)

    def load(record: Mapping[str, Any], paths: frozenset[str]) -> dict[str, Any]:
        if not paths:
            return {}
        wanted: dict[str, list[str]] = defaultdict(list)
        for path in paths:
            relation, _, key = path.partition(".")
            wanted[relation].append(key)
        out: dict[str, Any] = {}
        for relation, keys in wanted.items():
            fld = plan.by_key.get(relation)
            if fld is None or plan.ftype(relation).formula_link(fld) is None:
                continue  # a sub-table: formulas total its rows, which the record holds
            out.update(dict.fromkeys(f"{relation}.{k}" for k in keys))
            target_id = record.get(relation)
            if isinstance(target_id, bool) or not isinstance(target_id, int):
                continue
            target = target_of(relation)
            if target is None:
                continue
            table = target.table
            visible = (table.c.deleted_at.is_(None) if reader is None
                       else reader.rows(target, table))
            row = session.connection().execute(
                sa.select(table).where(table.c.id == target_id, visible)).mappings().first()
            if row is None:
                continue
            for key in keys:
                if key in target.by_key and not target.ftype(key).separate(target.by_key[key]):
                    out[f"{relation}.{key}"] = target.ftype(key).from_row(row,
                                                                          target.by_key[key])
        return out

    return load

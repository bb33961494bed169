"""The point ledger's database adapter: what a record's lines of a model add up to (by kind
and key), booking lines, and reading a record's ledger."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from runtime.rules.models import ScoreEntry
from runtime.rules.scoring import Line
from runtime.storage.bulk import BulkInsert

LEDGER = ScoreEntry.__table__
L = LEDGER.c
COLUMNS = ("at", "app_key", "form_key", "record_id", "ruleset", "version", "model", "kind",
           "key", "points", "reason", "event_id", "related_id", "actor_id")
INSERT = BulkInsert(LEDGER, COLUMNS)  # compiled once; COPY on PostgreSQL


@dataclass
class Totals:
    """A record's lines of one model, added up: per attribute (its ``attribute`` lines and
    the ``rescore`` lines that moved it), per behaviour, the clamp lines, and everything."""

    attributes: dict[str, float] = field(default_factory=dict)
    behaviours: dict[str, float] = field(default_factory=dict)
    clamp: float = 0
    total: float = 0

    @property
    def raw(self) -> float:
        """The score before clamping: every line but the clamp lines."""
        return self.total - self.clamp

    def add(self, line: Line) -> None:
        self.add_sum(line.kind, line.key, line.points)

    def add_sum(self, kind: str, key: str | None, points: float) -> None:
        """Add lines of ``kind`` and ``key`` summing to ``points``."""
        if kind in ("attribute", "rescore") and key is not None:
            self.attributes[key] = self.attributes.get(key, 0) + points
        elif kind == "behaviour":
            self.behaviours[key] = self.behaviours.get(key, 0) + points  # type: ignore[index]
        elif kind == "clamp":
            self.clamp += points
        self.total += points


class Ledger:
    def __init__(self, session: Session, app_key: str, form_key: str, now: datetime):
        self.session = session
        self.app_key = app_key
        self.form_key = form_key
        self.now = now

    def _of(self, record_id: int) -> sa.ColumnElement[bool]:
        return sa.and_(L.app_key == self.app_key, L.form_key == self.form_key,
                       L.record_id == record_id)

    def totals(self, record_id: int, model: str) -> Totals:
        out = Totals()
        query = (sa.select(L.kind, L.key, sa.func.sum(L.points))
                 .where(self._of(record_id), L.model == model).group_by(L.kind, L.key))
        for kind, key, points in self.session.execute(query):
            out.add(Line(model, kind, key, float(points or 0)))
        return out

    def totals_between(self, model: str, first: int, last: int) -> dict[int, Totals]:
        """The totals of the records ``first``..``last`` that have lines of ``model``."""
        return self.held_between(model, first, last)[0]

    def held_between(self, model: str, first: int, last: int
                     ) -> tuple[dict[int, Totals], tuple[int, int | None]]:
        """The totals of the records ``first``..``last`` that have lines of ``model`` (one
        query; rows read at once and added up without a Line each: re-scoring reads a
        million records' lines this way), and how many lines they are and the last one's id
        (read with them: what a later ``stamps`` tells a change by)."""
        out: dict[int, Totals] = {}
        query = (sa.select(L.record_id, L.kind, L.key, sa.func.sum(L.points),
                           sa.func.count(), sa.func.max(L.id))
                 .where(L.app_key == self.app_key, L.form_key == self.form_key,
                        L.record_id.between(first, last), L.model == model)
                 .group_by(L.record_id, L.kind, L.key))
        result = self.session.connection().execute(query)
        try:  # the driver's tuples as they are: no Row per line
            found = result.cursor.fetchall()
        finally:
            result.close()
        lines, top = 0, None
        for record_id, kind, key, points, count, last_id in found:  # (groups in any order)
            lines += count
            top = last_id if top is None or last_id > top else top
            totals = out.get(record_id)
            if totals is None:
                totals = out[record_id] = Totals()
            points = float(points or 0)
            if key is not None and (kind == "attribute" or kind == "rescore"):
                totals.attributes[key] = totals.attributes.get(key, 0) + points
            else:
                totals.add_sum(kind, key, points)
                continue
            totals.total += points
        return out, (lines, top)

    def stamps(self, first: int, last: int) -> dict[str, tuple[int, int | None]]:
        """Per model, how many lines the records ``first``..``last`` have and the last
        one's id (lines are only ever added: a change shows in one or the other)."""
        query = (sa.select(L.model, sa.func.count(), sa.func.max(L.id))
                 .where(L.app_key == self.app_key, L.form_key == self.form_key,
                        L.record_id.between(first, last)).group_by(L.model))
        return {model: (int(count), top)
                for model, count, top in self.session.connection().execute(query)}

    def book(self, record_id: int, ruleset: str, version: int, lines: Iterable[Line],
             event_id: int | None, actor_id: int | None = None) -> None:
        self.book_many([(record_id, ruleset, version, lines, event_id, actor_id)])

    def book_many(self, items: Iterable[tuple[int, str, int, Iterable[Line], int | None,
                                              int | None]]) -> None:
        """Book the lines of many records in one statement: per record ``(record id,
        ruleset, version, lines, event id, actor id)``."""
        app, form, now = self.app_key, self.form_key, self.now
        rows = [(now, app, form, record_id, ruleset, version, line.model, line.kind, line.key,
                 line.points, line.reason, event_id, line.related_id, actor_id)
                for record_id, ruleset, version, lines, event_id, actor_id in items
                for line in lines]
        INSERT.run_values(self.session.connection(), rows)

    def entries(self, record_id: int) -> list[dict]:
        """The record's ledger, oldest first."""
        query = sa.select(LEDGER).where(self._of(record_id)).order_by(L.id)
        return [dict(row) for row in self.session.execute(query).mappings()]

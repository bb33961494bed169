"""Scoring models compiled from a ruleset version, and what a write books in the point ledger
(pure: the lines, never the booking).

- **Attribute rules** give points *while the record is so*: each write works out the points
  each attribute gives now and books the difference from what its lines already hold, so an
  attribute that starts to hold adds its points and one that stops takes them back.
- **Behaviour rules** give points per related record (an event: a page view, a demo asked
  for), at most ``cap`` points in all per rule and record.
- The model's ``min``/``max`` clamp the score with a **clamp line**: the clamp lines always
  add up to ``clamp(raw) - raw``, where ``raw`` is the sum of every other line, so the score
  (the sum of all lines) is the clamped sum and stays so as lines come and go.
- **Decay** takes ``points`` (or ``percent`` of the score) off for each ``every_days`` days
  without an interaction: the periods count from the last interaction (the anchor), and the
  decay lines booked since tell how many were booked already (``Decay.periods_due``).
- **Re-scoring** after a new version compares what each attribute of the new version gives with
  what the record's lines hold per attribute, and books the difference as ``rescore`` lines
  (attributes the new version dropped give their points back).
- **Thresholds** are bands (``min`` ≤ score, score ≤ ``max``); a score entering one crosses
  it up, leaving one crosses it down; the stage is that of the highest band the score is in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from metadata.errors import pointer
from runtime.formula.errors import FormulaError
from runtime.rules.decisions import DecisionError
from runtime.rules.memo import Reads, combined, memoize, table_reads

Fn = Callable[[Mapping], Any]
KINDS = ("rule", "attribute", "behaviour", "clamp", "decay", "rescore", "manual")


@dataclass(frozen=True)
class Line:
    """One line the ledger is to book: a model, a kind (``KINDS``), the rule, attribute or
    behaviour it comes from, the points and the reason in words (a label)."""

    model: str
    kind: str
    key: str | None
    points: float
    reason: Any = None
    related_id: int | None = None


@dataclass(frozen=True)
class Threshold:
    key: str
    label: Any
    min: float | None
    max: float | None
    stage: str | None

    def holds(self, score: float) -> bool:
        return (self.min is None or score >= self.min) and (self.max is None or score <= self.max)


@dataclass(frozen=True)
class Attribute:
    key: str
    label: Any
    when: Fn | None
    points: float
    table: Any = None  # a CompiledTable
    output: str | None = None
    reads: Reads | None = None  # what its points depend on (None: more than the record)

    def points_now(self, values: Mapping) -> float:
        """The points the attribute gives a record of ``values`` (0 when its formula
        fails on them: a blank field is not a match)."""
        try:
            if self.table is None:
                return self.points if self.when is not None and self.when(values) is True else 0
            return _number(_output(self.table.evaluate(values), self.output))
        except (FormulaError, DecisionError, ArithmeticError, TypeError, ValueError):
            return 0


@dataclass(frozen=True)
class Behaviour:
    key: str
    label: Any
    form: str
    link: str | None
    when: Fn | None
    points: float
    cap: float | None

    def accepts(self, form: str | None, link: str | None, values: Mapping) -> bool:
        if form != self.form or self.link not in (None, link):
            return False
        try:
            return self.when is None or self.when(values) is True
        except (FormulaError, ArithmeticError, TypeError, ValueError):
            return False


@dataclass(frozen=True)
class Decay:
    """``points`` (negative) or ``percent`` off the score per ``every_days`` days without an
    interaction; ``since``: the date field holding the last interaction (else the last
    behaviour line)."""

    every_days: int
    points: float | None = None
    percent: float | None = None
    since: str | None = None

    @property
    def every(self) -> timedelta:
        return timedelta(days=self.every_days)

    def periods_due(self, anchor: datetime, last_decay: datetime | None, now: datetime) -> int:
        """How many whole periods since ``anchor`` have passed by ``now`` and are not booked
        yet. Periods count from the anchor; a run at ``last_decay`` booked every period up to
        it (so running twice at one time books once, and a run after two missed periods
        books both)."""
        if now <= anchor:
            return 0
        passed = (now - anchor) // self.every
        booked = (last_decay - anchor) // self.every if last_decay and last_decay > anchor else 0
        return max(0, passed - booked)

    def lines(self, model: ScoreModel, score: float, periods: int) -> list[Line]:
        """One line per period, each off the score the previous left: ``points``, or
        ``percent`` of a positive score (a score at or below 0 loses nothing to a percent),
        rounded like the model's points, and never below the model's ``min`` (a score at
        the floor books nothing)."""
        out = []
        for _ in range(periods):
            if self.points is not None:
                points = model.round(self.points)
            else:
                points = -model.round(max(score, 0) * (self.percent or 0) / 100)
            if model.min is not None:  # never below the floor: nothing to clamp back
                points = max(points, min(0.0, model.min - score))
            if points:
                out.append(Line(model.key, "decay", None, points, None))
            score = model.clamp(score + points)
        return out


@dataclass(frozen=True)
class ScoreModel:
    key: str
    label: Any
    field: str
    stage_field: str | None
    min: float | None
    max: float | None
    whole: bool  # the score field holds whole numbers: points are booked rounded
    attributes: tuple[Attribute, ...]
    behaviours: tuple[Behaviour, ...]
    thresholds: tuple[Threshold, ...]
    decay: Decay | None = None  # booked by the scheduler (runtime.rules.decay)

    def __post_init__(self) -> None:
        # ``fresh(values)``: the lines a new record of ``values`` books for its attributes,
        # their sum, and what each attribute gives (runtime.rules.memo keeps those of the
        # attributes that read only the record's own fields per kind of record: one look-up
        # a write; the others are worked out on every call). Shared: read, never change.
        keyed = tuple(a for a in self.attributes if a.reads is not None)
        rest = _Points(self, tuple(a for a in self.attributes if a.reads is None))
        known = self._known
        if not keyed:
            fresh = lambda values: known(rest(values))  # noqa: E731
        else:
            points = _Points(self, keyed)
            memo = memoize(combined(a.reads for a in keyed),
                           lambda values: known(points(values)))
            fresh = memo if not rest else (
                lambda values: known({**memo(values)[2], **rest(values)}))
        object.__setattr__(self, "fresh", fresh)
        object.__setattr__(self, "_zero", {})  # score -> from_zero(score)

    def _known(self, now: Mapping[str, float]) -> tuple:
        lines = tuple(self._new_lines(now))
        return lines, sum(line.points for line in lines), now

    def points_now(self, values: Mapping) -> Mapping[str, float]:
        """What each attribute gives a record of ``values`` now (those giving nothing left
        out): a formula that fails on them is no match."""
        return self.fresh(values)[2]  # type: ignore[attr-defined]

    def clamp(self, raw: float) -> float:
        if self.max is not None and raw > self.max:
            return self.max
        if self.min is not None and raw < self.min:
            return self.min
        return raw

    def round(self, points: float) -> float:
        return float(math.floor(points + 0.5)) if self.whole else round(points, 6)

    def stage(self, score: float) -> str | None:
        """The stage of the highest threshold band the score is in (None: in none)."""
        held = [t for t in self.thresholds if t.stage is not None and t.holds(score)]
        if not held:
            return None
        return max(held, key=lambda t: -math.inf if t.min is None else t.min).stage

    def from_zero(self, score: float) -> tuple[list[tuple[Threshold, str]], str | None]:
        """The thresholds a new record of ``score`` crosses (from 0) and its stage; kept per
        score (new records share a few scores)."""
        known = self._zero.get(score)  # type: ignore[attr-defined]
        if known is None:
            known = (self.crossings(0, score), self.stage(score))
            if len(self._zero) < 4096:  # type: ignore[attr-defined]
                self._zero[score] = known  # type: ignore[attr-defined]
        return known

    def crossings(self, old: float, new: float) -> list[tuple[Threshold, str]]:
        """The thresholds ``old`` → ``new`` enters (up) or leaves (down), in model order."""
        out = []
        for t in self.thresholds:
            was, now = t.holds(old), t.holds(new)
            if was != now:
                out.append((t, "up" if now else "down"))
        return out

    # -- the lines of a write -----------------------------------------------------------------
    def attribute_lines(self, values: Mapping, held: Mapping[str, float]) -> list[Line]:
        """What the attributes must book so that each holds the points it gives now."""
        if not held:  # a new record: what holds now, in the model's order
            return list(self.fresh(values)[0])  # type: ignore[attr-defined]
        now = self.points_now(values)
        out = []
        for attr in self.attributes:
            delta = now.get(attr.key, 0) - held.get(attr.key, 0)
            if delta:
                out.append(Line(self.key, "attribute", attr.key, delta, attr.label))
        return out

    def _new_lines(self, now: Mapping[str, float]) -> list[Line]:
        return [Line(self.key, "attribute", attr.key, now[attr.key], attr.label)
                for attr in self.attributes if now.get(attr.key)] if now else []

    def rescore_lines(self, values: Mapping, held: Mapping[str, float]) -> list[Line]:
        """What re-scoring books so that each attribute of this version holds the points it
        gives now, and attributes no longer in the model hold none."""
        now = self.points_now(values)
        if now == held:  # what it holds is what it gives (the usual record): no lines
            return []
        out = [Line(self.key, "rescore", line.key, line.points, line.reason)
               for line in self.attribute_lines(values, held)]
        ours = {a.key for a in self.attributes}
        out += [Line(self.key, "rescore", key, self.round(-points), None)
                for key, points in held.items() if key not in ours and self.round(points)]
        return out

    def result(self, total: float, raw: float, clamped: float, lines: list[Line]
               ) -> tuple[list[Line], float]:
        """``lines`` with the clamp line they call for, and the score after them all (from a
        ledger of ``total``, ``raw`` of which is not clamp lines)."""
        added = sum(line.points for line in lines)
        clamp = self.clamp_line(raw + added, clamped)
        lines = [*lines, clamp] if clamp is not None else lines
        return lines, total + added + (clamp.points if clamp is not None else 0)

    def behaviour_lines(self, form: str | None, link: str | None, values: Mapping,
                        related_id: int | None, booked: Mapping[str, float]) -> list[Line]:
        """The points a related record of ``form`` (through ``link``) gives, within caps."""
        out = []
        for rule in self.behaviours:
            if rule.accepts(form, link, values):
                points = self.round(capped(rule.points, rule.cap, booked.get(rule.key, 0)))
                if points:
                    out.append(Line(self.key, "behaviour", rule.key, points, rule.label,
                                    related_id))
        return out

    def clamp_line(self, raw: float, clamped: float) -> Line | None:
        """The clamp line that makes the clamp lines (now ``clamped`` in all) add up to
        ``clamp(raw) - raw``; None when they already do."""
        delta = self.round((self.clamp(raw) - raw) - clamped)
        return Line(self.key, "clamp", None, delta, None) if delta else None


def capped(points: float, cap: float | None, booked: float) -> float:
    """``points`` within what is left of ``cap`` after ``booked`` (cap on the amount, for
    negative points too)."""
    if cap is None:
        return points
    room = cap - abs(booked)
    if room <= 0:
        return 0
    return math.copysign(min(abs(points), room), points)


class _Points:
    """What some attributes of a model give a record: formulas (kept as (key, when,
    points rounded), nothing else per attribute), tables of constant outputs (the rounded
    points of every combination worked out once: a look-up) and other tables."""

    def __init__(self, model: ScoreModel, attributes: tuple[Attribute, ...]):
        self.any = bool(attributes)
        self.simple = tuple((a.key, a.when, model.round(a.points)) for a in attributes
                            if a.table is None and a.when is not None)
        self.lookups = tuple((a.key, a.table.mapped(lambda r, a=a: model.round(
            _number(_output(r, a.output))))) for a in attributes
            if a.table is not None and getattr(a.table, "mapped", None) is not None)
        self.tables = tuple(a for a in attributes if a.table is not None
                            and getattr(a.table, "mapped", None) is None)
        self.round = model.round

    def __bool__(self) -> bool:
        return self.any

    def __call__(self, values: Mapping) -> dict[str, float]:
        out: dict[str, float] = {}
        for key, when, points in self.simple:
            try:
                if when(values) is True:
                    out[key] = points
            except (FormulaError, ArithmeticError, TypeError, ValueError):
                pass
        for key, lookup in self.lookups:
            try:
                points = lookup(values)
            except (FormulaError, DecisionError, ArithmeticError, TypeError, ValueError):
                continue
            if points:
                out[key] = points
        for attr in self.tables:
            points = self.round(attr.points_now(values))
            if points:
                out[attr.key] = points
        return out


def compile_models(doc: Mapping, formulas: Mapping[str, Fn], tables: Mapping[str, Any],
                   whole: Callable[[str], bool], reads: Mapping[str, Reads | None] | None = None
                   ) -> tuple[ScoreModel, ...]:
    """The ruleset's scoring models over its compiled formulas (by pointer) and tables;
    ``whole(field)``: whether a score field holds whole numbers; ``reads``: what each formula
    reads (by pointer; see runtime.rules.memo), where known."""
    models = []
    reads = reads or {}
    for m, model in enumerate(doc.get("scoring") or []):
        at = pointer("scoring", m)
        attributes = tuple(_attribute(a, f"{at}/attributes/{i}", formulas, tables, reads)
                           for i, a in enumerate(model.get("attributes") or []))
        behaviours = tuple(
            Behaviour(b["key"], b.get("label") or b["key"], b["form"], b.get("link"),
                      formulas.get(f"{at}/behaviours/{i}/when"), b["points"], b.get("cap"))
            for i, b in enumerate(model.get("behaviours") or []))
        thresholds = tuple(Threshold(t["key"], t.get("label") or t["key"], t.get("min"),
                                     t.get("max"), t.get("stage"))
                           for t in model.get("thresholds") or [])
        models.append(ScoreModel(model["key"], model.get("label") or model["key"],
                                 model["field"], model.get("stage_field"), model.get("min"),
                                 model.get("max"), whole(model["field"]), attributes,
                                 behaviours, thresholds, _decay(model.get("decay"))))
    return tuple(models)


def _attribute(a: Mapping, at: str, formulas: Mapping[str, Fn], tables: Mapping[str, Any],
               reads: Mapping[str, Reads | None]) -> Attribute:
    table = tables.get(a["table"]) if a.get("table") else None
    return Attribute(a["key"], a.get("label") or a["key"], formulas.get(f"{at}/when"),
                     a.get("points") or 0, table, a.get("output"),
                     table_reads(table) if table is not None else reads.get(f"{at}/when"))


def _decay(decay: Mapping | None) -> Decay | None:
    if not decay:
        return None
    return Decay(int(decay["every_days"]), decay.get("points"), decay.get("percent"),
                 decay.get("since"))


def _output(result: Any, output: str | None) -> Any:
    if isinstance(result, list):
        result = result[0] if result else None
    if isinstance(result, Mapping):
        return result.get(output) if output else next(iter(result.values()), None)
    return result


def _number(value: Any) -> float:
    if isinstance(value, bool) or value is None:
        return 0
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0

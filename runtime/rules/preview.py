"""What an event would book in the point ledger, without booking it (the dry run): for each
scoring model, the attribute lines (or, for a related record, the behaviour lines), the points
of the rules that match, the clamp line, the score and stage after them and the thresholds
crossed. Pure: the caller hands in what the record's lines hold."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from runtime.rules.engine import Evaluation, Event
from runtime.rules.ledger import Totals
from runtime.rules.scoring import Line, ScoreModel


def score_preview(models: Sequence[ScoreModel], event: Event, evaluation: Evaluation,
                  held: Mapping[str, Totals], related: Mapping | None,
                  words: Callable[[Any], Any]) -> list[dict]:
    """Per model: ``lines`` (kind, rule, points, reason), ``before``, ``score``, ``stage``
    and ``crossings``; ``words`` turns a label into the reader's language."""
    rule_points: dict[str, list[Line]] = {}
    for action in evaluation.actions:
        if action.type == "add_points":
            d = action.details
            rule_points.setdefault(d["model"], []).append(
                Line(d["model"], "rule", action.rule, d["points"], d.get("reason")))
    out = []
    for model in models:
        totals = held.get(model.key) or Totals()
        if event.kind == "related_created":
            lines = model.behaviour_lines(event.related_form, event.link, related or {},
                                          (related or {}).get("id"), totals.behaviours)
        elif event.kind in ("created", "updated"):
            lines = model.attribute_lines(event.record, totals.attributes)
        else:
            lines = []
        lines += [Line(line.model, line.kind, line.key, model.round(line.points), line.reason)
                  for line in rule_points.get(model.key, [])]
        lines, score = model.result(totals.total, totals.raw, totals.clamp, lines)
        crossings = model.crossings(totals.total, score)
        stage = model.stage(score)
        out.append({
            "model": model.key, "label": words(model.label), "before": totals.total,
            "score": score, "stage": stage,
            "lines": [{"kind": line.kind, "rule": line.key, "points": line.points,
                       "reason": words(line.reason) if line.reason is not None else None}
                      for line in lines],
            "crossings": [{"threshold": t.key, "direction": d} for t, d in crossings]})
    return out

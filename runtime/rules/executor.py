"""Carrying rules out: for an event on a record, the scoring lines it books, the rules that
match and their synchronous actions (set fields, points, assignment) in the caller's
transaction, and the asynchronous ones (create a record, notify, call a webhook) planned as
jobs that run once after the commit.

Every write goes through the records service as the system, so it is validated, audited and
becomes a record event in turn, which the rules consider again one level deeper — except the
rules whose own write it is (``caused_by``). A chain deeper than the app's limit is stopped
and reported as an incident.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from metadata.errors import NotFound, TrellisError
from metadata.messages import msg
from runtime.events.hub import ConsumerFailed
from runtime.permissions import SYSTEM
from runtime.rules.engine import Event, PlannedAction, triggered
from runtime.rules.incidents import open_incident
from runtime.rules.jobs import plan_job
from runtime.rules.ledger import Ledger, Totals
from runtime.rules.published import LoadedRuleset
from runtime.rules.scoring import Line, ScoreModel
from runtime.storage.records import Records

if TYPE_CHECKING:
    from runtime.context import Runtime

log = logging.getLogger(__name__)

WRITERS = "trellis.rules.writers"  # session.info: {cause event id: rules writing now}
VIA = "rules"  # the audit "via" (and event channel) of the rules' writes


@contextmanager
def writing(session: Session, cause_id: int | None, rules: frozenset[str]) -> Iterator[None]:
    """Writes made inside are ``rules``' own: the events they cause do not fire them."""
    writers = session.info.setdefault(WRITERS, {})
    before = writers.get(cause_id)
    writers[cause_id] = rules
    try:
        yield
    finally:
        if before is None:
            writers.pop(cause_id, None)
        else:
            writers[cause_id] = before


def writers_of(session: Session, cause_id: int | None) -> frozenset[str]:
    return session.info.get(WRITERS, {}).get(cause_id, frozenset())


@dataclass
class Pass:
    """One ruleset's pass over one event of one record."""

    ruleset: LoadedRuleset
    event: Event
    record_id: int
    event_id: int | None
    actor_id: int | None = None
    related: Mapping | None = None  # related_created: the new related record


class Executor:
    """The rules of one app at work in one transaction."""

    def __init__(self, runtime: Runtime, session: Session, app_key: str, now: datetime,
                 cause_id: int | None = None):
        self.rt = runtime
        self.session = session
        self.app_key = app_key
        self.now = now
        self.cause_id = cause_id  # the record event being handled (its writes' cause)
        self._records: dict[str, Records] = {}

    def records(self, form_key: str) -> Records:
        if form_key not in self._records:
            plan = self.rt.plan(self.session, self.app_key, form_key)
            self._records[form_key] = Records(self.session, plan, SYSTEM, self.now, VIA,
                                              directory=self.rt.directory)
        return self._records[form_key]

    def lock(self, form_key: str, record_id: int) -> None:
        """Lock the record's row before reading its ledger (PostgreSQL; SQLite's writers
        hold the write lock): a concurrent pass, decay or re-score books after this one."""
        if self.session.get_bind().dialect.name == "postgresql":
            table = self.records(form_key).table
            self.session.execute(sa.select(table.c.id).where(table.c.id == record_id)
                                 .with_for_update())

    def read(self, form_key: str, record_id: int) -> dict | None:
        try:
            return self.records(form_key).get_all(record_id)
        except NotFound:
            return None

    # -- a pass -------------------------------------------------------------------------------
    def run(self, p: Pass, scored: Scored | None = None) -> None:
        """Score and run the rules of ``p.ruleset`` for ``p.event``, then the threshold
        events its points cause (one level deeper). ``scored``: the scoring of a new record
        done before its insert (``score_new``), booked already."""
        ls, ev = p.ruleset, p.event
        if ev.depth > ls.compiled.max_depth:
            self._runaway(p)
            return
        if scored is not None and not ls.compiled.rules:
            return  # nothing left to do: no rule would fire, on the event or a threshold
        crossings = self._score(p) if scored is None else list(scored.crossings)
        if crossings:
            ev = replace(ev, record=self.read(ls.form, p.record_id) or ev.record)
        crossings += self._rules(replace(p, event=ev))
        self._thresholds(p, crossings)

    def _score(self, p: Pass) -> list[tuple[ScoreModel, Any, str]]:
        ev = p.event
        lines: dict[str, list[Line]] = {}
        totals: dict[str, Totals] = {}
        for model in p.ruleset.models:
            if ev.kind == "created":
                totals[model.key] = Totals()
            elif ev.kind in ("updated", "related_created"):
                if not totals:
                    self.lock(p.ruleset.form, p.record_id)
                totals[model.key] = self.ledger(p.ruleset).totals(p.record_id, model.key)
            else:
                continue
            found = self._manual_line(model, ev, totals[model.key])
            if ev.kind == "related_created":
                related = p.related or {}
                found += model.behaviour_lines(ev.related_form, ev.link, related,
                                               related.get("id"), totals[model.key].behaviours)
            elif not ev.changed or not ev.changed <= {model.field, model.stage_field}:
                found += model.attribute_lines(ev.record, totals[model.key].attributes)
            if found:
                lines[model.key] = found
        return self._book(p, lines, totals, frozenset())

    def book(self, p: Pass, lines: Mapping[str, list[Line]], totals: dict[str, Totals]
             ) -> list[tuple[ScoreModel, Any, str]]:
        """Book scoring lines found outside a write (decay): clamps, score, stage; the
        crossings, for ``after_booking``."""
        return self._book(p, lines, totals, frozenset())

    def after_booking(self, p: Pass, crossings: list) -> None:
        """Fire the threshold rules of what ``book`` crossed."""
        self._thresholds(p, crossings)

    def score_new(self, ls: LoadedRuleset, record: dict, depth: int) -> Scored | None:
        """Score a record about to be created (``record`` as formulas read it, changed in
        place: its score and stage fields), before its insert: the lines to book once it has
        an id, and the thresholds crossed. A model no line scores holds 0."""
        if depth > ls.compiled.max_depth or not ls.models:
            return None
        booked: list[Line] = []
        crossings: list[Crossing] = []
        for model in ls.models:  # settle() on an empty ledger
            given = record.get(model.field)
            found, total, _now = model.fresh(record)
            if given is not None and model.round(float(given)):  # sent with the record
                manual = Line(model.key, "manual", None, model.round(float(given)))
                found, total = (manual, *found), total + manual.points
            clamp = model.clamp_line(total, 0)
            if clamp is not None:
                found, total = (*found, clamp), total + clamp.points
            booked += found
            record[model.field] = int(total) if model.whole else total
            crossed, stage = model.from_zero(total)
            crossings += [(model, t, d) for t, d in crossed]
            if crossed and stage is not None and model.stage_field:
                record[model.stage_field] = stage
        return Scored(ls, tuple(booked), tuple(crossings))

    def _manual_line(self, model: ScoreModel, ev: Event, totals: Totals) -> list[Line]:
        """A line making the ledger match a score someone set by hand (or that was there
        before the model): the score field always equals the sum of its ledger."""
        stored = ev.record.get(model.field)
        stored = 0 if stored is None else float(stored)
        if ev.kind == "created" and ev.record.get(model.field) is None:
            return []
        delta = model.round(stored - totals.total)
        return [Line(model.key, "manual", None, delta, None)] if delta else []

    def ledger(self, ls: LoadedRuleset) -> Ledger:
        return Ledger(self.session, self.app_key, ls.form, self.now)

    def _book(self, p: Pass, lines: Mapping[str, list[Line]], totals: dict[str, Totals],
              rules: frozenset[str]) -> list[tuple[ScoreModel, Any, str]]:
        """Book ``lines`` (by model) with their clamp lines, write the scores (and stages
        where a threshold was crossed); returns the crossings."""
        if not lines:
            return []
        ls = p.ruleset
        for model in ls.models:
            if lines.get(model.key) and model.key not in totals:
                totals[model.key] = self.ledger(ls).totals(p.record_id, model.key)
        booked, values, crossings = settle(ls.models, lines, totals)
        self.ledger(ls).book(p.record_id, ls.key, ls.version, booked, p.event_id, p.actor_id)
        self.write(ls.form, p.record_id, values, rules | {"@score"})
        return crossings

    def _rules(self, p: Pass) -> list[tuple[ScoreModel, Any, str]]:
        ls = p.ruleset
        evaluation = ls.compiled.evaluate(p.event)
        rules = {r.key: r for r in ls.compiled.rules}
        labels = {r["key"]: r.get("label") or r["key"] for r in ls.doc.get("rules") or []}
        points: list[Line] = []
        givers: set[str] = set()
        later: list[tuple[Any, PlannedAction, int]] = []
        for outcome in evaluation.outcomes:
            if outcome.status == "error":
                log.warning("rule %s of %s/%s failed on record %s: %s", outcome.rule,
                            self.app_key, ls.key, p.record_id, outcome.reason)
            for index, action in enumerate(outcome.actions):
                if action.type == "add_points":
                    d = action.details
                    points.append(Line(d["model"], "rule", action.rule, d["points"],
                                       d.get("reason") or labels.get(action.rule)))
                    givers.add(action.rule)
                else:
                    later.append((rules[action.rule], action, index))
        crossings = []
        if points:
            models = {m.key: m for m in ls.models}
            lines: dict[str, list[Line]] = {}
            for line in points:
                model = models[line.model]
                lines.setdefault(line.model, []).append(
                    replace(line, points=model.round(line.points)))
            crossings = self._book(p, lines, {}, frozenset(givers))
        for rule, action, index in later:
            self._act(p, rule, action, index)
        return crossings

    def _act(self, p: Pass, rule: Any, action: PlannedAction, index: int) -> None:
        ls = p.ruleset
        if not action.sync:
            key = (f"{p.event_id}:{ls.key}:{rule.key}:{index}:{p.event.kind}"
                   f":{p.event.model or ''}:{p.event.threshold or ''}:{p.event.direction}"
                   if p.event_id is not None else f"{uuid.uuid4().hex}:{rule.key}:{index}")
            plan_job(self.session, self.now, key, self.app_key, ls, p.record_id, action,
                     p.event_id, self.rt.launch_rule_job)
            return
        savepoint = self.session.begin_nested()
        try:
            if action.type == "set_fields":
                self.write(ls.form, p.record_id, action.details["values"],
                           frozenset({rule.key}))
            elif action.type == "assign":
                self._assign(ls, p.record_id, rule, action, index)
            savepoint.commit()
        except ConsumerFailed:
            savepoint.rollback()
            raise
        except TrellisError as exc:  # the rule's write is refused: the record's stays
            savepoint.rollback()
            open_incident(self.session, self.now, self.app_key, "rule_action", msg(
                "%(rule)s: %(action)s refused", rule=f"{ls.key}.{rule.key}",
                action=action.type), form_key=ls.form,
                          record_id=p.record_id, rule=f"{ls.key}.{rule.key}",
                          error="; ".join(f"{pr.path}: {pr.message}" for pr in exc.problems))

    def _assign(self, ls: LoadedRuleset, record_id: int, rule: Any, action: PlannedAction,
                index: int) -> None:
        raw = rule.actions[index][1]
        config = routing_config(action.details, raw, self.rt.routing.strategies)
        with writing(self.session, self.cause_id, frozenset({rule.key})):
            self.rt.routing.assign(self.records(ls.form), record_id, config,
                                   rule=f"{ls.key}.{rule.key}")

    def write(self, form_key: str, record_id: int, values: Mapping[str, Any],
              rules: frozenset[str]) -> None:
        if not values:
            return
        with writing(self.session, self.cause_id, rules):
            self.records(form_key).update(record_id, dict(values))

    def _thresholds(self, p: Pass, crossings: list) -> None:
        if not crossings:
            return
        record = self.read(p.ruleset.form, p.record_id)
        if record is None:
            return
        for model, threshold, direction in crossings:
            self.run_rules_only(replace(p, event=Event(
                "threshold", record, model=model.key, threshold=threshold.key,
                direction=direction, depth=p.event.depth + 1)))

    def run_rules_only(self, p: Pass) -> None:
        """Threshold, manual and schedule events: the rules only (no attribute scoring)."""
        if p.event.depth > p.ruleset.compiled.max_depth:
            self._runaway(p)
            return
        self._thresholds(p, self._rules(p))

    def _runaway(self, p: Pass) -> None:
        """A chain past the app's depth: nothing fires, and an admin hears of it (once per
        chain: only when a rule would have fired)."""
        wanted = [r.key for r in p.ruleset.compiled.rules if r.enabled
                  and triggered(r.trigger, r.key, p.event) and r.key not in p.event.caused_by]
        if not wanted:
            return
        log.warning("rules %s of %s/%s: a chain deeper than %s stopped at record %s",
                    wanted, self.app_key, p.ruleset.key, p.ruleset.compiled.max_depth,
                    p.record_id)
        open_incident(self.session, self.now, self.app_key, "rule_chain", msg(
                          "%(ruleset)s: a chain of rules deeper than %(n)s was stopped",
                          ruleset=p.ruleset.key, n=p.ruleset.compiled.max_depth),
                      form_key=p.ruleset.form, record_id=p.record_id,
                      rule=", ".join(f"{p.ruleset.key}.{k}" for k in wanted),
                      error=f"event {p.event.kind} at depth {p.event.depth}")


Crossing = tuple[ScoreModel, Any, str]  # (model, threshold, "up" or "down")


@dataclass(frozen=True)
class Scored:
    """A new record scored before its insert: the lines to book, the crossings to fire."""

    ruleset: LoadedRuleset
    lines: tuple[Line, ...]
    crossings: tuple[Crossing, ...]


def settle(models: tuple[ScoreModel, ...], lines: Mapping[str, list[Line]],
           totals: Mapping[str, Totals]) -> tuple[list[Line], dict[str, Any], list[Crossing]]:
    """What booking ``lines`` (by model) on a ledger of ``totals`` (by model) comes to: the
    lines with their clamp lines, the score (and stage, where a threshold is crossed) fields'
    new values, and the crossings (pure)."""
    values: dict[str, Any] = {}
    crossings: list[Crossing] = []
    booked: list[Line] = []
    for model in models:
        found = lines.get(model.key)
        if not found:
            continue
        before = totals[model.key]
        old = before.total  # the score the record had (a hand-set one crosses too)
        after = Totals(dict(before.attributes), dict(before.behaviours), before.clamp,
                       before.total)
        for line in found:
            after.add(line)
        clamp = model.clamp_line(after.raw, after.clamp)
        if clamp is not None:
            found = [*found, clamp]
            after.add(clamp)
        booked += found
        values[model.field] = int(after.total) if model.whole else after.total
        crossed = model.crossings(old, after.total)
        crossings += [(model, t, d) for t, d in crossed]
        stage = model.stage(after.total)
        if crossed and model.stage_field and stage is not None:
            values[model.stage_field] = stage
    return booked, values, crossings


def routing_config(details: Mapping[str, Any], raw: Mapping[str, Any],
                   strategies: Any) -> dict[str, Any]:
    """The routing config of an assign action's plan (``by_table``: round-robin in the team
    the table names; ``user``: that user)."""
    strategy = details.get("strategy")
    config: dict[str, Any] = {"strategy": strategy if strategy in strategies
                              else "round_robin"}
    if details.get("team") is not None:
        config["team"] = details["team"]
    if strategy == "user":  # one named user: by_field's default destination
        config = {"strategy": "by_field", "field": "id", "routes": {},
                  "default": {"user": _user_id(details.get("user"))}}
    if details.get("field") not in (None, "owner"):
        config["assignee_field"] = details["field"]
    fallback = details.get("fallback") or {}
    if "team" in fallback:
        config["fallback"] = {"team": fallback["team"]}
    elif "user" in fallback:
        config["fallback"] = {"user": _user_id(fallback["user"])}
    if raw.get("open") and config["strategy"] == "least_loaded":
        config["open"] = raw["open"]
    return config


def _user_id(value: Any) -> Any:
    return int(value) if isinstance(value, str) and value.isdigit() else value

"""The rule evaluation core: a ruleset version compiled once into closures, and, for an event
on a record, which rules match (in order) and the actions they plan — data, not effects —
each rule with an explanation. The basis of the dry run and of the executors.

Events: ``created``, ``updated`` (``changed``: the fields whose values changed, ``old``: the
values before), ``related_created`` (``related_form``, ``link``: a record of another form
linked to this one was created), ``schedule`` and ``manual`` (``rule``: the rule that is due or
was asked for; every rule of that trigger when None), ``threshold`` (``model``, ``threshold``,
``direction`` up or down). A rule never fires on an event its own writes caused
(``caused_by``); an event deeper than ``max_depth`` in a chain fires nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from metadata.errors import pointer
from metadata.messages import Message, msg
from metadata.registry import Registry
from runtime.formula.errors import FormulaError
from runtime.formula.python import compile_python
from runtime.rules.actions import ActionType
from runtime.rules.checks import RulesetCheck
from runtime.rules.decisions import CompiledTable, DecisionError, compile_table, field_reader
from runtime.rules.document import PAST, columns_of
from runtime.rules.memo import Reads, reads_of

DEFAULT_DEPTH = 8
# the events rules consider (field_changed rules consider updates)
TRIGGER_EVENTS = ("created", "updated", "related_created", "schedule", "threshold", "manual")
Fn = Callable[[Mapping], Any]


class RulesetError(ValueError):
    """A ruleset that does not compile (its problems: the store refuses such documents)."""

    def __init__(self, problems: list):
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Event:
    kind: str
    record: Mapping
    old: Mapping | None = None
    changed: frozenset[str] = frozenset()
    related_form: str | None = None
    link: str | None = None
    rule: str | None = None
    model: str | None = None
    threshold: str | None = None
    direction: str = "up"
    caused_by: frozenset[str] = frozenset()  # the rules whose writes caused the event
    depth: int = 0


@dataclass(frozen=True)
class PlannedAction:
    rule: str
    type: str
    sync: bool
    details: dict[str, Any]


@dataclass(frozen=True)
class RuleOutcome:
    """One rule's part in an evaluation: ``status`` matched, no_match, not_triggered,
    disabled, own_write, stopped or error, with the reason in words."""

    rule: str
    status: str
    reason: Message
    actions: tuple[PlannedAction, ...] = ()


@dataclass
class Evaluation:
    outcomes: list[RuleOutcome] = field(default_factory=list)

    @property
    def matched(self) -> list[str]:
        return [o.rule for o in self.outcomes if o.status == "matched"]

    @property
    def actions(self) -> list[PlannedAction]:
        return [a for o in self.outcomes for a in o.actions]


@dataclass(frozen=True)
class CompiledRule:
    key: str
    index: int
    enabled: bool
    trigger: Mapping
    condition: Fn | None
    actions: tuple[tuple[ActionType, Mapping, str], ...]  # (type, options, pointer)
    stop: bool


@dataclass
class CompiledRuleset:
    key: str
    form: str
    rules: tuple[CompiledRule, ...]
    tables: dict[str, CompiledTable]
    formulas: dict[str, Fn]
    stop_after_first_match: bool = False
    enabled: bool = True
    default_model: str | None = None
    max_depth: int = DEFAULT_DEPTH
    # whether {old.x}/{new.x} are the values around the write (no field of the form is
    # called old or new)
    past: tuple[bool, bool] = (True, True)
    # what each formula reads, by pointer (runtime.rules.memo; None: more than the record)
    reads: dict[str, Reads | None] = field(default_factory=dict)

    def formula(self, at: str) -> Fn:
        return self.formulas[at]

    def table(self, key: str) -> CompiledTable:
        return self.tables[key]

    def evaluate(self, event: Event) -> Evaluation:
        """Which rules match ``event``, in order, and the actions they plan."""
        out = Evaluation()
        if not self.enabled or event.depth > self.max_depth:
            why = (msg("the ruleset is switched off") if not self.enabled else msg(
                "the chain of rules is deeper than %(n)s: stopped", n=self.max_depth))
            out.outcomes = [RuleOutcome(r.key, "stopped", why) for r in self.rules]
            return out
        values = dict(event.record)
        if self.past[0]:
            values["old"] = dict(event.old or {})
        if self.past[1]:
            values["new"] = event.record
        stopped = False
        for rule in self.rules:
            if stopped:
                out.outcomes.append(RuleOutcome(rule.key, "stopped", msg(
                    "an earlier rule matched and ends the pass")))
                continue
            outcome = self.consider(rule, event, values)
            out.outcomes.append(outcome)
            stopped = outcome.status == "matched" and (rule.stop or self.stop_after_first_match)
        return out

    def consider(self, rule: CompiledRule, event: Event, values: Mapping) -> RuleOutcome:
        if not rule.enabled:
            return RuleOutcome(rule.key, "disabled", msg("the rule is switched off"))
        if not triggered(rule.trigger, rule.key, event):
            return RuleOutcome(rule.key, "not_triggered", msg("its trigger is not this event"))
        if rule.key in event.caused_by:
            return RuleOutcome(rule.key, "own_write", msg(
                "the event comes from this rule's own write"))
        try:
            if rule.condition is not None and rule.condition(values) is not True:
                return RuleOutcome(rule.key, "no_match", msg("its condition is not met"))
            planned = tuple(PlannedAction(rule.key, kind.type, kind.sync,
                                          kind.plan(action, at, values, self))
                            for kind, action, at in rule.actions)
        except (FormulaError, DecisionError, ArithmeticError, TypeError, ValueError) as exc:
            return RuleOutcome(rule.key, "error", msg("it failed: %(error)s",
                                                      error=getattr(exc, "message", str(exc))))
        reason = msg("its condition is met") if rule.condition else msg(
            "it has no condition")
        return RuleOutcome(rule.key, "matched", reason, planned)


def triggered(trigger: Mapping, key: str, event: Event) -> bool:
    """Whether a rule of ``trigger`` considers ``event``."""
    on = trigger.get("on")
    if on == "field_changed":
        return event.kind == "updated" and bool(event.changed & set(trigger.get("fields", ())))
    if on != event.kind:
        return False
    if on == "related_created":
        return event.related_form == trigger.get("form") and trigger.get("link") in (
            None, event.link)
    if on in ("schedule", "manual"):
        return event.rule in (None, key)
    if on == "threshold":
        direction = trigger.get("direction", "up")
        return (event.model, event.threshold) == (trigger.get("model"),
                                                  trigger.get("threshold")) and \
            direction in ("both", event.direction)
    return True


@dataclass(frozen=True)
class CompileContext:
    """What compiling needs of the installation: the app's forms (published), the field
    types, the formula functions and action types, the clock and the time zone."""

    forms: Mapping[str, Mapping]
    field_types: Mapping
    check: RulesetCheck
    now: Callable[[], datetime]
    tz: tzinfo
    app_key: str = ""


def compile_ruleset(doc: Mapping, ctx: CompileContext, max_depth: int = DEFAULT_DEPTH
                    ) -> CompiledRuleset:
    """The ruleset as closures (compile once per published version)."""
    problems, checked = ctx.check.checked(doc, ctx)
    if problems:
        raise RulesetError(problems)
    formulas = {at: compile_python(c, ctx.now, tz=ctx.tz) for at, c in checked.items()}
    form = ctx.forms.get(doc["form"]) or {}
    types = {at: c.type for at, c in checked.items()}
    tables = _tables(doc, form, ctx, formulas, types)
    rules = tuple(_rule(rule, i, formulas, ctx.check.actions)
                  for i, rule in enumerate(doc.get("rules") or []))
    models = [m["key"] for m in doc.get("scoring") or []]
    own = {f.get("key") for f in form.get("fields", [])}
    return CompiledRuleset(doc["key"], doc["form"], rules, tables, formulas,
                           bool(doc.get("stop_after_first_match")), doc.get("enabled", True),
                           models[0] if len(models) == 1 else None, max_depth,
                           tuple(name not in own for name in PAST),
                           {at: reads_of(c) for at, c in checked.items()})


def _rule(rule: Mapping, index: int, formulas: Mapping[str, Fn],
          actions: Registry[ActionType]) -> CompiledRule:
    at = pointer("rules", index)
    return CompiledRule(
        rule["key"], index, rule.get("enabled", True), rule["trigger"],
        formulas.get(at + "/condition"),
        tuple((actions[a["type"]], a, f"{at}/actions/{j}")
              for j, a in enumerate(rule.get("actions") or [])),
        bool(rule.get("stop")))


def _tables(doc: Mapping, form: Mapping, ctx: CompileContext, formulas: Mapping[str, Fn],
            types: Mapping) -> dict[str, CompiledTable]:
    """Every decision table compiled, tables read by others first (no circles: checked)."""
    specs = {t["key"]: (i, t) for i, t in enumerate(doc.get("tables") or [])}
    done: dict[str, CompiledTable] = {}

    def build(key: str) -> CompiledTable:
        if key not in done:
            i, table = specs[key]
            at = pointer("tables", i)

            def read(column: Mapping, c: int, kind: str) -> Fn:
                if column.get("formula") is not None:
                    return formulas[f"{at}/inputs/{c}/formula"]
                if column.get("table") is not None:
                    return _output_reader(build(column["table"]), column.get("output"))
                return field_reader(column["field"], kind)

            local = {p[len(at):]: ty for p, ty in types.items() if p.startswith(at + "/")}
            columns = columns_of(table, form, ctx.field_types, local, doc_tables(doc), read)
            done[key] = compile_table(table, columns, lambda source, at=at: _cell_formula(
                formulas, at, table, source))
        return done[key]

    for key in specs:
        build(key)
    return done


def doc_tables(doc: Mapping) -> dict[str, Mapping]:
    return {t["key"]: t for t in doc.get("tables") or []}


def _output_reader(table: CompiledTable, output: str | None) -> Fn:
    def read(record: Mapping) -> Any:
        result = table.evaluate(record)
        if isinstance(result, list):
            result = result[0] if result else None
        return result.get(output) if isinstance(result, Mapping) else result
    return read


def _cell_formula(formulas: Mapping[str, Fn], at: str, table: Mapping, source: str) -> Fn:
    """The compiled formula of an output cell, found by its source among the table's cells."""
    for r, row in enumerate(table.get("rows") or []):
        for c, cell in enumerate(row.get("then") or []):
            if isinstance(cell, Mapping) and cell.get("formula") == source:
                return formulas[f"{at}/rows/{r}/then/{c}/formula"]
    raise KeyError(source)

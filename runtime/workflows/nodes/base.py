"""What every workflow node type is: its config schema, its place in the graph (trigger,
split, join, waits, ends, the outcomes its edges may name), its checks at save, its formulas,
and its pure transition: ``enter`` when a token arrives, ``resume`` when a timer fires, a
human task is decided or the record changes. A transition returns an ``Outcome``: data, never
an effect done (the runner does the effects)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from metadata.errors import Problem
from runtime.workflows.timing import Calendar

KEY = {"$ref": "#/$defs/key"}
FORMULA = {"$ref": "#/$defs/formula"}
LABEL = {"$ref": "#/$defs/label"}
TEXT = {"$ref": "#/$defs/text"}
NEXT = "next"  # the outcome of a node that has only one way on


@dataclass(frozen=True)
class Effect:
    """Something the runner does for a transition: ``type`` (update_record, create_record,
    assign, send_message, call_webhook, create_tasks, start_workflow, escalate) and its
    details, formulas already worked out."""

    type: str
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Timer:
    """A timer the token waits on: ``name`` comes back in the signal when it fires."""

    name: str
    due_at: datetime


@dataclass(frozen=True)
class Outcome:
    """A transition's result. ``follow``: the outcomes whose edges the token takes (None:
    it stays, waiting, with ``state``); ``end``: the token ends here."""

    follow: tuple[str, ...] | None = (NEXT,)
    effects: tuple[Effect, ...] = ()
    timers: tuple[Timer, ...] = ()
    state: Mapping[str, Any] = field(default_factory=dict)
    end: bool = False

    @classmethod
    def wait(cls, state: Mapping[str, Any] | None = None, effects=(), timers=()) -> Outcome:
        return cls(None, tuple(effects), tuple(timers), dict(state or {}))


@dataclass(frozen=True)
class Signal:
    """Why a waiting token is resumed: ``timer`` ({"timer": name}), ``task`` ({"outcome",
    "open", "approved", "task"}), ``record`` (the record changed), ``child`` (a
    sub-workflow ended), or ``enter`` (the token arrives)."""

    kind: str = "enter"
    data: Mapping[str, Any] = field(default_factory=dict)


Fn = Callable[[Mapping], Any]


@dataclass(frozen=True)
class NodeContext:
    """What a transition sees: the node, the record as it is now, the time, the calendar,
    the node's compiled formulas (by name inside its config), its kept state, and for a join
    how many tokens wait there."""

    key: str
    node: Mapping[str, Any]
    record: Mapping[str, Any]
    now: datetime
    calendar: Calendar = Calendar()
    formulas: Mapping[str, Fn] = field(default_factory=dict)
    state: Mapping[str, Any] = field(default_factory=dict)
    arrived: int = 1
    expected: int = 1

    @property
    def config(self) -> Mapping[str, Any]:
        return self.node.get("config") or {}

    def value(self, name: str) -> Any:
        """The formula at ``config/<name>`` worked out on the record."""
        return self.formulas[name](self.record)

    def values(self, prefix: str) -> dict[str, Any]:
        """Each formula under ``config/<prefix>/`` worked out on the record, by its key."""
        start = prefix + "/"
        return {name[len(start):]: fn(self.record) for name, fn in self.formulas.items()
                if name.startswith(start)}


@dataclass(frozen=True)
class Site:
    """A formula a node holds: its name inside the config (``when``, ``values/stage``) and
    the field it sets (None: TRUE/FALSE; ``any``: any type); ``form`` the form it is for."""

    name: str
    source: str
    field: str | None = None
    any_type: bool = False
    form: str | None = None


@dataclass(frozen=True)
class CheckContext:
    """What a node's checks see: the workflow's form, the app's forms and field types, the
    workflows of the app (sub-workflows) and the rule-free lookups of people."""

    form: Mapping
    forms: Mapping[str, Mapping]
    field_types: Mapping
    workflows: frozenset[str] | None = None  # None: not known here (not checked)

    def field(self, key: str, form: Mapping | None = None) -> Mapping | None:
        return next((f for f in (form or self.form).get("fields", []) if f.get("key") == key),
                    None)

    def user_field(self, key: str) -> bool:
        fld = self.field(key)
        ftype = self.field_types.get(fld.get("type")) if fld is not None else None
        return key == "owner" or bool(getattr(ftype, "holds_users", False))

    def date_field(self, key: str) -> bool:
        fld = self.field(key)
        ftype = self.field_types.get(fld.get("type")) if fld is not None else None
        return key in ("created_at", "updated_at") or getattr(
            ftype, "formula_type", None) in ("date", "datetime")


class NodeType:
    type: ClassVar[str] = ""
    description: ClassVar[str] = ""
    config_schema: ClassVar[dict[str, Any]] = {"type": "object", "additionalProperties": False,
                                               "properties": {}}
    trigger: ClassVar[bool] = False  # starts the workflow (exactly one per workflow)
    splits: ClassVar[bool] = False  # every edge whose condition holds is taken
    exclusive: ClassVar[bool] = False  # the first edge whose condition holds (or default)
    joins: ClassVar[bool] = False  # waits for a token on every incoming edge
    waits: ClassVar[bool] = False  # may wait (time or people): a cycle through it is fine
    ends: ClassVar[bool] = False  # no edge leaves it
    def listens(self, node: Mapping) -> bool:
        """Whether a token waiting here is resumed when its record changes."""
        return False

    outside: ClassVar[bool] = False  # has effects outside the database (done before commit)
    outcomes: ClassVar[tuple[str, ...]] = (NEXT,)  # what its edges' ``on`` may name

    def check(self, node: Mapping, at: str, ctx: CheckContext) -> list[Problem]:
        return []

    def required_outcomes(self, node: Mapping) -> tuple[str, ...]:
        """The outcomes that must have an edge (a token taking one without would be lost)."""
        return self.outcomes

    def formulas(self, node: Mapping) -> Iterator[Site]:
        return iter(())

    def enter(self, ctx: NodeContext) -> Outcome:
        return Outcome()

    def resume(self, ctx: NodeContext, signal: Signal) -> Outcome:
        return Outcome.wait(ctx.state)


def obj(properties: dict[str, Any], required: list[str] | None = None,
        description: str = "") -> dict[str, Any]:
    out = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        out["required"] = required
    if description:
        out["description"] = description
    return out


def formula_map(config: Mapping, name: str, field_of: str | None = None,
                form: str | None = None) -> Iterator[Site]:
    """Sites of a ``{key: formula}`` map at ``config/<name>`` (each key a field)."""
    for key, source in (config.get(name) or {}).items():
        yield Site(f"{name}/{key}", source, key if field_of is None else field_of, form=form)

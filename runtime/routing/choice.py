"""What a strategy is given and what it answers: the state, the choice, and the reasons (pure).

A reason is a code and its parameters; ``Reason.text`` is its English message (a ``Message``
the pages translate), so the assignment log keeps what happened, not one language's words. A
``value`` parameter is the record's stored value; ``field``, beside it, names the field it is
of (the pages write a choice's label in its place).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from metadata.messages import Message, msg
from runtime.routing.members import N_, Member, day_off, hours_text, within_hours

# code -> English template; the parameters fill it in
REASONS: dict[str, str] = {
    # why a candidate was skipped
    "inactive": N_("the user is deactivated"),
    "paused": N_("paused: takes no new records"),
    "day_off": N_("on a day off (%(day)s)"),
    "outside_hours": N_("outside working hours (today: %(hours)s)"),
    "at_capacity": N_("at capacity: %(load)s open of %(capacity)s"),
    "region": N_("does not cover the region %(value)s"),
    "product_line": N_("does not cover the product line %(value)s"),
    "zero_weight": N_("weight 0: takes no turns"),
    "not_next": N_("not next in turn"),
    "more_load": N_("holds more open records (%(load)s) than the one chosen (%(best)s)"),
    # why someone was chosen (or nobody)
    "round_robin": N_("next in turn after user %(after)s"),
    "round_robin_first": N_("first in turn"),
    "weighted": N_("next in the weighted turn (weight %(weight)s, slot %(slot)s of %(total)s)"),
    "least_loaded": N_("fewest open records (%(load)s)"),
    "least_loaded_tie": N_("fewest open records (%(load)s), tie broken by turn"),
    "mapped_user": N_("the value %(value)s is routed to this user"),
    "fallback_user": N_("nobody qualified: the fallback user"),
    "fallback_team": N_("nobody qualified: %(inner)s in the fallback team"),
    "nobody": N_("nobody qualified and there is no fallback"),
    "no_team": N_("there is no team %(team)s"),
    "no_user": N_("there is no user %(user)s"),
    "no_route": N_("the value %(value)s is routed nowhere and there is no default"),
}


@dataclass(frozen=True)
class Reason:
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> Message:
        params = {k: v.text if isinstance(v, Reason) else v for k, v in self.params.items()}
        return msg(REASONS[self.code], **params)

    def as_json(self) -> dict[str, Any]:
        params = {k: v.as_json() if isinstance(v, Reason) else v for k, v in self.params.items()}
        return {"code": self.code, "params": params} if params else {"code": self.code}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reason:
        params = {k: cls.from_json(v) if isinstance(v, dict) and "code" in v else v
                  for k, v in (data.get("params") or {}).items()}
        return cls(data["code"], params)


@dataclass(frozen=True)
class Cursor:
    """Where a team's turn stands: the last user given a record, and the weighted turn's
    slot."""

    last_user: int | None = None
    position: int = 0


@dataclass(frozen=True)
class RoutingState:
    """What a strategy knows besides the candidates: the wall-clock time in the
    installation's time zone, each candidate's open records, the team's cursor."""

    now: datetime
    loads: Mapping[int, int] = field(default_factory=dict)
    cursor: Cursor = Cursor()


@dataclass(frozen=True)
class Choice:
    """Who was chosen (None: nobody), why, why each other candidate was skipped, and where the
    turn stands now (None: unchanged)."""

    assignee: int | None
    reason: Reason
    skipped: dict[int, Reason] = field(default_factory=dict)
    cursor: Cursor | None = None
    team_id: int | None = None


def availability(member: Member, state: RoutingState, record: Mapping[str, Any],
                 config: Mapping[str, Any]) -> Reason | None:
    """Why ``member`` may not be given this record now (None: they may)."""
    if not member.active:
        return Reason("inactive")
    if not member.routing:
        return Reason("paused")
    if config.get("respect_hours", True):
        off = day_off(member.days_off, state.now.date())
        if off is not None:
            return Reason("day_off", {"day": off})
        if not within_hours(member.hours, state.now):
            return Reason("outside_hours", {"hours": hours_text(member.hours, state.now)})
    covers = config.get("match") or {}
    for attr, code in (("regions", "region"), ("product_lines", "product_line")):
        key = covers.get(attr)
        value = record.get(key) if key else None
        if key and getattr(member, attr) and value not in (None, "") and (
                str(value) not in getattr(member, attr)):
            return Reason(code, {"value": str(value), "field": key})
    if member.capacity is not None and state.loads.get(member.user_id, 0) >= member.capacity:
        return Reason("at_capacity", {"load": state.loads.get(member.user_id, 0),
                                      "capacity": member.capacity})
    return None


def sift(candidates: Sequence[Member], state: RoutingState, record: Mapping[str, Any],
         config: Mapping[str, Any]) -> tuple[list[Member], dict[int, Reason]]:
    """The candidates who may be given the record (in id order), and why the others may not."""
    eligible, skipped = [], {}
    for member in sorted(candidates, key=lambda m: m.user_id):
        why = availability(member, state, record, config)
        if why is None:
            eligible.append(member)
        else:
            skipped.setdefault(member.user_id, why)
    return eligible, skipped


def next_after(members: Sequence[Member], last: int | None) -> Member:
    """The first member (in id order) after user ``last``, wrapping round: members joining or
    leaving do not reshuffle the turn."""
    ordered = sorted(members, key=lambda m: m.user_id)
    if last is not None:
        for member in ordered:
            if member.user_id > last:
                return member
    return ordered[0]

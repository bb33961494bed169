"""Round-robin: each record to the next available member after the last one given one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runtime.routing.choice import Choice, Cursor, Reason, RoutingState, next_after, sift
from runtime.routing.members import N_, Member
from runtime.routing.strategies.base import TEAM, Strategy


def take_turn(eligible: Sequence[Member], skipped: dict[int, Reason], state: RoutingState,
              reason: Reason | None = None) -> Choice:
    """The next of ``eligible`` in turn (the others skipped as not next), the cursor moved."""
    if not eligible:
        return Choice(None, Reason("nobody"), skipped)
    chosen = next_after(eligible, state.cursor.last_user)
    for member in eligible:
        if member is not chosen:
            skipped[member.user_id] = Reason("not_next")
    last = state.cursor.last_user
    why = reason or (Reason("round_robin", {"after": last}) if last is not None
                     else Reason("round_robin_first"))
    return Choice(chosen.user_id, why, skipped,
                  Cursor(chosen.user_id, state.cursor.position))


class RoundRobinStrategy(Strategy):
    key = "round_robin"
    label = N_("Round-robin")
    config_schema = {"type": "object", "required": ["team"], "properties": {"team": TEAM}}

    def choose(self, candidates: Sequence[Member], state: RoutingState,
               record: Mapping[str, Any], config: Mapping[str, Any]) -> Choice:
        eligible, skipped = sift(candidates, state, record, config)
        return take_turn(eligible, skipped, state)

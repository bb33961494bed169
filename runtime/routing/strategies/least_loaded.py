"""Least loaded: the member holding the fewest open records (those matching the ``open``
formula, e.g. ``{stage} <> "closed"``), ties broken by turn; capacity caps skip full members."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runtime.routing.choice import Choice, Reason, RoutingState, sift
from runtime.routing.members import N_, Member
from runtime.routing.strategies.base import TEAM, Strategy
from runtime.routing.strategies.round_robin import take_turn


class LeastLoadedStrategy(Strategy):
    key = "least_loaded"
    label = N_("Least loaded")
    counts_load = True
    config_schema = {"type": "object", "required": ["team"], "properties": {
        "team": TEAM,
        "open": {"type": "string", "maxLength": 2000,
                 "description": "a formula: the records that count as open (default: all)"}}}

    def choose(self, candidates: Sequence[Member], state: RoutingState,
               record: Mapping[str, Any], config: Mapping[str, Any]) -> Choice:
        eligible, skipped = sift(candidates, state, record, config)
        if not eligible:
            return Choice(None, Reason("nobody"), skipped)
        best = min(state.loads.get(m.user_id, 0) for m in eligible)
        tied = [m for m in eligible if state.loads.get(m.user_id, 0) == best]
        for member in eligible:
            load = state.loads.get(member.user_id, 0)
            if load > best:
                skipped[member.user_id] = Reason("more_load", {"load": load, "best": best})
        code = "least_loaded_tie" if len(tied) > 1 else "least_loaded"
        return take_turn(tied, skipped, state, Reason(code, {"load": best}))

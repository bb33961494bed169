"""Weighted round-robin: a member of weight 3 takes three turns for one of weight 1, spread out
(the smooth weighted order nginx uses: A A B A, not A A A B)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runtime.routing.choice import Choice, Cursor, Reason, RoutingState, sift
from runtime.routing.members import N_, Member
from runtime.routing.strategies.base import TEAM, Strategy


def weighted_order(members: Sequence[Member]) -> list[int]:
    """One round of turns: each member's id as many times as their weight, spread smoothly."""
    weights = {m.user_id: m.weight for m in sorted(members, key=lambda m: m.user_id)
               if m.weight > 0}
    total = sum(weights.values())
    current = dict.fromkeys(weights, 0)
    order = []
    for _ in range(total):
        for user, weight in weights.items():
            current[user] += weight
        best = max(current, key=lambda u: (current[u], -u))
        current[best] -= total
        order.append(best)
    return order


class WeightedRoundRobinStrategy(Strategy):
    key = "weighted_round_robin"
    label = N_("Weighted round-robin")
    config_schema = {"type": "object", "required": ["team"], "properties": {"team": TEAM}}

    def choose(self, candidates: Sequence[Member], state: RoutingState,
               record: Mapping[str, Any], config: Mapping[str, Any]) -> Choice:
        eligible, skipped = sift(candidates, state, record, config)
        for member in eligible:
            if member.weight <= 0:
                skipped[member.user_id] = Reason("zero_weight")
        order = weighted_order(candidates)
        allowed = {m.user_id for m in eligible if m.weight > 0}
        for step in range(len(order)):
            slot = (state.cursor.position + step) % len(order)
            if order[slot] in allowed:
                chosen = order[slot]
                for user in allowed - {chosen}:
                    skipped[user] = Reason("not_next")
                weight = next(m.weight for m in eligible if m.user_id == chosen)
                return Choice(chosen, Reason("weighted", {"weight": weight, "slot": slot + 1,
                                                          "total": len(order)}),
                              skipped, Cursor(chosen, slot + 1))
        return Choice(None, Reason("nobody"), skipped)

"""By field value: a mapping from a field's value to a team or a user (province -> team,
product line -> specialist), then a turn within the team by another strategy (``within``).

The mapping is the one step a decision table replaces: a strategy that reads a decision table
subclasses this and overrides ``target`` (state.lookup hands it the compiled table)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runtime.routing.choice import Choice, Reason, RoutingState, sift
from runtime.routing.members import N_, Member
from runtime.routing.strategies.base import TEAM, Strategy, Target
from runtime.routing.strategies.least_loaded import LeastLoadedStrategy
from runtime.routing.strategies.round_robin import RoundRobinStrategy
from runtime.routing.strategies.weighted import WeightedRoundRobinStrategy

DESTINATION = {"type": "object", "additionalProperties": False, "minProperties": 1,
               "maxProperties": 1,
               "properties": {"team": TEAM, "user": {"type": "integer", "minimum": 1}}}
# how a team found through the mapping chooses among its members
WITHIN = {s.key: s() for s in (RoundRobinStrategy, WeightedRoundRobinStrategy,
                               LeastLoadedStrategy)}


def field_value(record: Mapping[str, Any], key: str) -> str | None:
    value = record.get(key)
    if isinstance(value, list):  # a multiselect: its first value decides
        value = value[0] if value else None
    return None if value in (None, "") else str(value)


class ByFieldStrategy(Strategy):
    key = "by_field"
    label = N_("By field value")
    config_schema = {"type": "object", "required": ["field", "routes"], "properties": {
        "field": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"},
        "routes": {"type": "object", "additionalProperties": DESTINATION,
                   "description": "a value -> {team} or {user}"},
        "default": DESTINATION,
        "within": {"enum": sorted(WITHIN), "description": "how a team chooses (round_robin)"},
        "open": {"type": "string", "maxLength": 2000}}}

    def target(self, config: Mapping[str, Any], record: Mapping[str, Any]) -> Target | None:
        value = field_value(record, config["field"])
        where = config["routes"].get(value) if value is not None else None
        if where is None:
            where = config.get("default")
            if where is None:
                return None
        mapped = Reason("mapped_user", {"value": value, "field": config["field"]})
        return Target(team=where.get("team"), user=where.get("user"),
                      reason=mapped if "user" in where else None)

    def no_target(self, config: Mapping[str, Any], record: Mapping[str, Any]) -> Reason:
        return Reason("no_route", {"value": field_value(record, config["field"]),
                                   "field": config["field"]})

    def needs_load(self, config: Mapping[str, Any]) -> bool:
        return WITHIN[config.get("within", "round_robin")].counts_load

    def choose(self, candidates: Sequence[Member], state: RoutingState,
               record: Mapping[str, Any], config: Mapping[str, Any]) -> Choice:
        where = self.target(config, record)
        if where is not None and where.user is not None:
            # one user named: they take it if available, else nobody (the fallback)
            eligible, skipped = sift(candidates, state, record, config)
            if eligible:
                return Choice(eligible[0].user_id, where.reason or Reason("nobody"), skipped)
            return Choice(None, Reason("nobody"), skipped)
        within = WITHIN[config.get("within", "round_robin")]
        return within.choose(candidates, state, record, config)

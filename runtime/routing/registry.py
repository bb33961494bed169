"""The registry of routing strategies, built from an explicit tuple (nothing registers itself)."""

from __future__ import annotations

from collections.abc import Iterable

from metadata.registry import Registry
from runtime.routing.strategies.base import Strategy
from runtime.routing.strategies.by_field import ByFieldStrategy
from runtime.routing.strategies.least_loaded import LeastLoadedStrategy
from runtime.routing.strategies.round_robin import RoundRobinStrategy
from runtime.routing.strategies.weighted import WeightedRoundRobinStrategy

STRATEGIES: tuple[type[Strategy], ...] = (RoundRobinStrategy, WeightedRoundRobinStrategy,
                                          LeastLoadedStrategy, ByFieldStrategy)


def build_strategy_registry(types: Iterable[type[Strategy]] = STRATEGIES) -> Registry[Strategy]:
    return Registry("routing strategy", types, key_attr="key")

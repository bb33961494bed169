"""What every routing strategy is: a key, a label, a config schema, ``target`` and ``choose``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from runtime.routing.choice import Choice, Reason, RoutingState
from runtime.routing.members import Member

TEAM = {"oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "minLength": 1,
                                                       "maxLength": 100}],
        "description": "a team, by id or by name"}


@dataclass(frozen=True)
class Target:
    """Where a record goes before anyone is chosen: a team to choose in, or one user.
    ``reason`` says why (a mapped value), None for the configured team."""

    team: int | str | None = None
    user: int | None = None
    reason: Reason | None = None


class Strategy:
    """A way of choosing among a team's members. Subclasses set ``key``, ``label`` and
    ``config_schema`` (JSON Schema of their own options) and implement ``choose``."""

    key: ClassVar[str]
    label: ClassVar[str]  # English; the pages translate it
    config_schema: ClassVar[dict[str, Any]] = {"type": "object"}
    # the store counts each candidate's open records for it (least loaded)
    counts_load: ClassVar[bool] = False

    def target(self, config: Mapping[str, Any], record: Mapping[str, Any]) -> Target | None:
        """The team (or user) to choose in for ``record``; None: nowhere (see ``no_target``)."""
        return Target(team=config.get("team"))

    def no_target(self, config: Mapping[str, Any], record: Mapping[str, Any]) -> Reason:
        return Reason("nobody")

    def needs_load(self, config: Mapping[str, Any]) -> bool:
        """Whether ``choose`` reads ``state.loads`` (the store counts them in one query)."""
        return self.counts_load

    def choose(self, candidates: Sequence[Member], state: RoutingState,
               record: Mapping[str, Any], config: Mapping[str, Any]) -> Choice:
        raise NotImplementedError

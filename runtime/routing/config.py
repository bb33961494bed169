"""A routing config: which strategy, its options, and what every strategy shares (pure).

``{"strategy": "round_robin", "team": "大客户销售组", "fallback": {"user": 7},
"match": {"regions": "province"}, "respect_hours": true,
"assignee_field": "owner"}``
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator

from metadata.errors import Problem
from metadata.messages import msg, quoted
from metadata.registry import Registry
from runtime.routing.strategies.base import TEAM, Strategy

KEY = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"}
COMMON: dict[str, Any] = {
    "strategy": {"type": "string"},
    "assignee_field": {**KEY, "description": "owner (default) or a field of one user: what "
                                             "the choice sets"},
    "fallback": {"type": "object", "additionalProperties": False, "minProperties": 1,
                 "maxProperties": 1,
                 "properties": {"team": TEAM, "user": {"type": "integer", "minimum": 1}},
                 "description": "who takes the record when nobody qualifies"},
    "match": {"type": "object", "additionalProperties": False,
              "properties": {"regions": KEY, "product_lines": KEY},
              "description": "skip members whose regions / product lines do not cover the "
                             "value of these fields"},
    "respect_hours": {"type": "boolean", "description": "skip members outside their "
                                                        "working hours or on a day off"},
}


def config_schema(strategy: Strategy) -> dict[str, Any]:
    """The JSON Schema of a routing config with ``strategy``'s own options."""
    own = strategy.config_schema
    return {"type": "object", "additionalProperties": False,
            "required": ["strategy", *own.get("required", [])],
            "properties": {**COMMON, **own.get("properties", {}),
                           "strategy": {"const": strategy.key}}}


def config_problems(strategies: Registry[Strategy], config: Any) -> list[Problem]:
    """What is wrong with a routing config, with JSON Pointer paths (empty: nothing)."""
    if not isinstance(config, Mapping):
        return [Problem("", "must be an object with a strategy")]
    strategy = strategies.get(config.get("strategy")) if isinstance(
        config.get("strategy"), str) else None
    if strategy is None:
        return [Problem("/strategy", "must be one of " + ", ".join(strategies.keys()))]
    validator = Draft202012Validator(config_schema(strategy))
    return [Problem("".join(f"/{p}" for p in error.absolute_path), error.message)
            for error in sorted(validator.iter_errors(config), key=lambda e: list(e.path))]


def team_problems(config: Mapping[str, Any], teams: Mapping[int, str]) -> list[Problem]:
    """The teams a (well-formed) config names that are not among ``teams`` (id -> name), at
    their paths: for the checks at save of what names a routing config."""
    known = set(teams) | set(teams.values())
    places: list[tuple[str, Any]] = [("/team", config.get("team"))]
    for value, where in (config.get("routes") or {}).items():
        places.append((f"/routes/{_pointer(value)}/team", (where or {}).get("team")))
    places += [("/default/team", (config.get("default") or {}).get("team")),
               ("/fallback/team", (config.get("fallback") or {}).get("team"))]
    return [Problem(path, msg("there is no team %(team)s", team=quoted(team)))
            for path, team in places if team is not None and team not in known]


def _pointer(key: str) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def team_names(config: Mapping[str, Any]) -> list[int | str]:
    """Every team a config names (its own, its mapping's, its fallback's): to check at save."""
    teams = [config.get("team")]
    for where in [*(config.get("routes") or {}).values(), config.get("default"),
                  config.get("fallback")]:
        if isinstance(where, Mapping):
            teams.append(where.get("team"))
    return [t for t in teams if t is not None]

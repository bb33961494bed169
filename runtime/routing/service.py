"""``assign``: route one record by a routing config, set its owner (or a user field) through
the records service, and write the assignment log — all in the caller's transaction.

The rule engine's ``assign`` action calls ``Runtime.routing.assign(records, record_id, config,
rule=...)`` with the records service of its write; the audit entry and the record event of the
change come from the records service as for any other write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

import sqlalchemy as sa

from metadata.errors import InvalidDocument, Problem
from metadata.registry import Registry
from runtime.routing.choice import Choice, Reason, RoutingState
from runtime.routing.config import config_problems, team_problems
from runtime.routing.members import Member
from runtime.routing.store import RoutingStore
from runtime.routing.strategies.base import Strategy, Target
from runtime.routing.strategies.round_robin import RoundRobinStrategy
from runtime.storage.formula_filter import formula_clause
from runtime.storage.records import Records

OWNER = "owner"
FALLBACK_TEAM = {"strategy": "round_robin", "respect_hours": False}


@dataclass(frozen=True)
class Assignment:
    """What ``assign`` did: who was chosen (None: nobody), the choice with its reasons, the
    team chosen in, whether the fallback took it, and the record as it is now."""

    assignee: int | None
    choice: Choice
    team_id: int | None
    fallback: bool
    record: dict


@dataclass
class Routed:
    choice: Choice
    candidates: list[Member]
    team_id: int | None = None
    fallback: bool = False


class Router:
    """The strategies and the installation's time zone (working hours are read there)."""

    def __init__(self, strategies: Registry[Strategy], timezone: tzinfo):
        self.strategies = strategies
        self.timezone = timezone

    def check(self, config: Any, teams: Mapping[int, str] | None = None) -> list[Problem]:
        """What is wrong with a routing config, with paths; with ``teams`` (the directory's
        ``teams(session)``), the teams it names that do not exist too."""
        problems = config_problems(self.strategies, config)
        if not problems and teams is not None:
            problems = team_problems(config, teams)
        return problems

    def assign(self, records: Records, record_id: int, config: Mapping[str, Any],
               rule: str | None = None) -> Assignment:
        problems = self.check(config)
        field = config.get("assignee_field", OWNER) if not problems else OWNER
        if not problems and field != OWNER and not _holds_one_user(records, field):
            problems = [Problem("/assignee_field", f"{field!r} is not a field of one user on "
                                          f"{records.plan.form_key}")]
        if problems:
            raise InvalidDocument(problems, status=422)
        record = records.get_all(record_id)
        store = RoutingStore(records.session, records.directory, records.now)
        routed = self._route(store, records, record, config, field)
        previous = record.get(field)
        if routed.choice.assignee is not None and routed.choice.assignee != previous:
            record = records.update(record_id, {field: routed.choice.assignee})
        store.log(_log_entry(records, record_id, config, rule, field, routed, previous))
        return Assignment(routed.choice.assignee, routed.choice, routed.team_id,
                          routed.fallback, record)

    def choose(self, records: Records, record_id: int, config: Mapping[str, Any]
               ) -> int | None:
        """Whom ``config`` picks for a record without assigning it (the new assignee of an
        escalated task): the team's turn is taken as by an assignment."""
        problems = self.check(config)
        if problems:
            raise InvalidDocument(problems, status=422)
        store = RoutingStore(records.session, records.directory, records.now)
        return self._route(store, records, records.get_all(record_id), config,
                           OWNER).choice.assignee

    def _route(self, store: RoutingStore, records: Records, record: dict,
               config: Mapping[str, Any], field: str) -> Routed:
        strategy = self.strategies[config["strategy"]]
        target = strategy.target(config, record)
        # the turns this assignment may take, locked in id order: two assignments whose team
        # and fallback team are each other's never wait on each other
        teams = [target.team if target is not None and target.user is None else None,
                 (config.get("fallback") or {}).get("team")]
        for team_id in sorted({t for t in map(store.resolve_team, teams) if t is not None}):
            store.lock_cursor(team_id)
        if target is None:
            routed = Routed(Choice(None, strategy.no_target(config, record)), [])
        else:
            routed = self._in_target(store, records, strategy, target, record, config, field)
        if routed.choice.assignee is None and config.get("fallback"):
            return self._fallback(store, routed, config["fallback"])
        return routed

    def _in_target(self, store: RoutingStore, records: Records, strategy: Strategy,
                   target: Target, record: dict, config: Mapping[str, Any], field: str
                   ) -> Routed:
        now = self.local(records.now)
        if target.user is not None:
            candidates = store.user_member(target.user)
            if not candidates:
                return Routed(Choice(None, Reason("no_user", {"user": target.user})), [])
            return Routed(strategy.choose(candidates, RoutingState(now), record, config),
                          candidates)
        team_id = store.resolve_team(target.team)
        if team_id is None:
            return Routed(Choice(None, Reason("no_team", {"team": str(target.team)})), [])
        candidates = store.team_members(team_id)
        cursor = store.lock_cursor(team_id)  # before counting: the counts are the turn's
        loads = {}
        if strategy.needs_load(config):
            loads = _loads(store, records, field, [m.user_id for m in candidates],
                           config.get("open"), record["id"])
        choice = strategy.choose(candidates, RoutingState(now, loads, cursor), record, config)
        if choice.cursor is not None:
            store.save_cursor(team_id, choice.cursor)
        return Routed(choice, candidates, team_id)

    def _fallback(self, store: RoutingStore, first: Routed, where: Mapping[str, Any]
                  ) -> Routed:
        """Nobody qualified: the fallback user if active, else a turn among the fallback
        team's active, unpaused members (hours and caps aside: someone must take it)."""
        now = self.local(store.now)
        if "user" in where:
            candidates = store.user_member(where["user"])
            chosen = next((m.user_id for m in candidates if m.active), None)
            skipped = {m.user_id: Reason("inactive") for m in candidates if not m.active}
            inner = Choice(chosen, Reason("fallback_user") if chosen else Reason("nobody"),
                           skipped)
            return _merged(first, inner, candidates, None)
        team_id = store.resolve_team(where["team"])
        if team_id is None:
            return _merged(first, Choice(None, Reason("no_team", {"team": str(where["team"])})),
                           [], None)
        candidates = store.team_members(team_id)
        state = RoutingState(now, {}, store.lock_cursor(team_id))
        inner = RoundRobinStrategy().choose(candidates, state, {}, FALLBACK_TEAM)
        if inner.cursor is not None:
            store.save_cursor(team_id, inner.cursor)
            inner = Choice(inner.assignee, Reason("fallback_team", {"inner": inner.reason}),
                           inner.skipped, inner.cursor)
        return _merged(first, inner, candidates, team_id)

    def local(self, moment: datetime) -> datetime:
        """The wall-clock time in the installation's time zone."""
        return moment.astimezone(self.timezone)


def _merged(first: Routed, inner: Choice, candidates: list[Member], team_id: int | None
            ) -> Routed:
    """The fallback's choice, with the first round's reasons for its candidates kept."""
    skipped = {**inner.skipped, **first.choice.skipped}
    if inner.assignee is not None:
        skipped.pop(inner.assignee, None)
    seen = {m.user_id for m in first.candidates}
    everyone = first.candidates + [m for m in candidates if m.user_id not in seen]
    choice = Choice(inner.assignee, inner.reason, skipped, inner.cursor, team_id)
    return Routed(choice, everyone, team_id or first.team_id, inner.assignee is not None)


def _holds_one_user(records: Records, key: str) -> bool:
    fld = next((f for f in records.plan.fields if f["key"] == key), None)
    return fld is not None and records.plan.types[fld["type"]].holds_one_user(fld)


def _loads(store: RoutingStore, records: Records, field: str, user_ids: list[int],
           open_formula: str | None, record_id: int) -> dict[int, int]:
    table = records.table
    column = table.c.owner_id if field == OWNER else table.c[field]
    clause: sa.ColumnElement[bool] | None = None
    if open_formula:
        clause = formula_clause(records, open_formula, "/open", designed=True)
    return store.loads(table, column, user_ids, clause, exclude=record_id)


def _log_entry(records: Records, record_id: int, config: Mapping[str, Any], rule: str | None,
               field: str, routed: Routed, previous: Any) -> dict[str, Any]:
    choice = routed.choice
    candidates = [{"user": m.user_id,
                   "skipped": choice.skipped[m.user_id].as_json()
                   if m.user_id in choice.skipped else None}
                  for m in sorted(routed.candidates, key=lambda m: m.user_id)]
    return {"app_key": records.plan.app_key, "form_key": records.plan.form_key,
            "record_id": record_id, "strategy": config["strategy"], "rule": rule,
            "field": field, "team_id": routed.team_id, "assignee": choice.assignee,
            "previous": previous if isinstance(previous, int) else None,
            "fallback": routed.fallback, "reason": choice.reason.as_json(),
            "candidates": candidates}

"""Routing's database adapter: members with their attributes, cursors under a row lock, open
records counted in one query, and the assignment log. Everything reads and writes in the
caller's session (its transaction)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from runtime.directory import Directory
from runtime.routing.choice import Cursor, Reason
from runtime.routing.members import Member
from runtime.routing.models import RecordAssignment, RoutingCursor, RoutingMember

MEMBERS = RoutingMember.__table__
CURSORS = RoutingCursor.__table__
LOG = RecordAssignment.__table__
ATTRIBUTES = ("routing", "weight", "capacity", "regions", "product_lines", "hours", "days_off")
DEFAULTS: dict[str, Any] = {"routing": True, "weight": 1, "capacity": None, "regions": [],
                            "product_lines": [], "hours": None, "days_off": []}


class RoutingStore:
    def __init__(self, session: Session, directory: Directory, now: datetime):
        self.session = session
        self.directory = directory
        self.now = now

    @property
    def conn(self) -> sa.Connection:
        return self.session.connection()

    # -- teams and members --------------------------------------------------------------------
    def resolve_team(self, team: int | str | None) -> int | None:
        """A team's id from its id or its name (None: no such team)."""
        if isinstance(team, bool) or team is None:
            return None
        if isinstance(team, int):
            return team if self.directory.teams(self.session, [team]) else None
        found = [i for i, name in self.directory.teams(self.session).items() if name == team]
        return found[0] if found else None

    def attributes(self, team_id: int, user_ids: Iterable[int] | None = None
                   ) -> dict[int, dict[str, Any]]:
        """The stored routing attributes of a team's members (members without a row: none)."""
        query = sa.select(MEMBERS).where(MEMBERS.c.team_id == team_id)
        if user_ids is not None:
            query = query.where(MEMBERS.c.user_id.in_(sorted(user_ids)))
        return {row["user_id"]: {k: row[k] for k in ATTRIBUTES}
                for row in self.conn.execute(query).mappings()}

    def team_members(self, team_id: int) -> list[Member]:
        """Every member of a team (inactive users too: the log says why they were skipped)."""
        ids = self.directory.members(self.session, [team_id], active_only=False)
        return self._members(team_id, ids)

    def user_member(self, user_id: int, team_id: int | None = None) -> list[Member]:
        """One user as a candidate ([] if no such user), with a team's attributes if given."""
        return self._members(team_id, [user_id])

    def _members(self, team_id: int | None, ids: Sequence[int]) -> list[Member]:
        people = self.directory.people(self.session, ids)
        stored = self.attributes(team_id, ids) if team_id is not None else {}
        out = []
        for user_id in sorted(people):
            attrs = {**DEFAULTS, **stored.get(user_id, {})}
            out.append(Member(user_id, people[user_id].name, team_id, people[user_id].active,
                              attrs["routing"], attrs["weight"], attrs["capacity"],
                              tuple(attrs["regions"]), tuple(attrs["product_lines"]),
                              attrs["hours"], tuple(attrs["days_off"])))
        return out

    def save_attributes(self, team_id: int, user_id: int, attrs: Mapping[str, Any]) -> None:
        """Write a member's routing attributes (checked by ``members.member_problems``)."""
        values = {**DEFAULTS, **{k: attrs[k] for k in ATTRIBUTES if k in attrs},
                  "updated_at": self.now}
        done = self.conn.execute(MEMBERS.update().where(MEMBERS.c.team_id == team_id,
                                                        MEMBERS.c.user_id == user_id)
                                 .values(values))
        if done.rowcount == 0:
            self.conn.execute(MEMBERS.insert().values(team_id=team_id, user_id=user_id,
                                                      **values))

    # -- the turn -----------------------------------------------------------------------------
    def lock_cursor(self, team_id: int) -> Cursor:
        """A team's cursor, locked until the transaction ends (PostgreSQL's row lock; SQLite's
        write lock, taken by the locking read): concurrent assignments take turns one by one."""
        key = f"team:{team_id}"
        row = self._locked(key)
        if row is None:
            insert = (postgresql.insert if self.conn.dialect.name == "postgresql"
                      else sqlite.insert)(CURSORS)
            self.conn.execute(insert.values(key=key, last_user=None, position=0, turns=0,
                                            updated_at=self.now).on_conflict_do_nothing())
            row = self._locked(key)
        return Cursor(row["last_user"], row["position"])

    def _locked(self, key: str) -> Mapping | None:
        query = sa.select(CURSORS).where(CURSORS.c.key == key).with_for_update()
        return self.conn.execute(query).mappings().first()

    def save_cursor(self, team_id: int, cursor: Cursor) -> None:
        self.conn.execute(CURSORS.update().where(CURSORS.c.key == f"team:{team_id}")
                          .values(last_user=cursor.last_user, position=cursor.position,
                                  turns=CURSORS.c.turns + 1, updated_at=self.now))

    # -- load ---------------------------------------------------------------------------------
    def loads(self, table: sa.Table, column: sa.ColumnElement, user_ids: Iterable[int],
              open_clause: sa.ColumnElement[bool] | None = None,
              exclude: int | None = None) -> dict[int, int]:
        """Each user's live records (matching ``open_clause``) held in ``column``, in one
        grouped query; ``exclude``: the record being assigned does not count."""
        wanted = sorted(user_ids)
        if not wanted:
            return {}
        query = (sa.select(column, sa.func.count()).where(table.c.deleted_at.is_(None),
                                                          column.in_(wanted))
                 .group_by(column))
        if open_clause is not None:
            query = query.where(open_clause)
        if exclude is not None:
            query = query.where(table.c.id != exclude)
        return {user: count for user, count in self.conn.execute(query)}

    # -- the log ------------------------------------------------------------------------------
    def log(self, entry: dict[str, Any]) -> None:
        self.conn.execute(LOG.insert().values(at=self.now, **entry))

    def log_rows(self, app_key: str, form_key: str, record_id: int
                 ) -> tuple[list[Mapping], dict[int, str], dict[int, str]]:
        """A record's log rows, oldest first, with the names of the people and teams in them."""
        rows = list(self.conn.execute(
            sa.select(LOG).where(LOG.c.app_key == app_key, LOG.c.form_key == form_key,
                                 LOG.c.record_id == record_id).order_by(LOG.c.id)).mappings())
        ids = {r["assignee"] for r in rows} | {r["previous"] for r in rows} | {
            c["user"] for r in rows for c in r["candidates"]}
        names = self.directory.names(self.session, {i for i in ids if i is not None})
        teams = self.directory.teams(self.session, {r["team_id"] for r in rows
                                                    if r["team_id"] is not None})
        return rows, names, teams

    def assignments(self, app_key: str, form_key: str, record_id: int) -> list[dict[str, Any]]:
        """The assignment log of a record, oldest first, as the API gives it."""
        rows, names, teams = self.log_rows(app_key, form_key, record_id)
        return [entry_json(row, names, teams) for row in rows]


def entry_json(row: Mapping, names: Mapping[int, str], teams: Mapping[int, str]
               ) -> dict[str, Any]:
    reason = Reason.from_json(row["reason"])
    candidates = []
    for item in row["candidates"]:
        skipped = Reason.from_json(item["skipped"]) if item.get("skipped") else None
        candidates.append({"user": item["user"], "name": names.get(item["user"]),
                           "chosen": item["user"] == row["assignee"] and skipped is None,
                           "skipped": skipped.code if skipped else None,
                           "reason": str(skipped.text) if skipped else None})
    return {"id": row["id"], "at": iso(row["at"]), "strategy": row["strategy"],
            "rule": row["rule"], "field": row["field"], "team": row["team_id"],
            "team_name": teams.get(row["team_id"]), "assignee": row["assignee"],
            "assignee_name": names.get(row["assignee"]), "previous": row["previous"],
            "fallback": row["fallback"], "reason": str(reason.text),
            "reason_code": reason.code, "candidates": candidates}


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")

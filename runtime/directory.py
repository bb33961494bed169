"""Who the people are: the user and team directory that the runtime and its engines ask.

The runtime owns no table of people: ``app.auth`` does (users, roles, teams) and hands its
implementation of ``Directory`` to the runtime in the app factory. Storage asks it for display
names, for which ids are users, and for the SQL of "the members of these teams" that the row
scope ``team`` needs; pickers ask it to search; the engines to come ask it for a team's active
members (routing), the users of a role (workflows), people's e-mail addresses (notify) and the
principal a user acts as. ``docs/directory.md`` explains each question for those engines.

Every method reads in the caller's session (its transaction), so what it answers is what the
rest of the request sees.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from runtime.permissions import Principal


@dataclass(frozen=True)
class Person:
    """A user as the directory gives them out. ``email`` is None where the reader may not see
    it (a picker's entries for most readers)."""

    id: int
    name: str
    active: bool = True
    email: str | None = None
    locale: str = ""

    def picker_entry(self) -> dict[str, Any]:
        """What a user picker receives: id and name, the e-mail address when given."""
        entry: dict[str, Any] = {"id": self.id, "name": self.name}
        if self.email is not None:
            entry["email"] = self.email
        return entry


class Directory(Protocol):
    """The questions the runtime asks about users and teams."""

    def people(self, session: Session, ids: Iterable[int]) -> dict[int, Person]:
        """The users among ``ids`` (inactive ones included), with their e-mail addresses:
        for the system's own use (sending mail), never to hand to a reader as is."""
        ...

    def names(self, session: Session, ids: Iterable[int]) -> dict[int, str]:
        """Display names of the users among ``ids`` (inactive ones too: history names them)."""
        ...

    def existing(self, session: Session, ids: Iterable[int]) -> set[int]:
        """The ids among ``ids`` that are users (active or not)."""
        ...

    def active(self, session: Session, ids: Iterable[int]) -> set[int]:
        """The ids among ``ids`` of users who are active (may log in and be given work)."""
        ...

    def search(self, session: Session, reader: Principal | None, text: str = "",
               roles: Collection[str] = (), limit: int = 20) -> list[Person]:
        """Active users for a picker, by name, in name order: ``text`` matches what the
        reader may see of them (names; e-mail addresses only for readers who may see those,
        and only they get the addresses); ``roles``: only users with one of these roles."""
        ...

    def members(self, session: Session, team_ids: Collection[int],
                active_only: bool = True) -> list[int]:
        """The ids of the members of these teams, in id order (a stable order for taking
        turns), active ones only unless ``active_only`` is False."""
        ...

    def teams(self, session: Session, ids: Iterable[int] | None = None) -> dict[int, str]:
        """The teams (all of them, or those among ``ids``): id -> name, in name order."""
        ...

    def roles(self, session: Session) -> dict[str, Any]:
        """Every role: key -> its label (text, or texts by language), in key order."""
        ...

    def members_query(self, team_ids: Collection[int]) -> sa.Select:
        """SQL selecting the user ids of the members of these teams (active or not: a record
        a deactivated team mate owns stays the team's), for row scopes and other filters."""
        ...

    def with_role(self, session: Session, role: str, active_only: bool = True) -> list[int]:
        """The ids of the users who have ``role``, in id order."""
        ...

    def roles_of(self, session: Session, user_id: int) -> frozenset[str]:
        """The role keys of a user (empty for no such user)."""
        ...

    def principal(self, session: Session, user_id: int) -> Principal | None:
        """The principal a user acts as (roles and teams, every scope), None for no such user
        or an inactive one: for work done on a user's behalf away from a request."""
        ...

"""Teams and their members, as the admin page *Teams* changes them. Membership is changed
through the ORM, so the directory's change stamp moves (principals carry their teams)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.auth.models import Team, User
from metadata.errors import InvalidDocument, NotFound, Problem
from metadata.messages import msg, quoted

NAME_LENGTH = 100


def create_team(session: Session, name: str) -> Team:
    name = (name or "").strip()
    if not name or len(name) > NAME_LENGTH:
        raise InvalidDocument([Problem("/name", msg(
            "a team's name has 1 to %(n)s characters", n=NAME_LENGTH))])
    if session.scalar(sa.select(Team.id).where(Team.name == name)) is not None:
        raise InvalidDocument([Problem("/name", msg("there is already a team %(team)s",
                                                    team=quoted(name)))])
    team = Team(name=name)
    session.add(team)
    session.flush()
    return team


def _team(session: Session, team_id: int) -> Team:
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound([Problem("", f"team {team_id} does not exist")])
    return team


def add_member(session: Session, team_id: int, user_id: int) -> None:
    team, user = _team(session, team_id), session.get(User, user_id)
    if user is None or not user.active:
        raise InvalidDocument([Problem("/user", msg("choose an active user"))])
    if user not in team.members:
        team.members.append(user)
    session.flush()


def remove_member(session: Session, team_id: int, user_id: int) -> None:
    team = _team(session, team_id)
    team.members[:] = [u for u in team.members if u.id != user_id]
    session.flush()

"""``/admin/teams``: teams and their members — make a team, add and remove members. Each
member's routing attributes are on the *Routing* page."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.auth import teams
from app.auth.models import User
from metadata.errors import InvalidDocument, NotFound
from runtime.web import current_runtime, db_session, transaction
from runtime.web.messages import N_, translate
from runtime.web.routes import GET, POST


@dataclass(frozen=True)
class TeamRow:
    id: int
    name: str
    members: list[tuple[int, str, bool]]  # (user id, name, active)
    candidates: list[tuple[int, str]]  # active users not in the team, by name


def teams_page():
    session, directory = db_session(), current_runtime().directory
    everyone = [(row.id, row.name) for row in session.execute(
        sa.select(User.id, User.name).where(User.active.is_(True)).order_by(User.name))]
    rows = []
    for team_id, name in directory.teams(session).items():
        ids = directory.members(session, [team_id], active_only=False)
        people = directory.people(session, ids)
        members = [(i, people[i].name, people[i].active) for i in ids if i in people]
        rows.append(TeamRow(team_id, name, sorted(members, key=lambda m: m[1]),
                            [(i, n) for i, n in everyone if i not in people]))
    return render_template("app/admin/teams.html", teams=rows)


def _change(action, *args) -> bool:
    try:
        with transaction() as session:
            action(session, *args)
    except NotFound:
        abort(404)
    except InvalidDocument as exc:
        flash(translate(exc.problems[0].message), "error")
        return False
    return True


def create_team():
    name = request.form.get("name", "")
    if _change(teams.create_team, name):
        flash(_("Team %(team)s created.", team=name.strip()), "success")
    return redirect(url_for("admin.teams"))


def add_member(team_id: int):
    user_id = request.form.get("user_id", "")
    if _change(teams.add_member, team_id, int(user_id) if user_id.isdigit() and
               len(user_id) < 10 else 0):
        flash(_("Member added."), "success")
    return redirect(url_for("admin.teams") + f"#team-{team_id}")


def remove_member(team_id: int, user_id: int):
    if _change(teams.remove_member, team_id, user_id):
        flash(_("Member removed."), "success")
    return redirect(url_for("admin.teams") + f"#team-{team_id}")


class TeamsPage:
    key = "teams"
    label = N_("Teams")
    endpoint = "admin.teams"

    routes = (
        ("/teams", "teams", teams_page, GET),
        ("/teams", "teams_create", create_team, POST),
        ("/teams/<int:team_id>/members", "teams_add_member", add_member, POST),
        ("/teams/<int:team_id>/members/<int:user_id>/remove", "teams_remove_member",
         remove_member, POST),
    )

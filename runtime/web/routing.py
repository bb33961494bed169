"""The admin page of routing (/admin/routing): each team's members with their routing
attributes — takes new records, weight, capacity, regions, product lines, working hours, days
off — and a form to change them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from runtime.routing.members import WEEKDAYS, Member, member_problems
from runtime.routing.store import RoutingStore
from runtime.web import current_runtime, db_session, transaction
from runtime.web.messages import N_
from runtime.web.routes import GET, GET_POST
from runtime.web.routing_form import parse, posted_values, values

DAY_LABELS = {"mon": N_("Mon"), "tue": N_("Tue"), "wed": N_("Wed"), "thu": N_("Thu"),
              "fri": N_("Fri"), "sat": N_("Sat"), "sun": N_("Sun")}


@dataclass(frozen=True)
class MemberRow:
    user_id: int
    name: str
    active: bool
    routing: bool
    weight: int
    capacity: int | None
    regions: tuple[str, ...]
    product_lines: tuple[str, ...]
    hours: list[str]  # "Mon 09:00-18:00" per working day; empty: any time
    days_off: tuple[str, ...]
    edit_url: str


@dataclass(frozen=True)
class TeamView:
    id: int
    name: str
    members: list[MemberRow]


def hours_lines(member: Member) -> list[str]:
    if member.hours is None:
        return []
    return [f"{_(DAY_LABELS[d])} " + ", ".join(f"{a}-{b}" for a, b in member.hours[d])
            for d in WEEKDAYS if member.hours.get(d)] or [_("no working day")]


def member_row(team_id: int, member: Member) -> MemberRow:
    return MemberRow(member.user_id, member.name, member.active, member.routing, member.weight,
                     member.capacity, member.regions, member.product_lines,
                     hours_lines(member), member.days_off,
                     url_for("admin.routing_member", team_id=team_id, user_id=member.user_id))


def _store() -> RoutingStore:
    rt = current_runtime()
    return RoutingStore(db_session(), rt.directory, rt.clock.now())


def routing_page():
    store = _store()
    teams = [TeamView(team_id, name, [member_row(team_id, m)
                                      for m in store.team_members(team_id)])
             for team_id, name in store.directory.teams(store.session).items()]
    return render_template("runtime/routing_admin.html", teams=teams,
                           timezone=current_runtime().settings.get("timezone", "UTC"))


def member_page(team_id: int, user_id: int):
    store = _store()
    team = store.directory.teams(store.session, [team_id])
    member = next((m for m in store.team_members(team_id) if m.user_id == user_id), None)
    if not team or member is None:
        abort(404)
    errors: dict[str, str] = {}
    if request.method == "POST":
        attrs, problems = parse(request.form)
        problems += [p for p in member_problems(attrs) if p[0] not in dict(problems)]
        if not problems:
            with transaction() as session:
                RoutingStore(session, store.directory, store.now).save_attributes(
                    team_id, user_id, attrs)
            flash(_("Routing of %(name)s in %(team)s saved.", name=member.name,
                    team=team[team_id]), "success")
            return redirect(url_for("admin.routing") + f"#team-{team_id}")
        errors = {_field_of(path): _(message) for path, message in reversed(problems)}
    shown = posted_values(request.form) if errors else values(member)
    return render_template("runtime/routing_member.html", team_id=team_id,
                           team_name=team[team_id], member=member, values=shown,
                           errors=errors, days=[(d, _(DAY_LABELS[d])) for d in WEEKDAYS],
                           timezone=current_runtime().settings.get("timezone", "UTC")
                           ), 422 if errors else 200


def _field_of(path: str) -> str:
    """The form input a problem's path points at: /hours/wed -> hours_wed, /days_off/0 ->
    days_off."""
    parts = path.strip("/").split("/")
    return f"hours_{parts[1]}" if parts[0] == "hours" and len(parts) > 1 else parts[0]


class RoutingPage:
    """A page of the admin area (``/admin/routing``); the admin blueprint lets admins only in."""

    key = "routing"
    label = N_("Routing")
    endpoint = "admin.routing"

    routes = (
        ("/routing", "routing", routing_page, GET),
        ("/routing/teams/<int:team_id>/members/<int:user_id>", "routing_member", member_page,
         GET_POST),
    )

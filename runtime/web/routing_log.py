"""A record's assignment log as its page shows it: newest first, who was chosen (or nobody),
by which strategy and rule, why, and why each other candidate was skipped — in the reader's
language."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from runtime.routing.choice import Reason
from runtime.routing.store import RoutingStore
from runtime.storage.records import Records
from runtime.web import current_runtime
from runtime.web.forms.display import local_time
from runtime.web.messages import translate


@dataclass(frozen=True)
class AssignmentLine:
    when: str
    assignee: str  # a name, or "nobody"
    chosen: bool
    strategy: str
    rule: str | None
    team: str | None
    reason: str
    fallback: bool
    skipped: list[tuple[str, str]]  # (name, why)


def assignment_lines(records: Records, record_id: int) -> list[AssignmentLine]:
    """The record's assignments, newest first (the caller has checked it may be read)."""
    store = RoutingStore(records.session, records.directory, records.now)
    rows, names, teams = store.log_rows(records.plan.app_key, records.plan.form_key, record_id)
    strategies = current_runtime().routing.strategies
    lines = []
    for row in reversed(rows):
        strategy = strategies.get(row["strategy"])
        skipped = [(names.get(c["user"], f"#{c['user']}"),
                    translate(Reason.from_json(c["skipped"]).text))
                   for c in row["candidates"] if c.get("skipped")]
        assignee = row["assignee"]
        lines.append(AssignmentLine(
            when=local_time(row["at"]),
            assignee=names.get(assignee, f"#{assignee}") if assignee else _("nobody"),
            chosen=assignee is not None,
            strategy=_(strategy.label) if strategy else row["strategy"], rule=row["rule"],
            team=teams.get(row["team_id"]) if row["team_id"] else None,
            reason=translate(Reason.from_json(row["reason"]).text),
            fallback=row["fallback"], skipped=skipped))
    return lines

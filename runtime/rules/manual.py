"""Running a manual rule on records someone chose: a record page's button, the list's bulk
action and the API. Each record is checked as the single run checks it (the caller must be
allowed to change it) and runs in its own savepoint, so one record's failure leaves the others'
work standing; what happened to each is reported: matched, changed, failed and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from metadata.errors import NotFound, TrellisError
from metadata.messages import Message, msg
from runtime.rules.engine import Event
from runtime.rules.executor import Executor, Pass
from runtime.rules.incidents import INCIDENTS, I
from runtime.rules.published import manual_rule
from runtime.storage.bulk_changes import not_allowed
from runtime.storage.records import Records

if TYPE_CHECKING:
    from runtime.context import Runtime

MAX_RUN = 100  # records per bulk run: each may write, fire other rules and plan jobs


@dataclass(frozen=True)
class RunOutcome:
    """What one run did to one record. ``status``: the rule's outcome (matched, no_match,
    error, ...), or refused (the caller may not change it), not_found."""

    id: int
    status: str
    changed: bool = False
    failed: bool = False
    reason: Message | str | None = None

    @property
    def matched(self) -> bool:
        return self.status == "matched"


class ManualRun:
    """One manual rule (``rule`` or ``ruleset.rule``) of the form of ``records``, run as the
    caller of ``records`` (``NotFound`` when no such rule runs on the form)."""

    def __init__(self, rt: Runtime, records: Records, rule: str, actor_id: int | None):
        self.rt = rt
        self.records = records
        self.actor_id = actor_id
        plan = records.plan
        loaded = rt.rules.app(records.session, plan.app_key).by_form.get(plan.form_key, ())
        self.ruleset, self.key = manual_rule(loaded, rule)

    @property
    def name(self) -> str:
        return f"{self.ruleset.key}.{self.key}"

    def execute(self, record_id: int) -> RunOutcome:
        """Run the rule on a record the caller may change (checked by the caller)."""
        session, plan = self.records.session, self.records.plan
        executor = Executor(self.rt, session, plan.app_key, self.records.now)
        before = executor.read(plan.form_key, record_id)
        if before is None:
            return RunOutcome(record_id, "not_found", failed=True)
        marker = session.scalar(sa.select(sa.func.max(I.id))) or 0
        event = Event("manual", before, rule=self.key)
        outcome = next(o for o in self.ruleset.compiled.evaluate(event).outcomes
                       if o.rule == self.key)
        executor.run_rules_only(Pass(self.ruleset, event, record_id, None, self.actor_id))
        changed = executor.read(plan.form_key, record_id) != before
        if outcome.status == "error":
            return RunOutcome(record_id, "error", changed, True, outcome.reason)
        refused = outcome.status == "matched" and session.scalar(
            sa.select(INCIDENTS.c.error).where(I.id > marker, I.app_key == plan.app_key,
                                               I.record_id == record_id).limit(1))
        if refused:
            return RunOutcome(record_id, outcome.status, changed, True, refused)
        return RunOutcome(record_id, outcome.status, changed)

    def run_chosen(self, ids: list[int]) -> list[RunOutcome]:
        """Run the rule on each chosen record (at most ``MAX_RUN``, checked by the caller),
        each in its own savepoint; records the caller may not change are reported, not run."""
        out = []
        for record_id in ids:
            try:
                self.records.get(record_id)
            except NotFound:
                out.append(RunOutcome(record_id, "not_found", failed=True, reason=msg(
                    "this record does not exist or is not visible to you")))
                continue
            if not self.records.may("update", record_id):
                out.append(RunOutcome(record_id, "refused", failed=True,
                                      reason=not_allowed("update")))
                continue
            savepoint = self.records.session.begin_nested()
            try:
                outcome = self.execute(record_id)
                savepoint.commit()
            except TrellisError as exc:
                savepoint.rollback()
                outcome = RunOutcome(record_id, "error", failed=True,
                                     reason="; ".join(str(p.message) for p in exc.problems))
            out.append(outcome)
        return out


def counts(outcomes: list[RunOutcome]) -> dict[str, int]:
    return {"matched": sum(o.matched for o in outcomes),
            "changed": sum(o.changed for o in outcomes),
            "failed": sum(o.failed for o in outcomes)}

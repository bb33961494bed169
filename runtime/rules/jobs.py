"""Rules' asynchronous actions as jobs: planned in the write's transaction (one row per
event, rule and action: planning twice is a no-op), handed to a worker after the commit, done
once — a claim under a lease, then the action and its acknowledgement in one transaction —
retried with backoff, and an incident when they keep failing.

Database actions (create a record, notify in the app) commit with their acknowledgement, so
they happen once. A webhook is called between the claim and the acknowledgement: a worker
killed in between calls it again, with the same ``X-Trellis-Delivery`` id for the receiver
to recognise."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from metadata.messages import msg
from metadata.registry import Registry
from runtime.rules.incidents import open_incident, resolve_job_incident
from runtime.rules.models import RuleJob
from runtime.rules.outbound import SIGNATURE, call, signature

if TYPE_CHECKING:
    from runtime.context import Runtime
    from runtime.rules.engine import PlannedAction
    from runtime.rules.published import LoadedRuleset

log = logging.getLogger(__name__)
JOBS = RuleJob.__table__
J = JOBS.c
LEASE = timedelta(minutes=5)  # a claimed job not acknowledged by then is claimed again
AFTER_COMMIT = "trellis.after_commit"  # session.info: callables the event hub runs
ERROR_LENGTH = 4000
DUE_BATCH = 200


def plan_job(session: Session, now: datetime, key: str, app_key: str, ls: LoadedRuleset,
             record_id: int, action: PlannedAction, event_id: int | None,
             launch: Callable[[int], None] | None = None) -> int | None:
    """Plan an asynchronous action (nothing when this key is planned already)."""
    if session.scalar(sa.select(J.id).where(J.key == key)) is not None:
        return None
    job_id = session.execute(JOBS.insert().values(
        key=key, app_key=app_key, form_key=ls.form, record_id=record_id, ruleset=ls.key,
        rule=action.rule, action=action.type, details=_json(action.details),
        event_id=event_id, status="pending", attempts=0, due_at=now, created_at=now,
        updated_at=now)).inserted_primary_key[0]
    if launch is not None:
        session.info.setdefault(AFTER_COMMIT, []).append(lambda: launch(job_id))
    return job_id


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


class JobAction:
    """How one asynchronous action type is done: ``perform`` inside the acknowledging
    transaction, or ``call`` before it (outside any transaction) for outside effects."""

    type: ClassVar[str]

    def perform(self, rt: Runtime, session: Session, job: Mapping, now: datetime) -> None:
        return None

    def call(self, rt: Runtime, job: Mapping, now: datetime) -> None:
        return None

    def attempts(self, rt: Runtime, job: Mapping) -> int:
        return rt.events.settings.max_attempts


class CreateRecordJob(JobAction):
    type = "create_record"

    def perform(self, rt, session, job, now):
        from runtime.permissions import SYSTEM
        from runtime.storage.records import Records

        details = job["details"]
        plan = rt.plan(session, job["app_key"], details["form"])
        Records(session, plan, SYSTEM, now, "rules", directory=rt.directory).create(
            details.get("values") or {})


class NotifyJob(JobAction):
    """Each channel of the action to each recipient it reaches, through runtime.notify: an
    in-app notification now, e-mail and SMS through the outbox (the job's key makes the
    messages once-only: a job done again sends nothing new)."""

    type = "notify"

    def perform(self, rt, session, job, now):
        from runtime.notify import send
        from runtime.notify.recipients import addresses
        from runtime.notify.templates import Verbatim

        details = job["details"]
        plan = rt.plan(session, job["app_key"], job["form_key"])
        record = _record(rt, session, job) or {}
        title = _verbatim(details.get("title"), Verbatim)
        message = _verbatim(details.get("message"), Verbatim)
        sent = 0
        for channel in details.get("channels") or ["in_app"]:
            body = message if channel == "in_app" else details.get("body") or message
            html = details.get("html") if channel == "email" else None
            for address in addresses(rt, session, channel, details.get("to") or [], record,
                                     plan):
                send(session, channel=channel, to=address, app_key=job["app_key"],
                     subject=title, body=body, html=html,
                     record=(job["form_key"], job["record_id"]), values=record,
                     idempotency_key=job["key"], source=f"{job['ruleset']}.{job['rule']}",
                     priority=details.get("priority", "normal"), runtime=rt, now=now)
                sent += 1
        if not sent:
            raise LookupError("nobody to notify: no recipient names an active user or an "
                              "address of the action's channels")


def _verbatim(text: Any, literal: type) -> Any:
    """Text already filled in (``{field}`` at planning): sent as it is, not as a template."""
    if isinstance(text, Mapping):
        return {lang: literal(t) for lang, t in text.items() if isinstance(t, str)}
    return literal(text) if isinstance(text, str) else text


def _record(rt: Runtime, session: Session, job: Mapping) -> dict | None:
    from metadata.errors import NotFound
    from runtime.permissions import SYSTEM
    from runtime.storage.records import Records

    plan = rt.plan(session, job["app_key"], job["form_key"])
    try:
        return Records(session, plan, SYSTEM, rt.clock.now(), "rules",
                       directory=rt.directory).get_all(job["record_id"])
    except NotFound:
        return None


class WebhookJob(JobAction):
    type = "webhook"

    def attempts(self, rt, job):
        return int(job["details"].get("retries", 5)) + 1

    def call(self, rt, job, now):
        details = job["details"]
        body = details.get("body")
        if body is None:
            with rt.session(read_only=True) as session:
                body = _record(rt, session, job) or {"id": job["record_id"]}
        payload = json.dumps({"app": job["app_key"], "form": job["form_key"],
                              "record_id": job["record_id"], "rule": job["rule"],
                              "data": body}, default=str, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "X-Trellis-Delivery": job["key"],
                   "User-Agent": "Trellis-Webhook/1"}
        name = details.get("secret")
        if name:
            secret = (rt.settings.get("webhook_secrets") or {}).get(name)
            if not secret:
                raise LookupError(f"the webhook secret {name!r} is not configured "
                                  f"(TRELLIS_WEBHOOK_SECRETS)")
            headers[SIGNATURE] = signature(secret, payload)
        call(details["url"], details.get("method", "POST"), payload, headers,
             bool(rt.settings.get("outbound_allow_private")))


class WorkflowJob(JobAction):
    """start_workflow: the published version of the workflow starts on the record (once per
    job: its key; not while one runs unless the workflow allows several)."""

    type = "start_workflow"

    def perform(self, rt, session, job, now):
        from runtime.workflows.runner import launcher, start_on
        from runtime.workflows.store import Rows

        start_on(rt, Rows(session, now, launcher(rt)), job["app_key"],
                 job["details"]["workflow"], job["record_id"], start_key=f"rule:{job['key']}")


class StopWorkflowJob(JobAction):
    """stop_workflow: the record's running instances of the workflow end (exited)."""

    type = "stop_workflow"

    def perform(self, rt, session, job, now):
        from runtime.workflows.runner import launcher
        from runtime.workflows.store import Rows

        rows = Rows(session, now, launcher(rt))
        for instance in rows.running_of(job["app_key"], job["form_key"], job["record_id"]):
            if instance["workflow"] == job["details"]["workflow"]:
                rows.finish(instance, "exited", f"stopped by rule {job['rule']}")


JOB_ACTIONS = (CreateRecordJob, NotifyJob, WebhookJob, WorkflowJob, StopWorkflowJob)


def build_job_registry() -> Registry[JobAction]:
    return Registry("rule job", JOB_ACTIONS)


class JobRunner:
    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.actions = build_job_registry()

    def run(self, job_id: int, now: datetime | None = None) -> str:
        """Claim the job, do it, acknowledge it (or schedule its retry / open an incident)."""
        now = now or self.rt.clock.now()
        with self.rt.session() as session, session.begin():
            job = session.execute(
                sa.select(JOBS).where(J.id == job_id, J.status.in_(("pending", "running")),
                                      J.due_at <= now).with_for_update()).mappings().first()
            if job is None:
                return f"rule job {job_id}: nothing due"
            job = dict(job)
            session.execute(JOBS.update().where(J.id == job_id).values(
                status="running", due_at=now + LEASE, attempts=J.attempts + 1, updated_at=now))
        action = self.actions.get(job["action"])
        attempts = job["attempts"] + 1
        try:
            if action is None:
                raise LookupError(f"no asynchronous rule action {job['action']!r}")
            action.call(self.rt, job, now)
            with self.rt.session() as session, session.begin():
                action.perform(self.rt, session, job, now)
                session.execute(JOBS.update().where(J.id == job_id).values(
                    status="done", due_at=None, error=None, updated_at=now))
                resolve_job_incident(session, job_id, now)
        except Exception as exc:  # any failure of the action: retried, then an incident
            return self._failed(job, action, attempts, exc, now)
        return f"rule job {job_id}: done"

    def _failed(self, job: Mapping, action: JobAction | None, attempts: int, exc: Exception,
                now: datetime) -> str:
        error = f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]
        most = action.attempts(self.rt, job) if action is not None else 1
        with self.rt.session() as session, session.begin():
            if attempts >= most:
                session.execute(JOBS.update().where(J.id == job["id"]).values(
                    status="failed", due_at=None, error=error, updated_at=now))
                open_incident(session, now, job["app_key"], "rule_action", msg(
                    "%(rule)s: %(action)s failed %(n)s time(s)",
                    rule=f"{job['ruleset']}.{job['rule']}", action=job["action"],
                    n=attempts), form_key=job["form_key"],
                              record_id=job["record_id"],
                              rule=f"{job['ruleset']}.{job['rule']}", job_id=job["id"],
                              error=error, attempts=attempts)
                log.error("rule job %s (%s) failed for good: %s", job["id"], job["action"],
                          error)
                return f"rule job {job['id']}: failed for good"
            due = now + self.rt.events.settings.backoff(attempts)
            session.execute(JOBS.update().where(J.id == job["id"]).values(
                status="pending", due_at=due, error=error, updated_at=now))
        log.warning("rule job %s (%s) failed (attempt %s), again at %s: %s", job["id"],
                    job["action"], attempts, due.isoformat(), error)
        return f"rule job {job['id']}: retrying at {due.isoformat()}"

    def due(self, now: datetime, limit: int = DUE_BATCH) -> list[int]:
        with self.rt.session(read_only=True) as session:
            return list(session.scalars(
                sa.select(J.id).where(J.status.in_(("pending", "running")), J.due_at <= now)
                .order_by(J.due_at, J.id).limit(limit)))

    def run_due(self, now: datetime, limit: int = DUE_BATCH) -> int:
        """Run the jobs that are due (and those a dead worker left claimed)."""
        ids = self.due(now, limit)
        for job_id in ids:
            self.run(job_id, now)
        return len(ids)

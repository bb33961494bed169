"""Incidents: what kept failing (an asynchronous rule action after its retries) or was
stopped (a runaway chain of rules), for an admin to see and retry. Workflow steps that keep
failing will open incidents of their own kind here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from metadata.messages import Message, Texts
from runtime.rules.models import Incident, RuleJob

INCIDENTS = Incident.__table__
I = INCIDENTS.c  # noqa: E741
JOBS = RuleJob.__table__
SUMMARY_LENGTH = 500
RETRYABLE = ("rule_action", "workflow_step")


def open_incident(session: Session, now: datetime, app_key: str, kind: str, summary: str, *,
                  form_key: str | None = None, record_id: int | None = None,
                  rule: str | None = None, job_id: int | None = None,
                  error: str | None = None, attempts: int = 0) -> int:
    """Open an incident (a job's existing one opens again, with the new error). A summary
    written as a ``msg()`` is kept as a message too, for the pages to translate."""
    message = ({"template": summary.template, "params": summary.params}
               if isinstance(summary, Message) and not isinstance(summary, Texts) else None)
    values = {"status": "open", "summary": str(summary)[:SUMMARY_LENGTH], "message": message,
              "error": error, "attempts": attempts, "updated_at": now}
    if job_id is not None:
        found = session.scalar(sa.select(I.id).where(I.job_id == job_id, I.kind == kind))
        if found is not None:
            session.execute(INCIDENTS.update().where(I.id == found).values(**values))
            return found
    return session.execute(INCIDENTS.insert().values(
        app_key=app_key, kind=kind, form_key=form_key, record_id=record_id, rule=rule,
        job_id=job_id, opened_at=now, **values)).inserted_primary_key[0]


def resolve_job_incident(session: Session, job_id: int, now: datetime,
                         kind: str = "rule_action") -> None:
    session.execute(INCIDENTS.update().where(I.job_id == job_id, I.kind == kind,
                                             I.status != "resolved")
                    .values(status="resolved", updated_at=now))


def incidents(session: Session, app_key: str, status: str | None = None,
              limit: int = 200) -> list[dict[str, Any]]:
    """An app's incidents, newest first."""
    query = sa.select(INCIDENTS).where(I.app_key == app_key)
    if status is not None:
        query = query.where(I.status == status)
    rows = session.execute(query.order_by(I.id.desc()).limit(limit)).mappings()
    return [{**dict(row), "retryable": row["kind"] in RETRYABLE} for row in rows]


def get_incident(session: Session, app_key: str, incident_id: int) -> dict | None:
    row = session.execute(sa.select(INCIDENTS).where(I.app_key == app_key,
                                                     I.id == incident_id)).mappings().first()
    return None if row is None else {**dict(row), "retryable": row["kind"] in RETRYABLE}


def retry_incident(session: Session, incident: dict, now: datetime) -> int | None:
    """Give the incident's job its attempts again (due now); returns the job's id, None when
    the incident is not one to retry."""
    if incident["kind"] not in RETRYABLE or incident["job_id"] is None:
        return None
    if incident["kind"] == "workflow_step":  # the step's attempts again (runtime.workflows)
        from runtime.workflows.incidents import retry_step

        retry_step(session, incident["job_id"], now)
        session.execute(INCIDENTS.update().where(I.id == incident["id"])
                        .values(status="retrying", updated_at=now))
        return None
    session.execute(JOBS.update().where(JOBS.c.id == incident["job_id"])
                    .values(status="pending", attempts=0, due_at=now, updated_at=now))
    session.execute(INCIDENTS.update().where(I.id == incident["id"])
                    .values(status="retrying", updated_at=now))
    return incident["job_id"]

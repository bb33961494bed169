"""Periodic tasks: a registry of small classes, each with a key, an interval and ``run``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

import sqlalchemy as sa

from metadata.registry import Registry
from runtime.api.files import stored_path
from runtime.context import Runtime
from runtime.storage.models import Attachment, FormTable
from runtime.storage.tables import build_tables


class PeriodicTask:
    key: ClassVar[str]
    interval: ClassVar[timedelta]

    def run(self, runtime: Runtime, now: datetime) -> str:
        """Do the work; return a one-line account of it."""
        raise NotImplementedError


class PurgeOrphanUploads(PeriodicTask):
    """Delete uploaded files that no record references a day after their upload."""

    key = "purge_orphan_uploads"
    interval = timedelta(hours=1)
    grace = timedelta(days=1)

    def run(self, runtime: Runtime, now: datetime) -> str:
        with runtime.session() as session, session.begin():
            old = set(session.scalars(sa.select(Attachment.id)
                                      .where(Attachment.created_at < now - self.grace)))
            if not old:
                return "no old uploads"
            old -= self._referenced(runtime, session)
            for file_id in old:
                stored_path(runtime.upload_dir, file_id).unlink(missing_ok=True)
            if old:
                session.execute(sa.delete(Attachment).where(Attachment.id.in_(sorted(old))))
            return f"purged {len(old)} unreferenced upload(s)"

    @staticmethod
    def _referenced(runtime: Runtime, session) -> set[str]:
        found: set[str] = set()
        for layout in session.scalars(sa.select(FormTable)):
            fields = [f for f in layout.fields if f["type"] == "attachment"]
            subs = [(f, s) for f in layout.fields if f["type"] == "sub_table"
                    for s in f["config"].get("fields", []) if s["type"] == "attachment"]
            if not fields and not subs:
                continue
            tables = build_tables(layout.table_name, layout.fields, runtime.fields)
            for fld in fields:
                for value in session.scalars(sa.select(tables.main.c[fld["key"]])):
                    found.update(a["id"] for a in value or [])
            for parent, sub in subs:
                child = tables.children[parent["key"]][0]
                for value in session.scalars(sa.select(child.c[sub["key"]])):
                    found.update(a["id"] for a in value or [])
        return found


class RedeliverEvents(PeriodicTask):
    """Hand record events out again that no consumer acknowledged in time (a flushed Redis, a
    killed worker, a retry that is due)."""

    key = "redeliver_events"
    interval = timedelta(seconds=10)

    def run(self, runtime: Runtime, now: datetime) -> str:
        return f"handed out {runtime.events.sweep(now)} event delivery(ies) again"


BUILTIN_TASKS: tuple[type[PeriodicTask], ...] = (PurgeOrphanUploads, RedeliverEvents)


def build_task_registry() -> Registry[PeriodicTask]:
    return Registry("periodic task", BUILTIN_TASKS, key_attr="key")

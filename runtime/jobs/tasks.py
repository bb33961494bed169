"""Periodic tasks: a registry of small classes, each with a key, an interval and ``run``."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import ClassVar

from metadata.registry import Registry
from runtime.context import Runtime
from runtime.exports.store import ExportStore
from runtime.storage.files import FileStore


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
            store = FileStore(session, runtime.upload_dir, lambda: now)
            orphans = store.unreferenced(now - self.grace, runtime.fields)
            store.forget(orphans)
        store.remove(orphans)  # once the rows are gone for good
        return f"purged {len(orphans)} unreferenced upload(s)" if orphans else "no orphan uploads"


class RedeliverEvents(PeriodicTask):
    """Hand record events out again that no consumer acknowledged in time (a flushed Redis, a
    killed worker, a retry that is due)."""

    key = "redeliver_events"
    interval = timedelta(seconds=10)

    def run(self, runtime: Runtime, now: datetime) -> str:
        return f"handed out {runtime.events.sweep(now)} event delivery(ies) again"


class PurgeExpiredExports(PeriodicTask):
    """Delete the exports (rows and files) that their requesters may no longer download."""

    key = "purge_expired_exports"
    interval = timedelta(hours=1)

    def run(self, runtime: Runtime, now: datetime) -> str:
        with runtime.session() as session, session.begin():
            store = ExportStore(session, Path(runtime.settings["export_dir"]), now)
            expired = store.expired()
            store.forget(expired)
        store.remove_files(expired)  # once the rows are gone for good
        return f"purged {len(expired)} expired export(s)" if expired else "no expired exports"


class ResumeImports(PeriodicTask):
    """Hand imports whose job stopped (a killed worker, a flushed Redis) to a worker again:
    they go on from the row after the last one they kept."""

    key = "resume_imports"
    interval = timedelta(seconds=30)

    def run(self, runtime: Runtime, now: datetime) -> str:
        from runtime.capture.imports.job import ImportJob, stalled

        with runtime.session(read_only=True) as session:
            found = stalled(session, now)
        launch = runtime.background.get("import")
        for import_id in found:
            if launch is not None:
                launch(import_id)
            else:  # no worker to hand it to: run it here
                ImportJob(runtime, import_id).run()
        return f"resumed {len(found)} import(s)" if found else "no stalled imports"


class ResumeScans(PeriodicTask):
    """Hand "find duplicates" scans whose job stopped to a worker again: they go on after
    the last record they kept."""

    key = "resume_identity_scans"
    interval = timedelta(seconds=30)

    def run(self, runtime: Runtime, now: datetime) -> str:
        from runtime.identity.scan_job import ScanJob, stalled

        with runtime.session(read_only=True) as session:
            found = stalled(session, now)
        launch = runtime.background.get("identity_scan")
        for scan_id in found:
            if launch is not None:
                launch(scan_id)
            else:  # no worker to hand it to: run it here
                ScanJob(runtime, scan_id).run()
        return f"resumed {len(found)} scan(s)" if found else "no stalled scans"


class PruneRateCounters(PeriodicTask):
    """Forget the public forms' submission counters of client addresses quiet for a day
    (one row per address that ever submitted would otherwise stay for good)."""

    key = "prune_rate_counters"
    interval = timedelta(hours=1)
    quiet = timedelta(days=1)
    most = 100  # batches a run, so a run stays short; the next hour takes the rest

    def run(self, runtime: Runtime, now: datetime) -> str:
        from runtime.capture import ratelimit

        pruned = 0
        for _ in range(self.most):
            with runtime.session() as session, session.begin():
                gone = ratelimit.prune(session, now, self.quiet)
            pruned += gone
            if gone < ratelimit.PRUNE_BATCH:
                break
        return f"forgot {pruned} quiet rate counter(s)" if pruned else "no quiet rate counters"


class RunRuleJobs(PeriodicTask):
    """Do the rules' asynchronous actions that are due: retries after their backoff, those
    no worker took (no Redis, a flushed one) and those a killed worker left claimed."""

    key = "run_rule_jobs"
    interval = timedelta(seconds=10)

    def run(self, runtime: Runtime, now: datetime) -> str:
        from runtime.rules.jobs import JobRunner

        ran = JobRunner(runtime).run_due(now)
        return f"ran {ran} rule job(s)" if ran else "no rule jobs due"


class DeliverOutbox(PeriodicTask):
    """Deliver the outbox's messages that are due: retries after their backoff, those no
    worker took (no Redis, a flushed one) and those a killed worker left claimed."""

    key = "deliver_outbox"
    interval = timedelta(seconds=10)

    def run(self, runtime: Runtime, now: datetime) -> str:
        from runtime.notify.outbox import Deliverer

        sent = Deliverer(runtime).run_due(now)
        return f"delivered {sent} message(s)" if sent else "no messages due"


class RunScheduledRules(PeriodicTask):
    """Run the rules whose schedule (hourly, daily, weekly, cron) came due since their last
    run, over every record of their form."""

    key = "run_scheduled_rules"
    interval = timedelta(seconds=60)

    def run(self, runtime: Runtime, now: datetime) -> str:
        from runtime.rules.schedule import run_scheduled

        ran = run_scheduled(runtime, now)
        return f"ran {ran} scheduled rule run(s)" if ran else "no scheduled rules due"


class DecayScores(PeriodicTask):
    """Book the scoring models' decay: points (or a percent) off for every period without an
    interaction (runtime.rules.decay)."""

    key = "decay_scores"
    interval = timedelta(hours=1)

    def run(self, runtime: Runtime, now: datetime) -> str:
        from runtime.rules.decay import run_decay

        decayed = run_decay(runtime, now)
        return f"{decayed} score(s) decayed" if decayed else "no scores to decay"


class ResumeRescores(PeriodicTask):
    """Run the re-scores that no worker took or whose runner stopped beating (a killed
    worker): they go on after the last record they finished (runtime.rules.rescore)."""

    key = "resume_rescores"
    interval = timedelta(seconds=30)

    def run(self, runtime: Runtime, now: datetime) -> str:
        from runtime.rules.rescore import resume_stalled

        found = resume_stalled(runtime, now)
        return f"resumed {found} re-score(s)" if found else "no stalled re-scores"


class RunWorkflows(PeriodicTask):
    """Workflows: due timers become steps, and steps no worker took (a flushed Redis, a
    killed worker) are handed out again — or, without workers, done here. The scheduler
    also does this every second itself (``runtime.workflows.timers.hand_out``)."""

    key = "run_workflows"
    interval = timedelta(seconds=10)

    def run(self, runtime: Runtime, now: datetime) -> str:
        from runtime.workflows.schedule import start_scheduled
        from runtime.workflows.timers import hand_out

        started = start_scheduled(runtime, now)
        done = hand_out(runtime, now)
        return (f"{started} scheduled instance(s) started; {done} workflow step(s) run or "
                f"handed out")


BUILTIN_TASKS: tuple[type[PeriodicTask], ...] = (PurgeOrphanUploads, RedeliverEvents,
                                                 PurgeExpiredExports, ResumeImports,
                                                 ResumeScans, PruneRateCounters, RunRuleJobs,
                                                 RunScheduledRules, DecayScores,
                                                 ResumeRescores, DeliverOutbox,
                                                 RunWorkflows)


def build_task_registry() -> Registry[PeriodicTask]:
    return Registry("periodic task", BUILTIN_TASKS, key_attr="key")

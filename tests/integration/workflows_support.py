"""Workflows over the seeds' lead and activity forms (tests.integration.rules_executor_support)
and the helpers their tests share: publish, tick at a time, read instances and messages."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

from tests.integration.helpers import rows
from tests.integration.rules_executor_support import lead_form

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
DAY = timedelta(days=1)
WORKFLOWS = "/apps/crm/workflows"


def lead_app(api, factory, runtime):
    """The clock at T0, the app and its lead form published: the api, for a fixture."""
    runtime.clock.set(T0)
    factory.app_doc(api)
    factory.form(api, lead_form())
    return api


def node(key: str, type_: str, **config) -> dict:
    return {"key": key, "type": type_, **({"config": config} if config else {})}


def edge(source: str, target: str, **extra) -> dict:
    return {"from": source, "to": target, **extra}


def workflow(key: str, nodes: list, edges: list, **extra) -> dict:
    return copy.deepcopy({"kind": "workflow", "key": key, "form": "lead",
                          "label": {"zh": key, "en": key}, "nodes": nodes, "edges": edges,
                          **extra})


def nurture() -> dict:
    """The seeds' nurture track: day 1 an article, day 5 a customer case, day 15 a webinar
    invitation; a lead leaves the track the moment its score reaches 80 (an SQL)."""
    send = {"to": [{"field": "owner"}], "channel": "email"}
    return workflow(
        "nurture",
        [node("start", "trigger", on="created", when="{score} < 80"),
         node("day1", "send_message", title={"zh": "行业洞察文章", "en": "Industry insight"},
              **send),
         node("wait4", "wait", duration={"days": 4}),
         node("day5", "send_message", title={"zh": "客户成功案例", "en": "Case study"}, **send),
         node("wait10", "wait", duration={"days": 10}),
         node("day15", "send_message", title={"zh": "线上研讨会邀请", "en": "Webinar"},
              **send),
         node("end", "end")],
        [edge("start", "day1"), edge("day1", "wait4"), edge("wait4", "day5"),
         edge("day5", "wait10"), edge("wait10", "day15"), edge("day15", "end")],
        exit=[{"when": "{score} >= 80", "label": {"zh": "成为SQL", "en": "Became an SQL"}}])


def publish(api, doc: dict) -> dict:
    api.ok("PUT", f"{WORKFLOWS}/{doc['key']}", json=doc)
    return api.ok("POST", f"{WORKFLOWS}/{doc['key']}/publish")


def tick(runtime, at: datetime) -> list[str]:
    """``trellis tick --now at``: what the scheduler would do then, here."""
    from runtime.jobs.scheduler import run_due

    runtime.clock.set(at)
    runtime.events.publisher = None
    return run_due(runtime)


def instances(api, key: str) -> list[dict]:
    return api.ok("GET", f"{WORKFLOWS}/{key}/instances")["instances"]


def messages(runtime, record_id: int) -> list[str]:
    """The titles (English) of what workflows sent about a record, oldest first: in-app
    notifications and e-mails in the outbox (to English readers)."""
    out = rows(runtime, "SELECT title FROM notifications WHERE record_id = :r AND key LIKE "
                        "'wf:%' ORDER BY id", r=record_id)
    titles = [json.loads(r["title"]) if isinstance(r["title"], str) else r["title"]
              for r in out]
    mails = rows(runtime, "SELECT subject FROM outbox WHERE record_id = :r AND "
                          "idempotency_key LIKE 'wf:%' ORDER BY id", r=record_id)
    return [t["en"] if isinstance(t, dict) else t for t in titles] + [
        m["subject"] for m in mails]

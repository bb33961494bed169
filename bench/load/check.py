"""Before anything is timed: each app answers each scenario's first request with success, and
both list the same records, so the two sides do the same work."""

from __future__ import annotations

import re

from bench.load.client import Answer, Client
from bench.load.scenarios import Scenario
from bench.load.servers import SetupError
from bench.load.wrk import Load

ROW = re.compile(r"<tr data-href=")


def _first(client: Client, load: Load) -> Answer:
    path, body = load.requests[0]
    return client.send(load.method, path, load.headers,
                       body.encode() if body is not None else None)


def _ids(answer: Answer) -> list[int]:
    return [r["id"] for r in answer.json()["records"]]


def compare(scenario: Scenario, trellis: Client, minimal: Client) -> list[str]:
    """Warnings about differences that do not stop the run; a SetupError for one that must."""
    ours, theirs = _first(trellis, scenario.trellis), _first(minimal, scenario.minimal)
    for name, answer in (("Trellis", ours), ("the minimal app", theirs)):
        if not 200 <= answer.status < 300:
            raise SetupError(f"{scenario.key}: {name} answered {answer.status}: "
                             f"{answer.text[:300]}")
    if scenario.key == "create":
        return []
    if scenario.key == "html":
        rows = (len(ROW.findall(ours.text)), len(ROW.findall(theirs.text)))
        return [] if rows[0] == rows[1] else [
            f"html: Trellis's page shows {rows[0]} rows, the minimal app's {rows[1]}"]
    warnings = []
    totals = (ours.json().get("total"), theirs.json().get("total"))
    if totals[0] != totals[1]:
        warnings.append(f"{scenario.key}: total {totals[0]} from Trellis, {totals[1]} from "
                        "the minimal app")
    if _ids(ours) != _ids(theirs):
        message = (f"{scenario.key}: the two apps list different records (first ids "
                   f"{_ids(ours)[:5]} and {_ids(theirs)[:5]})")
        if scenario.same_ids:
            raise SetupError(message)
        warnings.append(message)
    return warnings

"""Timing one scenario: a warm-up, then runs that alternate between the two apps, each begun
only once the server has worked off what the previous run left queued."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.load import wrk
from bench.load.client import Client
from bench.load.scenarios import Scenario
from bench.load.servers import Server, SetupError

PROBES = {"trellis": "/login", "minimal": "/health"}  # cheap pages that show a server is idle
IDLE_MS = 250


@dataclass
class Measured:
    scenario: Scenario
    trellis: list[wrk.Result] = field(default_factory=list)
    minimal: list[wrk.Result] = field(default_factory=list)

    def median(self, side: str, attribute: str) -> float:
        return statistics.median(getattr(r, attribute) for r in getattr(self, side))

    @property
    def ratio(self) -> float:
        theirs = self.median("minimal", "rate")
        return self.median("trellis", "rate") / theirs if theirs else 0.0

    def passed(self) -> bool:
        target = self.scenario.target
        return target.met(self.ratio, self.median("trellis", target.percentile))


def wait_idle(server: Server, name: str, limit: float = 180.0) -> None:
    """Return once the probe page answers within IDLE_MS (requests wrk left in the listen
    queue are served first)."""
    client = Client(server.base)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        start = time.perf_counter()
        answer = client.send("GET", PROBES[name])
        if answer.status != 200:
            raise SetupError(f"{name} answered {answer.status} to {PROBES[name]} between runs")
        if (time.perf_counter() - start) * 1000 < IDLE_MS:
            return
    raise SetupError(f"{name} stayed busy for {limit:.0f} s after a run")


def _line(name: str, result: wrk.Result) -> str:
    problems = result.problems()
    return (f"{name} {result.rate:8,.1f} req/s  p50 {result.p50:8,.1f}  p95 {result.p95:8,.1f}  "
            f"p99 {result.p99:8,.1f} ms" + (f"  [{problems}]" if problems else ""))


def measure(scenario: Scenario, servers: dict[str, Server], folder: Path, seconds: float,
            runs: int, warmup: float) -> Measured:
    files = {name: wrk.write_data(getattr(scenario, name), folder / f"{scenario.key}-{name}.lua")
             for name in servers}
    measured = Measured(scenario)
    if warmup > 0:
        for name, server in servers.items():
            wait_idle(server, name)
            wrk.run(server.base, files[name], warmup)
    for run in range(1, runs + 1):
        for name, server in servers.items():
            wait_idle(server, name)
            result = wrk.run(server.base, files[name], seconds)
            getattr(measured, name).append(result)
            print(f"  {scenario.key:<7} run {run}/{runs}  {_line(f'{name:<8}', result)}",
                  flush=True)
    return measured

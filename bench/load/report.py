"""The results table (medians over the runs) and its JSON form."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from bench.load.runner import Measured

COLUMNS = ("req/s", "p50", "p95", "p99")


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def _side(measured: Measured, side: str) -> list[str]:
    return [_number(measured.median(side, a)) for a in ("rate", "p50", "p95", "p99")]


def table(results: list[Measured]) -> str:
    head = (f"{'path':<38} | {'Trellis':>9}{'':>27} | {'minimal':>9}{'':>27} | "
            f"{'ratio':>5} | {'target':<21} | result")
    sub = (f"{'':<38} | " + "".join(f"{c:>9}" for c in COLUMNS) + " | "
           + "".join(f"{c:>9}" for c in COLUMNS) + f" | {'':>5} | {'(latencies in ms)':<21} |")
    lines = [head, sub, "-" * len(head)]
    for m in results:
        target = m.scenario.target
        verdict = "PASS" if m.passed() else "FAIL"
        if any(r.problems() for r in m.trellis + m.minimal):
            verdict += " (errors, see below)"
        lines.append(f"{m.scenario.title:<38} | " + "".join(f"{v:>9}" for v in _side(m, "trellis"))
                     + " | " + "".join(f"{v:>9}" for v in _side(m, "minimal"))
                     + f" | {m.ratio:5.2f} | {target.text():<21} | {verdict}")
    return "\n".join(lines)


def problems(results: list[Measured]) -> list[str]:
    out = []
    for m in results:
        for side in ("trellis", "minimal"):
            for run, result in enumerate(getattr(m, side), start=1):
                if result.problems():
                    out.append(f"{m.scenario.key}, {side}, run {run}: {result.problems()} "
                               f"(of {result.requests:,} answers)")
    return out


def write_json(path: Path, header: dict, results: list[Measured]) -> None:
    doc = {**header, "scenarios": [
        {"key": m.scenario.key, "title": m.scenario.title, "target": m.scenario.target.text(),
         "ratio": m.ratio, "passed": m.passed(),
         "trellis": [asdict(r) for r in m.trellis], "minimal": [asdict(r) for r in m.minimal]}
        for m in results]}
    existing = json.loads(path.read_text()) if path.exists() else []
    existing = existing if isinstance(existing, list) else [existing]
    path.write_text(json.dumps(existing + [doc], indent=1, default=str))

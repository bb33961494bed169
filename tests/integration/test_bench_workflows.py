"""The workflow benchmark runs end to end on a small scale (real worker and scheduler
processes, real Redis) and prints its figures (no timing assertions: they go in the report)."""

from __future__ import annotations

import re

from bench import workflows


def test_a_small_run_prints_its_figures(tmp_path, redis_url, capsys):
    code = workflows.main(["--database-url", f"sqlite:///{tmp_path / 'bench.db'}",
                           "--redis-url", redis_url, "--instances", "40", "--pending", "200",
                           "--steady", "20", "--rate", "10"])
    out = capsys.readouterr().out
    assert code == 0
    assert re.search(r"workflow steps: 160 in [\d.]+ s = [\d,]+ steps/s", out), out
    assert re.search(r"steady, 10 timers/s falling due, 200 others pending: lag due_at → "
                     r"fired p50 [\d.]+ s", out), out
    assert re.search(r"bare RQ, 160 trivial jobs, same workers: [\d,]+ jobs/s", out), out

"""The decision-table benchmark runs in its quick mode and reports its ratios (no timing
assertions: the figures go into the report)."""

from __future__ import annotations

import re

from bench import decisions


def test_quick_run_prints_ratios(capsys):
    decisions.main(["--quick"])
    out = capsys.readouterr().out
    assert len(re.findall(r"^decisions .+: trellis [\d,]+ records/s, baseline [\d,]+ "
                          r"records/s, ratio \d+\.\d\d", out, re.M)) == 2, out

"""The formula benchmark runs in its quick mode and reports its ratios (no timing assertions)."""

from __future__ import annotations

import re

from bench import formula


def test_quick_run_prints_ratios(tmp_path, capsys):
    formula.main(["--quick", "--database", f"sqlite:///{tmp_path / 'formula.db'}"])
    out = capsys.readouterr().out
    assert re.search(r"^formula python: trellis [\d,]+ records/s, baseline [\d,]+ records/s, "
                     r"ratio \d+\.\d\d", out, re.M), out
    sql_lines = re.findall(r"^formula sql \(.+\): [\d,]+ of the rows match, time ratio \d+\.\d\d",
                           out, re.M)
    assert len(sql_lines) == len(formula.FILTERS), out

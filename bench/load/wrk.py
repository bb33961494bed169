"""Driving a server with wrk: the requests go to a Lua data file, wrk.lua sends them and prints
its results as JSON."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from bench.load.servers import SetupError

SCRIPT = Path(__file__).with_name("wrk.lua")
THREADS, CONNECTIONS = 2, 16
TIMEOUT = 30  # seconds before wrk counts a request as timed out (gunicorn's own limit)


@dataclass
class Load:
    """What one app is sent in one scenario: the same method and headers, bodies or paths
    that vary from request to request."""

    method: str
    headers: dict[str, str]
    requests: list[tuple[str, str | None]]  # (path, body)


@dataclass
class Result:
    requests: int
    seconds: float
    p50: float  # milliseconds
    p95: float
    p99: float
    max: float
    statuses: dict[int, int] = field(default_factory=dict)
    socket_errors: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    @property
    def rate(self) -> float:
        """Successful (2xx) requests per second."""
        return self.ok / self.seconds if self.seconds else 0.0

    def problems(self) -> str:
        """The answers that were not 2xx and the socket errors, or ""."""
        parts = [f"{n} x {status}" for status, n in sorted(self.statuses.items())
                 if not 200 <= status < 300]
        parts += [f"{n} socket {kind} errors" for kind, n in self.socket_errors.items() if n]
        return ", ".join(parts)


def lua_string(text: str) -> str:
    """``text`` as a Lua long string, whatever it holds."""
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    eq = "=" * level
    return f"[{eq}[{text}]{eq}]" if not text.startswith("\n") else f"[{eq}[\n{text}]{eq}]"


def write_data(load: Load, path: Path) -> Path:
    headers = ", ".join(f"[ {lua_string(k)} ] = {lua_string(v)}" for k, v in load.headers.items())
    items = []
    for request_path, body in load.requests:
        body_part = f", body = {lua_string(body)}" if body is not None else ""
        items.append(f"  {{path = {lua_string(request_path)}{body_part}}},")
    path.write_text(f"return {{method = {lua_string(load.method)}, headers = {{{headers}}}, "
                    "requests = {\n" + "\n".join(items) + "\n}}\n", encoding="utf-8")
    return path


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SetupError("wrk is not installed: apt-get install wrk (Debian's package; "
                         "`make bench` installs it)")
    return found


def run(base: str, data: Path, seconds: float) -> Result:
    """wrk with THREADS threads and CONNECTIONS connections against ``base`` for ``seconds``."""
    argv = [wrk_path(), "--threads", str(THREADS), "--connections", str(CONNECTIONS),
            "--duration", f"{max(1, round(seconds))}s", "--timeout", f"{TIMEOUT}s",
            "--script", str(SCRIPT), base, "--", str(data)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + TIMEOUT + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise SetupError(f"wrk failed (exit status {done.returncode}): "
                         f"{(done.stderr or done.stdout).strip()[-500:]}")
    raw = json.loads(line.removeprefix("WRK_RESULT "))
    statuses: dict[int, int] = {}
    for status, count in raw["statuses"]:
        statuses[status] = statuses.get(status, 0) + count
    return Result(requests=raw["requests"], seconds=raw["duration_us"] / 1e6,
                  p50=raw["p50_us"] / 1e3, p95=raw["p95_us"] / 1e3, p99=raw["p99_us"] / 1e3,
                  max=raw["max_us"] / 1e3, statuses=statuses,
                  socket_errors=raw["socket_errors"])

"""Child processes of the benchmarks (gunicorn, RQ workers, schedulers), each in a process group
of its own, so that stopping one stops everything it started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2  # gunicorn sync workers, for Trellis and the minimal app alike


class SetupError(RuntimeError):
    """The benchmark cannot run here; the message says why."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a child: this one without TRELLIS_* settings (each child gets its
    configuration from its own instance folder), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRELLIS_", "MINIMAL_"))}
    return {**env, **extra}


def gunicorn_argv(spec: str, port: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS),
            "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT),
            "--log-level", "warning", spec]


@dataclass
class Child:
    """One child process (and its group), logging to ``log``."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = field(default=None, repr=False)
    started: float = 0.0

    def start(self) -> Child:
        self.started = time.perf_counter()
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return ""
        return "\n".join("    " + line for line in text)

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM to the whole group, SIGKILL to what is left after ``grace`` seconds."""
        if self.process is None:
            return
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            if _group_gone(self.process, wait):
                break
        self.process = None


def _group_gone(process: subprocess.Popen, wait: float) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        process.poll()
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@dataclass
class Server(Child):
    """A web server child answering on 127.0.0.1:``port``."""

    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_page(self, path: str, timeout: float = 60.0) -> float:
        """Seconds from the start until ``path`` answered 200; a SetupError when the server
        died or did not answer in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise SetupError(f"{self.name} exited while starting; its log ends:\n"
                                 f"{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base + path, timeout=5) as response:
                    if response.status == 200:
                        return time.perf_counter() - self.started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.01)
        raise SetupError(f"{self.name} did not answer {path} within {timeout:.0f} s; its log "
                         f"ends:\n{self.log_tail()}")


def gunicorn(name: str, spec: str, env: dict[str, str], folder: Path) -> Server:
    port = free_port()
    return Server(name, gunicorn_argv(spec, port), env, folder / f"{name}.log", port=port)


@contextmanager
def running(*children: Child) -> Iterator[tuple[Child, ...]]:
    """Start ``children``; stop every one of them on the way out, whatever happened."""
    try:
        for child in children:
            child.start()
        yield children
    finally:
        for child in children:
            child.stop()


@contextmanager
def terminated_as_exit() -> Iterator[None]:
    """SIGTERM and SIGHUP unwind like Ctrl-C, so the `finally` blocks stop the children."""
    def leave(signum, _frame):
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, leave) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

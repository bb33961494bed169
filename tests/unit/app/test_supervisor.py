"""The supervisor of ``trellis run`` on real (tiny) processes: restarts with backoff, the server
first and its dependents after it, a crash loop given up loudly, stops in order, signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from app.supervisor import Backoff, ChildSpec, CrashLoop, Supervisor

QUICK = Backoff(first=0.2, cap=0.8, stable_after=2.0, give_up_after=4)


def python(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def sleeper(log: Path | None = None, name: str = "", ignore_first_term: bool = False,
            ready: Path | None = None) -> list[str]:
    """A child that sleeps until SIGTERM; it notes in ``log`` when it stops, and leaves a file
    named by its pid in ``ready`` once its handler is installed."""
    return python(f"""
        import os, signal, sys, time
        terms = []
        def on_term(*_):
            terms.append(1)
            if {ignore_first_term!r} and len(terms) == 1:
                return
            if {str(log) if log else ""!r}:
                with open({str(log)!r}, "a") as f:
                    f.write({name!r} + " stopped\\n")
            sys.exit(0)
        signal.signal(signal.SIGTERM, on_term)
        if {str(ready) if ready else ""!r}:
            open(os.path.join({str(ready)!r}, str(os.getpid())), "w").close()
        while True:
            time.sleep(0.05)
    """)


def handlers_installed(ready: Path, pids) -> bool:
    return all((ready / str(pid)).exists() for pid in pids)


def wait_until(condition, seconds: float = 10.0, step: float = 0.05) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(step)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "zombie" in status.read_text())


@pytest.fixture
def supervisors():
    made: list[Supervisor] = []
    yield made
    for supervisor in made:
        supervisor.stop_all(hurry=lambda: True)


def test_backoff_doubles_up_to_its_cap():
    backoff = Backoff(first=1, cap=30)
    assert [backoff.delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_killed_child_is_restarted_after_a_growing_delay(supervisors):
    supervisor = Supervisor([ChildSpec("worker", sleeper())], backoff=QUICK)
    supervisors.append(supervisor)
    supervisor.start_all()
    first = supervisor.pids()["worker"]
    os.kill(first, signal.SIGKILL)
    wait_until(lambda: not alive(first))
    supervisor.check()
    child = supervisor.child("worker")
    assert child.process is None and child.crashes == 1
    assert child.due - time.monotonic() == pytest.approx(0.2, abs=0.1)
    wait_until(lambda: (supervisor.check(), "worker" in supervisor.pids())[1])
    second = supervisor.pids()["worker"]
    assert second != first and alive(second)
    os.kill(second, signal.SIGKILL)
    wait_until(lambda: not alive(second))
    supervisor.check()
    assert child.crashes == 2
    assert child.due - time.monotonic() == pytest.approx(0.4, abs=0.1)


def test_a_child_that_ran_long_enough_starts_its_count_over(supervisors):
    supervisor = Supervisor([ChildSpec("worker", sleeper())],
                            backoff=Backoff(first=0.1, stable_after=0.3, give_up_after=2))
    supervisors.append(supervisor)
    supervisor.start_all()
    for _round in range(3):  # would be a crash loop if the crashes counted up
        time.sleep(0.4)
        pid = supervisor.pids()["worker"]
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda pid=pid: not alive(pid))
        supervisor.check()
        assert supervisor.child("worker").crashes == 1
        wait_until(lambda: (supervisor.check(), "worker" in supervisor.pids())[1])


def test_a_crash_loop_is_given_up_loudly(supervisors, caplog):
    supervisor = Supervisor([ChildSpec("worker", python("import sys; sys.exit(3)"))],
                            backoff=QUICK)
    supervisors.append(supervisor)
    supervisor.start_all()
    with pytest.raises(CrashLoop) as failure:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            supervisor.check()
            time.sleep(0.05)
    assert "worker exited with status 3, 4 times in a row" in str(failure.value)
    restarts = [r.getMessage() for r in caplog.records if "restarting in" in r.getMessage()]
    assert len(restarts) == 3, restarts
    assert "exited with status 3" in restarts[0]


def test_when_the_server_dies_it_restarts_first_then_its_dependents(supervisors, tmp_path):
    log = tmp_path / "stops.log"
    ready = tmp_path / "ready"
    ready.mkdir()
    supervisor = Supervisor([ChildSpec("redis", sleeper(ready=ready)),
                             ChildSpec("worker", sleeper(log, "worker", ready=ready),
                                       needs="redis"),
                             ChildSpec("scheduler", sleeper(log, "scheduler", ready=ready),
                                       needs="redis")],
                            backoff=QUICK)
    supervisors.append(supervisor)
    supervisor.start_all()
    before = supervisor.pids()
    assert set(before) == {"redis", "worker", "scheduler"}
    wait_until(lambda: handlers_installed(ready, before.values()))
    os.kill(before["redis"], signal.SIGKILL)
    wait_until(lambda: not alive(before["redis"]))
    supervisor.check()
    # the dependents were stopped with SIGTERM and wait for the server
    assert sorted(log.read_text().split("\n")[:-1]) == ["scheduler stopped", "worker stopped"]
    assert supervisor.pids() == {}
    assert supervisor.child("worker").crashes == 0  # not counted as their crash
    wait_until(lambda: (supervisor.check(), len(supervisor.pids()) == 3)[1])
    after = supervisor.pids()
    assert not set(after.values()) & set(before.values())
    started = {name: supervisor.child(name).started for name in after}
    assert started["redis"] <= started["worker"] and started["redis"] <= started["scheduler"]


def test_stop_all_stops_dependents_before_the_server_and_hurries_a_slow_one(supervisors,
                                                                               tmp_path):
    log = tmp_path / "stops.log"
    ready = tmp_path / "ready"
    ready.mkdir()
    supervisor = Supervisor([ChildSpec("redis", sleeper(log, "redis", ready=ready)),
                             ChildSpec("worker", sleeper(log, "worker", ignore_first_term=True,
                                                         ready=ready),
                                       needs="redis", term_twice=True, grace=0.5)],
                            backoff=QUICK)
    supervisor.start_all()
    pids = supervisor.pids()
    wait_until(lambda: handlers_installed(ready, pids.values()))
    supervisor.stop_all()
    assert log.read_text().split("\n")[:-1] == ["worker stopped", "redis stopped"]
    assert not any(alive(pid) for pid in pids.values())


def test_a_child_that_ignores_sigterm_is_killed(supervisors):
    stubborn = python("""
        import signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            time.sleep(0.05)
    """)
    supervisor = Supervisor([ChildSpec("worker", stubborn, grace=0.3)], backoff=QUICK)
    supervisor.start_all()
    pid = supervisor.pids()["worker"]
    time.sleep(0.5)
    started = time.monotonic()
    supervisor.stop_all(hurry=lambda: time.monotonic() - started > 1)
    assert not alive(pid)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_children_stop_when_the_supervisor_is_killed(tmp_path):
    """SIGKILL cannot be caught: the lifeline makes the kernel send SIGTERM to the children."""
    pids = tmp_path / "pids"
    parent = subprocess.Popen(python(f"""
        import time
        from app.supervisor import ChildSpec, Supervisor
        spec = {sleeper()!r}
        supervisor = Supervisor([ChildSpec("a", spec), ChildSpec("b", spec, needs="a")])
        supervisor.start_all()
        open({str(pids)!r}, "w").write(" ".join(map(str, supervisor.pids().values())))
        time.sleep(60)
    """), cwd=Path(__file__).resolve().parents[3])
    try:
        wait_until(lambda: pids.exists() and len(pids.read_text().split()) == 2)
        children = [int(p) for p in pids.read_text().split()]
        assert all(alive(p) for p in children)
    finally:
        parent.kill()
        parent.wait()
    wait_until(lambda: not any(alive(p) for p in children), seconds=5)


STOP_REQUEST_PROBE = """
    import os, signal, time
    from app.supervisor import StopRequest
    stop = StopRequest().install()
    print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN,
          signal.getsignal(signal.SIGHUP) is signal.SIG_IGN, flush=True)
    for sig in ({signals}):
        os.kill(os.getpid(), sig)
    time.sleep(0.1)
    print(stop.requested, stop.hurried, stop.signals, flush=True)
"""


def probe_stop_request(signals: str, ignore: tuple[signal.Signals, ...]) -> list[str]:
    def ignore_inherited():
        for sig in ignore:
            signal.signal(sig, signal.SIG_IGN)

    out = subprocess.run(python(STOP_REQUEST_PROBE.format(signals=signals)),
                         preexec_fn=ignore_inherited, capture_output=True, text=True,
                         timeout=30, cwd=Path(__file__).resolve().parents[3])
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def test_sigint_is_armed_even_when_inherited_as_ignored():
    """A background job of a non-interactive shell starts with SIGINT ignored."""
    first, second = probe_stop_request("signal.SIGINT,", (signal.SIGINT,))
    assert first.split()[0] == "False"
    assert second == "True False ['SIGINT']"


def test_sigterm_and_sighup_stop_and_a_second_signal_hurries():
    _first, second = probe_stop_request("signal.SIGTERM, signal.SIGHUP", ())
    assert second == "True True ['SIGTERM', 'SIGHUP']"


def test_sighup_stays_ignored_under_nohup():
    first, second = probe_stop_request("signal.SIGHUP, signal.SIGTERM", (signal.SIGHUP,))
    assert first.split()[1] == "True"
    assert second == "True False ['SIGTERM']"

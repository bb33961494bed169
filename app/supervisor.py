"""The children of ``trellis run``: started in order, restarted with exponential backoff when
they die (a server first, then the children that need it), given up on loudly when one crashes
in a tight loop, and stopped in reverse order. No Flask here: specs come from ``app.serve``."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("trellis.run")

LIFELINE = Path(__file__).with_name("lifeline.py")


@dataclass(frozen=True)
class Backoff:
    """How long to wait before restarting a child that died, and when to stop trying."""

    first: float = 1.0  # seconds before the first restart; doubled after each quick crash
    cap: float = 30.0
    stable_after: float = 60.0  # a child that ran this long was healthy: its count starts over
    give_up_after: int = 5  # quick crashes in a row that make a crash loop

    def delay(self, crashes: int) -> float:
        return min(self.cap, self.first * 2 ** max(0, crashes - 1))


@dataclass(frozen=True)
class ChildSpec:
    name: str
    argv: list[str]
    needs: str | None = None  # a child that must run first; when it dies, this one restarts too
    prepare: Callable[[], None] | None = None  # before each start (clear what a crash left)
    ready: Callable[[subprocess.Popen], None] | None = None  # blocks until it serves; raises
    cleanup: Callable[[], None] | None = None  # after the last stop
    grace: float = 10.0  # seconds between SIGTERM and the next step
    term_twice: bool = False  # a second SIGTERM hurries it (RQ: cold shutdown, kills the job)


class CrashLoop(RuntimeError):
    """A child kept dying right after it started."""


@dataclass
class Child:
    spec: ChildSpec
    process: subprocess.Popen | None = None
    started: float = 0.0
    crashes: int = 0
    due: float | None = None  # when to (re)start it, on the monotonic clock


class StopRequest:
    """SIGINT, SIGTERM and SIGHUP ask to stop, as Ctrl-C does; a second signal asks to hurry.

    SIGINT is armed even when it was inherited as ignored (a background job of a script starts
    so); SIGHUP is left ignored when it was inherited so, as ``nohup`` asks.
    """

    def __init__(self) -> None:
        self.signals: list[str] = []

    def install(self) -> StopRequest:
        signal.signal(signal.SIGINT, self._handle)
        signal.signal(signal.SIGTERM, self._handle)
        if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
            signal.signal(signal.SIGHUP, self._handle)
        return self

    def _handle(self, signum: int, _frame) -> None:
        # only append here: a handler interrupts the main thread anywhere, even inside a lock
        self.signals.append(signal.Signals(signum).name)

    @property
    def requested(self) -> bool:
        return bool(self.signals)

    @property
    def hurried(self) -> bool:
        return len(self.signals) > 1


def exit_reason(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with status {returncode}"


class Supervisor:
    def __init__(self, specs: list[ChildSpec], env: dict[str, str] | None = None,
                 backoff: Backoff = Backoff()):
        self.children = [Child(spec) for spec in specs]
        self.env = env
        self.backoff = backoff

    def child(self, name: str) -> Child:
        return next(c for c in self.children if c.spec.name == name)

    def pids(self) -> dict[str, int]:
        return {c.spec.name: c.process.pid for c in self.children if c.process is not None}

    def start_all(self) -> None:
        now = time.monotonic()
        for child in self.children:
            child.due = now
        self.check()

    def check(self) -> None:
        """Notice children that died and (re)start those that are due; raise CrashLoop."""
        for child in self.children:
            if child.process is not None and child.process.poll() is not None:
                self._died(child, exit_reason(child.process.returncode))
        now = time.monotonic()
        for child in self.children:
            if child.process is None and child.due is not None and child.due <= now and (
                    self._needs_running(child)):
                self._start(child)

    def _needs_running(self, child: Child) -> bool:
        if child.spec.needs is None:
            return True
        needed = self.child(child.spec.needs).process
        return needed is not None and needed.poll() is None

    def _start(self, child: Child) -> None:
        spec = child.spec
        if spec.prepare is not None:
            spec.prepare()
        child.started, child.due = time.monotonic(), None
        try:
            child.process = subprocess.Popen(
                [sys.executable, str(LIFELINE), str(os.getpid()), *spec.argv],
                env=self.env, process_group=0)  # Ctrl-C in a terminal reaches us alone
        except OSError as exc:
            self._died(child, f"could not start: {exc}")
            return
        log.info("%s started (pid %s)", spec.name, child.process.pid)
        if spec.ready is not None:
            try:
                spec.ready(child.process)
            except Exception as exc:  # noqa: BLE001 - any failure to come up is a crash
                log.error("%s did not come up: %s", spec.name, exc)
                child.process.kill()
                child.process.wait()
                self._died(child, f"exited with status {child.process.returncode}")

    def _died(self, child: Child, reason: str) -> None:
        now = time.monotonic()
        lived = now - child.started
        child.crashes = child.crashes + 1 if lived < self.backoff.stable_after else 1
        pid = child.process.pid if child.process is not None else None
        child.process = None
        name = child.spec.name
        if child.crashes >= self.backoff.give_up_after:
            raise CrashLoop(f"{name} {reason}, {child.crashes} times in a row within "
                            f"{self.backoff.stable_after:.0f} s of starting; giving up")
        delay = self.backoff.delay(child.crashes)
        child.due = now + delay
        log.warning("%s (pid %s) %s after %.1f s; restarting in %g s", name, pid, reason,
                    lived, delay)
        dependents = [c for c in self.children if c.spec.needs == name and c.process]
        if dependents:
            log.warning("restarting %s after %s", ", ".join(c.spec.name for c in dependents),
                        name)
            self._stop(dependents, lambda: False)
            for dependent in dependents:
                dependent.due = child.due  # not their fault: no crash counted

    def stop_all(self, hurry: Callable[[], bool] = lambda: False) -> None:
        """Stop the children that others need last; ``hurry()`` true skips the grace times."""
        needed = {c.spec.needs for c in self.children}
        self._stop([c for c in self.children if c.spec.name not in needed], hurry)
        self._stop([c for c in self.children if c.spec.name in needed], hurry)
        for child in self.children:
            child.due = None
            if child.spec.cleanup is not None:
                child.spec.cleanup()

    def _stop(self, children: list[Child], hurry: Callable[[], bool]) -> None:
        live = [c for c in children if c.process is not None and c.process.poll() is None]
        for child in live:
            log.info("stopping %s (pid %s)", child.spec.name, child.process.pid)
            child.process.send_signal(signal.SIGTERM)
        live = _wait(live, max((c.spec.grace for c in live), default=0), hurry)
        for child in live:
            if child.spec.term_twice and not hurry():
                child.process.send_signal(signal.SIGTERM)
        live = _wait(live, 5.0, hurry)
        for child in live:
            log.warning("killing %s (pid %s)", child.spec.name, child.process.pid)
            child.process.kill()
        for child in children:
            if child.process is not None:
                child.process.wait()
                child.process = None


def _wait(children: list[Child], seconds: float, hurry: Callable[[], bool]) -> list[Child]:
    """Wait until the children exit, ``seconds`` pass or ``hurry()``; return those still alive."""
    deadline = time.monotonic() + seconds
    live = list(children)
    while live and time.monotonic() < deadline and not hurry():
        time.sleep(0.05)
        live = [c for c in live if c.process.poll() is None]
    return [c for c in live if c.process.poll() is None]

"""The embedded Redis keeps its socket, pid file and dump in the instance folder, clears what a
killed server left on the next start, and copes with instance paths too long for a socket."""

from __future__ import annotations

import logging
import os
import signal
import tempfile
import time
from pathlib import Path

import pytest
import redis

from runtime.jobs.connection import connect
from runtime.jobs.embedded import SOCKET_PATH_LIMIT, EmbeddedRedis, EmbeddedRedisError


def wait_gone(pid: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while Path(f"/proc/{pid}").exists() and "zombie" not in Path(
            f"/proc/{pid}/status").read_text(errors="replace"):
        assert time.monotonic() < deadline, f"pid {pid} still runs"
        time.sleep(0.05)


@pytest.fixture
def servers():
    started: list[EmbeddedRedis] = []
    yield started
    for server in started:
        server.stop()


def test_the_socket_and_pid_file_live_in_the_instance_folder(tmp_path, servers):
    instance = tmp_path / "instance"
    conn = connect(None, instance)
    server = EmbeddedRedis.for_instance(instance)
    servers.append(server)
    assert conn.ping()
    assert conn.connection_pool.connection_kwargs["path"] == str(instance / "redis" / "redis.sock")
    assert (instance / "redis" / "redis.sock").is_socket()
    pid = int((instance / "redis" / "redis.pid").read_text())
    assert server.running_pid() == pid
    conn.set("kept", "1")
    assert connect(None, instance).get("kept") == b"1"  # a second client finds the same server
    server.stop()
    wait_gone(pid)
    assert not (instance / "redis" / "redis.sock").exists()
    assert not (instance / "redis" / "redis.pid").exists()
    assert (instance / "redis" / "dump.rdb").exists()  # saved on the way out


def test_what_a_killed_server_left_is_cleared_on_the_next_start(tmp_path, servers, caplog):
    caplog.set_level(logging.INFO, "runtime.jobs.embedded")
    instance = tmp_path / "instance"
    server = EmbeddedRedis.for_instance(instance)
    servers.append(server)
    connect(None, instance)
    pid = server.running_pid()
    os.kill(pid, signal.SIGKILL)
    wait_gone(pid)
    assert server.socket.exists() and server.pidfile.exists(), "SIGKILL leaves both behind"
    assert server.running_pid() is None
    assert not server.answers()
    conn = connect(None, instance)
    assert conn.ping()
    assert server.running_pid() not in (None, pid)
    assert f"removing stale {server.socket}" in caplog.text


def test_a_live_leftover_server_is_stopped_before_a_supervised_start(tmp_path, servers):
    """What `trellis run` finds when an earlier run died without its children noticing."""
    instance = tmp_path / "instance"
    server = EmbeddedRedis.for_instance(instance)
    servers.append(server)
    server.ensure_running()
    orphan = server.running_pid()
    server.clear_stale()
    wait_gone(orphan)
    assert not server.socket.exists() and not server.pidfile.exists()


def test_a_pid_file_naming_another_process_is_not_trusted(tmp_path):
    server = EmbeddedRedis.for_instance(tmp_path / "instance")
    server.folder.mkdir(parents=True)
    server.pidfile.write_text(f"{os.getpid()}\n")  # this test's python, not a redis-server
    assert server.running_pid() is None
    server.clear_stale()
    assert not server.pidfile.exists()


def long_instance(tmp_path: Path) -> Path:
    instance = tmp_path / ("i" * 60) / ("n" * 60)
    assert len(os.fsencode(instance / "redis" / "redis.sock")) > SOCKET_PATH_LIMIT
    return instance


def test_a_long_instance_path_falls_back_to_a_short_private_socket(tmp_path, servers):
    instance = long_instance(tmp_path)
    server = EmbeddedRedis.for_instance(instance)
    servers.append(server)
    assert server.socket.parent == Path(tempfile.gettempdir()) / f"trellis-{os.getuid()}"
    assert len(os.fsencode(server.socket)) <= SOCKET_PATH_LIMIT
    assert EmbeddedRedis.for_instance(instance).socket == server.socket  # every process agrees
    assert EmbeddedRedis.for_instance(tmp_path / "other").socket != server.socket
    conn = connect(None, instance)
    assert conn.ping()
    assert server.pidfile.exists() and server.pidfile.parent == instance / "redis"
    assert server.socket.parent.stat().st_mode & 0o077 == 0


def test_too_long_everywhere_fails_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / ("t" * 110)))
    with pytest.raises(EmbeddedRedisError) as failure:
        EmbeddedRedis.for_instance(long_instance(tmp_path))
    message = str(failure.value)
    assert "unix sockets allow 107" in message
    assert "TRELLIS_INSTANCE_PATH" in message and "TRELLIS_REDIS_URL" in message


def test_a_fallback_folder_others_can_write_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    shared = tmp_path / f"trellis-{os.getuid()}"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    with pytest.raises(EmbeddedRedisError, match="mode 700"):
        EmbeddedRedis.for_instance(long_instance(tmp_path)).command(daemonize=False)


def test_connect_without_start_does_not_start_a_server(tmp_path):
    conn = connect(None, tmp_path / "instance", start=False, timeout=1)
    with pytest.raises(redis.exceptions.ConnectionError):
        conn.ping()
    assert not EmbeddedRedis.for_instance(tmp_path / "instance").socket.exists()

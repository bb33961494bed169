"""The minimal app's scheduler for bench/startup.py: every few seconds, look at the database and
leave a heartbeat in Redis — the least a periodic-task process of such an app holds in memory.

    python bench/minimal_scheduler.py DATABASE_URL REDIS_URL [--interval 5]
"""

from __future__ import annotations

import argparse
import signal
import sys
import time

import redis
import sqlalchemy as sa


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("redis_url")
    parser.add_argument("--interval", type=float, default=5)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    engine = sa.create_engine(args.database_url)
    queue = redis.Redis.from_url(args.redis_url)
    while True:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        queue.set("minimal:scheduler", time.time())
        time.sleep(args.interval)


if __name__ == "__main__":
    main()

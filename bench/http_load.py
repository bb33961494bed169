"""HTTP benchmark (issue 8): Trellis and a minimal Flask app, each under gunicorn with 2 sync
workers on 127.0.0.1, driven by wrk (2 threads, 16 connections) on the same rows of the same
database: record create, lists (default sort with the total, a select filter, a number sort),
search and the HTML list page; requests/s, p50/p95/p99 and the ratio against issue 8's targets.

    .venv/bin/python bench/http_load.py [--db sqlite|postgresql|both] [--rows 100000]
        [--duration 10] [--runs 3] [--warmup 3] [--paths list,filter,sort,search,html,create]
        [--pg-url postgresql://user@host/db] [--pg-reset] [--json FILE] [--keep]

Trellis runs its real app factory on an instance folder of its own (a temporary folder); the
leads are written through its bulk records service (audit entries and record events
included) and copied to the minimal app's table. PostgreSQL: --pg-url or BENCH_PG_URL names a
database that must be empty (--pg-reset drops its tables first); it is emptied afterwards.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

from bench.load import check, report, wrk  # noqa: E402
from bench.load.client import Client, minimal_login, trellis_login  # noqa: E402
from bench.load.database import (  # noqa: E402
    Database,
    analyse,
    empty,
    form_tables,
    postgresql,
    sqlite,
)
from bench.load.runner import Measured, measure  # noqa: E402
from bench.load.scenarios import KEYS, Credentials, scenarios  # noqa: E402
from bench.load.servers import SetupError, running, terminated_as_exit  # noqa: E402
from bench.load.sites import Site, minimal_site, trellis_site  # noqa: E402

LOG_MARKS = ("Traceback", "WORKER TIMEOUT", "[ERROR]", "[CRITICAL]")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000, help="leads seeded (100000)")
    parser.add_argument("--duration", type=float, default=10, help="seconds per run (10)")
    parser.add_argument("--runs", type=int, default=3, help="runs per app and path (3)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up (3)")
    parser.add_argument("--paths", default=",".join(KEYS),
                        help=f"comma-separated, of {', '.join(KEYS)} (all)")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL"),
                        help="PostgreSQL database the benchmark may empty ($BENCH_PG_URL)")
    parser.add_argument("--pg-reset", action="store_true",
                        help="drop the tables the PostgreSQL database holds before starting")
    parser.add_argument("--json", type=Path, help="append the results to this JSON file")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (instance, server logs)")
    args = parser.parse_args(argv)
    args.paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    unknown = [p for p in args.paths if p not in KEYS]
    if unknown or not args.paths:
        parser.error(f"--paths takes {', '.join(KEYS)}; not {', '.join(unknown) or 'nothing'}")
    if args.rows < 1 or args.runs < 1 or args.duration < 1:
        parser.error("--rows, --runs and --duration must be at least 1")
    return args


def log_problems(site: Site) -> str:
    """What the server's log says went wrong (counts of tracebacks, timeouts, errors)."""
    text = site.server.log.read_text(errors="replace") if site.server.log.exists() else ""
    counts = [f"{text.count(mark)} x {mark}" for mark in LOG_MARKS if mark in text]
    return ", ".join(counts)


def drive(sites: tuple[Site, Site], folder: Path, args: argparse.Namespace) -> list[Measured]:
    """Start both servers, log in, check that they answer alike, then time every path."""
    trellis, minimal = sites
    with running(trellis.server, minimal.server):
        for site in sites:
            site.server.wait_page("/login")
        credentials = Credentials(
            trellis.token, minimal.token,
            trellis_login(trellis.server.base, trellis.email, trellis.password),
            minimal_login(minimal.server.base, minimal.email, minimal.password))
        chosen = scenarios(args.paths, credentials, args.rows)
        clients = Client(trellis.server.base), Client(minimal.server.base)
        for scenario in chosen:
            for warning in check.compare(scenario, *clients):
                print("  note:", warning)
        servers = {"trellis": trellis.server, "minimal": minimal.server}
        return [measure(s, servers, folder, args.duration, args.runs, args.warmup)
                for s in chosen]


def run_database(kind: str, args: argparse.Namespace) -> list[Measured]:
    folder = Path(tempfile.mkdtemp(prefix=f"trellis-http-{kind}-"))
    database: Database | None = None
    try:
        database = sqlite(folder) if kind == "sqlite" else postgresql(args.pg_url, args.pg_reset)
        print(f"{kind}: seeding {args.rows:,} leads through Trellis's bulk service", flush=True)
        trellis = trellis_site(folder, database, args.rows)
        minimal = minimal_site(folder, database, trellis.table)
        # the form's table and those beside it (its search index), as autovacuum would
        analyse(database, [*form_tables(database, trellis.table), minimal.table])
        results = drive((trellis, minimal), folder, args)
        print(f"\ndatabase: {kind}, {args.rows:,} leads, gunicorn 2 sync workers each, wrk "
              f"{wrk.THREADS} threads {wrk.CONNECTIONS} connections, {args.duration:g} s x "
              f"{args.runs} runs (medians)")
        print(report.table(results))
        for line in report.problems(results):
            print("  errors:", line)
        for site in (trellis, minimal):
            if log_problems(site):
                print(f"  {site.name}'s log: {log_problems(site)}")
        return results
    finally:
        if database is not None:
            empty(database)
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    try:
        wrk.wrk_path()
        with terminated_as_exit():
            for kind in kinds:
                results = run_database(kind, args)
                if args.json:
                    report.write_json(args.json, {"database": kind, "rows": args.rows,
                                                  "duration": args.duration,
                                                  "runs": args.runs}, results)
    except SetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

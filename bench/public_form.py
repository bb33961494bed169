"""Public form benchmark (issue 10): submissions POSTed to Trellis's public form page through
gunicorn (2 sync workers) on 127.0.0.1, against the minimal Flask app's endpoint that
validates one lead by hand and inserts one row (bench/minimal_app.py), same run, same
database, driven by wrk (2 threads, 16 connections). Target: at least 0.3 of the minimal
app's rate, p99 at most 100 ms.

    .venv/bin/python bench/public_form.py [--db sqlite|postgresql|both] [--duration 10]
        [--runs 3] [--warmup 3] [--connections 16] [--pg-url postgresql://user@host/db]
        [--pg-reset] [--keep]

Trellis serves the bench app's 12-field lead form (bench/forms/lead_bench.json) as a public
form, every field on the page, a rate limit high enough for one client address sending
thousands a second (the counter is still written for every submission) and no minimum fill
time; each request is a browser's form post (urlencoded) with the page's signed token, and
goes the whole way: token check, rate counter, parsing, checks and formulas, the intake,
the insert, its touch, audit entry and record event, and the thank-you page. The minimal
app gets the same leads as JSON with a bearer token and answers the row as JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import urllib.request  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

from bench.load import data, report, wrk  # noqa: E402
from bench.load.database import Database, empty, postgresql, sqlite  # noqa: E402
from bench.load.runner import Measured, measure  # noqa: E402
from bench.load.scenarios import BODIES, FIRST_POSTED, Scenario, Target  # noqa: E402
from bench.load.servers import SetupError, gunicorn, running, terminated_as_exit  # noqa: E402
from bench.load.sites import APP_KEY, FORM_KEY, minimal_site, trellis_instance  # noqa: E402

SLUG = "leads"
PAGE = f"/f/{APP_KEY}/{SLUG}"
PUBLIC = {"slug": SLUG, "min_seconds": 0, "rate_limit": {"count": 1_000_000, "seconds": 60}}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--duration", type=float, default=10, help="seconds per run (10)")
    parser.add_argument("--runs", type=int, default=3, help="runs per app (3)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up (3)")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL"))
    parser.add_argument("--pg-reset", action="store_true")
    parser.add_argument("--connections", type=int, default=wrk.CONNECTIONS,
                        help=f"wrk connections ({wrk.CONNECTIONS}); latency is mostly queueing "
                             "behind 2 workers, so fewer connections show the service time")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return parser.parse_args(argv)


def open_public_form(instance) -> None:
    """Publish the bench form with its public page (all of its fields on it)."""
    app = instance.app()
    runtime = app.extensions["trellis"]
    try:
        with runtime.session() as session, session.begin():
            doc = runtime.store.get(session, APP_KEY, "form", FORM_KEY)
            body = {**doc.draft, "capture": {"public": PUBLIC}}
            saved = runtime.store.save_draft(session, APP_KEY, "form", FORM_KEY, body,
                                             doc.revision)
            runtime.publish(session, saved, None, "public form benchmark")
    finally:
        runtime.engine.dispose()


def form_body(lead: dict, token: str) -> str:
    fields = {k: ("true" if v else "") if isinstance(v, bool) else v
              for k, v in lead.items() if v is not None}
    return urlencode({"_t": token, **fields})


def scenario(trellis_base: str, trellis_token: str, minimal_token: str) -> Scenario:
    import json

    page = urllib.request.urlopen(trellis_base + PAGE, timeout=30).read().decode()
    token = re.search(r'name="_t" value="([^"]+)"', page).group(1)
    leads = [data.lead(FIRST_POSTED + i) for i in range(BODIES)]
    trellis = wrk.Load("POST", {"Content-Type": "application/x-www-form-urlencoded",
                                "Accept-Language": "zh"},
                       [(PAGE, form_body(lead, token)) for lead in leads])
    minimal = wrk.Load("POST", {"Content-Type": "application/json",
                                "Authorization": "Bearer " + minimal_token},
                       [("/records", json.dumps(lead, ensure_ascii=False)) for lead in leads])
    return Scenario("public", "POST /f/<app>/<slug> (12 fields) vs POST /records",
                    Target(ratio=0.3, latency_ms=100), trellis, minimal, same_ids=False)


def run_database(kind: str, args: argparse.Namespace) -> Measured:
    folder = Path(tempfile.mkdtemp(prefix=f"trellis-public-{kind}-"))
    database: Database | None = None
    try:
        database = sqlite(folder) if kind == "sqlite" else postgresql(args.pg_url, args.pg_reset)
        instance = trellis_instance(folder, database)
        open_public_form(instance)
        trellis = gunicorn("trellis", "app:create_app()", instance.env(), folder)
        minimal = minimal_site(folder, database, None)
        with running(trellis, minimal.server):
            trellis.wait_page(PAGE)
            minimal.server.wait_page("/health")
            chosen = scenario(trellis.base, instance.token, minimal.token)
            measured = measure(chosen, {"trellis": trellis, "minimal": minimal.server}, folder,
                               args.duration, args.runs, args.warmup)
        print(f"\ndatabase: {kind}, gunicorn 2 sync workers each, wrk {wrk.THREADS} threads "
              f"{wrk.CONNECTIONS} connections, {args.duration:g} s x {args.runs} runs "
              "(medians)")
        print(report.table([measured]))
        for line in report.problems([measured]):
            print("  errors:", line)
        return measured
    finally:
        if database is not None:
            empty(database)
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wrk.CONNECTIONS = args.connections  # read by wrk.run
    try:
        wrk.wrk_path()
        with terminated_as_exit():
            for kind in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
                run_database(kind, args)
    except SetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

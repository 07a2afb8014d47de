"""Run the benchmark (DESIGN.md §7) against the data of bench/generate.py.

    DJANGO_ENV=bench .venv/bin/python bench/run.py [--requests 300] [--duration 12] [--shapes a,b]

Starts gunicorn (tejido.wsgi, 2 workers, 127.0.0.1:8100, access log off), waits until it
answers, and for each query shape measures, side by side:
  - API p50 / p95: one client, sequential requests (after a warm-up), each for a different
    gazetteer city / box / word, so caches do not flatter;
  - SQL p50 / p95: the very statements the API ran for those requests (captured in process),
    replayed directly with psycopg, each right before or after its API request (alternately),
    so that other work on the machine weighs on both alike; and the ratio API p95 / SQL p95;
  - API req/s and bare req/s: wrk, 4 connections, `--duration` seconds each (in two halves,
    API, bare, API, bare), cycling through the same requests; the bare view (bench/bare.py)
    answers the same query with one SQL statement in which PostgreSQL builds the JSON; and
    the ratio API / bare;
  - an EXPLAIN (ANALYZE) summary of each statement (which indexes; any Seq Scan).
Budgets of DESIGN.md §7 are printed beside each figure with PASS / FAIL. gunicorn is stopped
at the end, also on Ctrl-C. Only 127.0.0.1 is contacted.
"""

import argparse
import os
import platform
import shutil
import signal
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Clock, say, setup_django
from bench.machine import HOST, CpuMonitor, Server, ensure_wrk
from bench.report import Result, percentile, render
from bench.runner import measure
from bench.shapes import WARMUP, build_shapes

# --- Main -------------------------------------------------------------------------------------------


#: Tables read by the measured requests; each is loaded with its indexes into PostgreSQL's
#: buffers before measuring (pg_prewarm), so the figures are of a warm server, as in
#: production, and not of whichever pages earlier shapes happened to read.
PREWARM_TABLES = (
    "directory_listing",
    "directory_listing_categories",
    "directory_listing_regions",
    "directory_category",
    "directory_need",
    "directory_openingperiod",
    "directory_region",
)


def prewarm() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        cursor.execute(
            """SELECT count(*), coalesce(sum(pg_prewarm(c.oid)), 0)
                 FROM pg_class c
                WHERE c.oid = ANY(%s::regclass[])
                   OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = ANY(%s::regclass[]))""",
            [list(PREWARM_TABLES), list(PREWARM_TABLES)],
        )
        relations, blocks = cursor.fetchone()
        cursor.execute("SHOW shared_buffers")
        (shared_buffers,) = cursor.fetchone()
    return (
        f"prewarmed {relations} tables and indexes ({blocks * 8 / 1024:,.0f} MB; "
        f"shared_buffers {shared_buffers})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--requests", type=int, default=300, help="sequential requests per shape (>= 300)"
    )
    parser.add_argument("--duration", type=int, default=12, help="seconds of each wrk load (10-15)")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--quiet-wait",
        type=int,
        default=15,
        help="before each shape, wait up to this many seconds for other work to "
        "use under a quarter of a core (the machine may be shared)",
    )
    parser.add_argument(
        "--shapes",
        help="comma-separated subset (near,radius,bbox20,bbox100,"
        "bbox500,bbox100geo,search,search_region,layer,stats_state,stats_country,"
        "page_near,page_search,page_needs)",
    )
    args = parser.parse_args()
    args.duration = max(1, min(args.duration, 60))

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    clock = Clock()
    setup_django()
    import psycopg
    from django.db import connection

    from bench.common import pg_params

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'published') FROM directory_listing"
        )
        listings, published = cursor.fetchone()
        cursor.execute("SELECT version()")
        pg_version = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute("SELECT postgis_lib_version()")
        postgis = cursor.fetchone()[0]
    if not listings:
        raise SystemExit("no listings: run bench/generate.py first (make bench does)")

    only = set(args.shapes.split(",")) if args.shapes else None
    shapes = build_shapes(args.requests, args.seed, only)
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    say(
        f"Tejido benchmark — {listings:,} listings ({published:,} published) in "
        f"{connection.settings_dict['NAME']}; {pg_version}, PostGIS {postgis}"
    )
    say(
        f"machine: {os.cpu_count()} CPUs ({cpu}); gunicorn {args.workers} sync workers on "
        f"{HOST}:{args.port}; {args.requests} sequential requests per shape after {WARMUP} warm-up; "
        f"wrk {args.connections} connections x {args.duration} s"
    )

    say(f"{clock()}  {prewarm()}")
    wrk = ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="tejido-bench-"))
    server = Server(args.port, args.workers, workdir / "gunicorn.log")
    sql_conn = psycopg.connect(**pg_params(), autocommit=True, cursor_factory=psycopg.ClientCursor)
    results: list[Result] = []
    try:
        server.start()
        say(f"{clock()}  gunicorn up (log {server.log})")
        monitor = CpuMonitor(server, sql_conn)
        for shape in shapes:
            busy = monitor.wait_quiet(0.25, args.quiet_wait)
            if busy >= 0.25:
                say(f"{clock()}  note: other processes use {busy:.2f} cores; measuring anyway")
            start = monitor.snapshot()
            result = measure(shape, args, server, sql_conn, wrk, workdir, clock)
            result.others = monitor.others_cores(start)
            results.append(result)
    except KeyboardInterrupt:
        say("\ninterrupted: stopping gunicorn")
    finally:
        server.stop()
        sql_conn.close()
        if not server.failed:  # keep gunicorn's log when it failed
            shutil.rmtree(workdir, ignore_errors=True)
    if not results:
        return
    say("")
    say(render(results))
    for r in results:
        if r.shape.note:
            say(f"* {r.shape.label}: {r.shape.note}")
    say(
        "others' CPU: average cores used by other processes on the machine while the shape was "
        f"measured (of {os.cpu_count()}); above ~0.3 the figures of that shape are disturbed"
    )
    say("")
    say("SQL per request (median): count(*) vs page query, and response sizes")
    for r in results:
        parts = []
        if r.sql.get("count"):
            parts.append(
                f"count(*) {percentile(r.sql['count'], 50) * 1000:.1f} ms "
                f"(p95 {percentile(r.sql['count'], 95) * 1000:.1f})"
            )
        if r.sql.get("page"):
            parts.append(
                f"page {percentile(r.sql['page'], 50) * 1000:.1f} ms "
                f"(p95 {percentile(r.sql['page'], 95) * 1000:.1f})"
            )
        if r.sql.get("count") and r.sql.get("all"):
            share = statistics.median(r.sql["count"]) / statistics.median(r.sql["all"])
            parts.append(f"count(*) = {share:.0%} of the SQL time")
        if r.api_bytes:
            parts.append(f"API {r.api_bytes / 1024:.1f} KB")
        if r.bare_bytes:
            parts.append(f"bare {r.bare_bytes / 1024:.1f} KB")
        if r.counts_match is not None:
            parts.append("same count as bare: " + ("yes" if r.counts_match else "NO"))
        say(f"  {r.shape.label}: " + "; ".join(parts))
    say("")
    say(
        "EXPLAIN (ANALYZE) of the statements of the request at the SQL p95 (scans, index used, rows):"
    )
    for r in results:
        for name, summary in r.plans:
            say(f"  {r.shape.label} / {name}: {summary}")
        if r.other_seq:
            say(f"  {r.shape.label}: note: Seq Scan on {', '.join(sorted(set(r.other_seq)))}")
    problems = [(r.shape.label, e) for r in results for e in r.errors]
    if problems:
        say("")
        say("ERRORS:")
        for label, error in problems[:30]:
            say(f"  {label}: {error}")
    say(f"\n{clock()}  done")


if __name__ == "__main__":
    main()

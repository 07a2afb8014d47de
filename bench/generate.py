"""Generate the benchmark data set: N listings clustered around gazetteer cities.

    DJANGO_ENV=bench .venv/bin/python bench/generate.py --listings 1000000 [--reset] [--seed S]

Default database: `tejido_bench` in the private cluster (created if missing); DATABASE_URL
overrides it. Steps: `migrate`; categories, regions and the Americas gazetteer if absent;
then listings 1..N in chunks, each chunk one set-based INSERT ... SELECT FROM generate_series
run by PostgreSQL (never row by row), with its categories, opening periods, needs and region
memberships; then the listing indexes (dropped during a large load), the region statistics
view, VACUUM ANALYZE.

Reproducible: every random choice of listing n is a hash of (n, a salt, the seed) computed
in SQL (`bench.u`), so listing n is the same whatever the chunking, the number of workers,
or whether 1M were made at once or 100k then 900k more. Only timestamps follow the clock.

Idempotent: `--listings N` with N listings already generated does nothing; fewer: the
missing ones are added; an interrupted run is cleaned up (listings beyond the last complete
count are removed) and its dropped indexes recreated on the next run.
"""

import argparse
import fcntl
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BENCH_DB, Clock, configure_environment, say
from bench.generate_sql import (
    CATEGORIES_SQL,
    CHILD_TABLES,
    CITY_SQL,
    LISTINGS_SQL,
    NEEDS_SQL,
    OPENING_SQL,
    REGIONS_SQL,
    SCHEMA_SQL,
)

DEFAULT_SEED = 20261123
CHUNK = 25_000
WORKERS = 2

#: Listing indexes dropped while loading into a (nearly) empty table and rebuilt after: much
#: faster than maintaining them row by row. Their definitions are kept in bench.meta meanwhile.
KEEP_INDEXES = ("directory_listing_pkey", "directory_listing_slug_key")

PRECISIONS = ("exact", "area", "region", "hidden")
PRECISION_THRESHOLDS = (0.30, 0.75, 0.90)
STATUSES = ("published", "pending", "draft", "archived", "rejected")
STATUS_THRESHOLDS = (0.92, 0.95, 0.97, 0.99)


def cumulative(weights) -> list[float]:
    out, total = [], 0.0
    for weight in weights[:-1]:
        total += weight
        out.append(round(total, 6))
    return out


# --- Steps -------------------------------------------------------------------------------------


def ensure_database() -> None:
    """Create the bench database if it does not exist (connecting to `postgres`)."""
    import psycopg
    from django.db import connection

    from bench.common import pg_params

    name = connection.settings_dict["NAME"]
    try:
        psycopg.connect(**pg_params(), autocommit=True).close()
        return
    except psycopg.OperationalError as error:
        if "does not exist" not in str(error):
            raise
    with psycopg.connect(**pg_params("postgres"), autocommit=True) as admin:
        say(f"creating database {name}")
        admin.execute(f'CREATE DATABASE "{name}"')


def load_reference(clock) -> bool:
    """Migrate and load the reference data; True if a migration was applied (the listing
    table may have been rewritten: its statistics and visibility map need refreshing)."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    from directory.demo import load_categories, load_demo_regions
    from directory.importers import americas_country_codes, boundaries_batch, load_gazetteer
    from directory.models import Category, Place

    recorder = MigrationRecorder(connection)
    before = len(recorder.applied_migrations()) if recorder.has_table() else 0
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    applied = len(recorder.applied_migrations()) - before
    say(
        f"{clock()}  migrated"
        + (f" ({applied} applied, {time.perf_counter() - started:.0f}s)" if applied else "")
    )
    if not Category.objects.exists():
        say(f"{clock()}  {load_categories()} categories")
    with boundaries_batch():  # the basemap is rebuilt once, after both
        load_demo_regions(lambda message: say(f"{clock()}  {message}"))
        if not Place.objects.filter(kind="city").exists():
            load_gazetteer(
                americas_country_codes() | {"US"},
                progress=lambda m: say(f"{clock()}  gazetteer: {m}"),
            )
    return applied > 0


def meta_get(conn, key: str, default=None):
    row = conn.execute("SELECT value FROM bench.meta WHERE key = %s", [key]).fetchone()
    return row[0] if row else default


def meta_set(conn, key: str, value) -> None:
    conn.execute(
        "INSERT INTO bench.meta (key, value) VALUES (%s, %s) "
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        [key, str(value)],
    )


def session_settings(conn) -> None:
    conn.execute("SET synchronous_commit = off")
    conn.execute("SET maintenance_work_mem = '512MB'")
    conn.execute("SET work_mem = '64MB'")
    conn.execute("SET jit = off")


def delete_listings(conn, where: str, params) -> None:
    """Delete listings matching `where` and what hangs on them (Django cascades in Python,
    the database does not)."""
    ids = f"SELECT id FROM directory_listing WHERE {where}"
    conn.execute(
        f"DELETE FROM directory_report WHERE listing_id IN ({ids}) OR need_id IN "
        f"(SELECT id FROM directory_need WHERE listing_id IN ({ids}))",
        [*params, *params],
    )
    for table in (*CHILD_TABLES, "directory_need"):
        conn.execute(f"DELETE FROM {table} WHERE listing_id IN ({ids})", params)
    conn.execute(f"DELETE FROM directory_listing WHERE {where}", params)


def reset(conn, clock) -> None:
    others = conn.execute(
        "SELECT count(*) FROM directory_listing WHERE slug NOT LIKE 'bench-%'"
    ).fetchone()[0]
    if others == 0:
        conn.execute(
            "TRUNCATE directory_listing, directory_need, directory_report, "
            + ", ".join(CHILD_TABLES)
        )
    else:
        delete_listings(conn, "slug LIKE 'bench-%%'", [])
    conn.execute("DELETE FROM bench.meta WHERE key IN ('complete', 'seed')")
    say(f"{clock()}  bench data dropped")


def restore_indexes(conn, clock) -> None:
    """Recreate listing indexes dropped for a load (two at a time: both cores)."""
    rows = conn.execute(
        "SELECT key, value FROM bench.meta WHERE key LIKE 'index:%' ORDER BY key"
    ).fetchall()
    if not rows:
        return
    say(f"{clock()}  rebuilding {len(rows)} listing indexes")

    def build(row):
        key, definition = row
        with connect_worker() as worker:
            started = time.perf_counter()
            worker.execute(
                definition.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1).replace(
                    "CREATE UNIQUE INDEX", "CREATE UNIQUE INDEX IF NOT EXISTS", 1
                )
            )
            worker.execute("DELETE FROM bench.meta WHERE key = %s", [key])
            return key[len("index:") :], time.perf_counter() - started

    with ThreadPoolExecutor(WORKERS) as pool:
        for future in as_completed([pool.submit(build, row) for row in rows]):
            name, seconds = future.result()
            say(f"{clock()}    {name} ({seconds:.1f}s)")


def drop_indexes(conn, clock) -> None:
    rows = conn.execute(
        """SELECT i.relname, pg_get_indexdef(i.oid)
           FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
           WHERE x.indrelid = 'directory_listing'::regclass AND i.relname <> ALL(%s)""",
        [list(KEEP_INDEXES)],
    ).fetchall()
    for name, definition in rows:
        meta_set(conn, f"index:{name}", definition)
        conn.execute(f'DROP INDEX "{name}"')
    say(f"{clock()}  dropped {len(rows)} listing indexes for the load (rebuilt after)")


_local = threading.local()


def connect_worker():
    from bench.common import connect

    conn = connect()
    session_settings(conn)
    return conn


def worker_conn():
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = connect_worker()
    return conn


STEPS = (
    ("listings", LISTINGS_SQL),
    ("categories", CATEGORIES_SQL),
    ("opening periods", OPENING_SQL),
    ("needs", NEEDS_SQL),
    ("regions", REGIONS_SQL),
)


def generate_chunk(lo: int, hi: int, params: dict) -> dict[str, tuple[int, float]]:
    """Listings lo..hi and everything hanging on them, in one transaction:
    {step: (rows, seconds)}."""
    conn = worker_conn()
    counts = {}
    bounds = {**params, "lo": lo, "hi": hi}
    with conn.transaction():
        conn.execute("SET LOCAL mapping.tile_sync = off")  # rebuilt once at the end
        for name, sql in STEPS:
            started = time.perf_counter()
            rows = conn.execute(sql, bounds).rowcount
            counts[name] = (rows, time.perf_counter() - started)
    return counts


def finish(conn, clock) -> None:
    """VACUUM ANALYZE the tables the benchmark reads, then refresh the region statistics."""
    t = time.perf_counter()
    for table in (
        "directory_listing",
        "directory_listing_regions",
        "directory_listing_categories",
        "directory_need",
        "directory_openingperiod",
    ):
        conn.execute(f"VACUUM (ANALYZE) {table}")
    say(f"{clock()}  VACUUM ANALYZE ({time.perf_counter() - t:.1f}s)")
    t = time.perf_counter()
    conn.execute("REFRESH MATERIALIZED VIEW directory_region_stats")
    conn.execute("UPDATE directory_region_stats_state SET dirty = false, refreshed_at = now()")
    conn.execute("VACUUM (ANALYZE) directory_region_stats")
    say(f"{clock()}  region statistics refreshed ({time.perf_counter() - t:.1f}s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--listings", type=int, default=1_000_000, help="how many listings (default 1,000,000)"
    )
    parser.add_argument("--reset", action="store_true", help="drop the bench data first")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    if args.listings < 0:
        parser.error("--listings must be >= 0")

    # One generation at a time on this machine: a second run waits, then finds the
    # listings made and does nothing.
    lock_path = Path(__file__).resolve().parent.parent / "var" / "bench-generate.lock"
    lock_path.parent.mkdir(exist_ok=True)
    lock = open(lock_path, "w")  # noqa: SIM115  (held until the process ends)
    fcntl.flock(lock, fcntl.LOCK_EX)

    url = configure_environment()
    from tejido.env import configure

    configure()
    import django

    clock = Clock()
    django.setup()
    from django.db import connection

    from bench import pools

    if not url.endswith(f"/{BENCH_DB}") and f"/{BENCH_DB}?" not in url:
        say(f"note: generating into {connection.settings_dict['NAME']} (DATABASE_URL)")
    ensure_database()
    migrated = load_reference(clock)
    connection.close()

    from bench.common import connect

    conn = connect()
    session_settings(conn)
    conn.execute(SCHEMA_SQL.format(seed=int(args.seed)))
    if args.reset:
        reset(conn, clock)
    restore_indexes(conn, clock)  # after an interrupted load

    seed = meta_get(conn, "seed")
    if seed is not None and int(seed) != args.seed:
        sys.exit(f"the bench data was made with --seed {seed}: use --reset to change the seed")
    complete = int(meta_get(conn, "complete", 0))
    leftovers = conn.execute(
        "SELECT count(*) FROM directory_listing WHERE slug LIKE 'bench-%%' AND id > %s", [complete]
    ).fetchone()[0]
    if leftovers:
        say(f"{clock()}  removing {leftovers} listings of an interrupted run")
        delete_listings(conn, "slug LIKE 'bench-%%' AND id > %s", [complete])
    if complete >= args.listings:
        extra = (
            ""
            if complete == args.listings
            else f" (more than {args.listings:,}: --reset to shrink)"
        )
        say(f"{complete:,} bench listings present{extra}: nothing to generate")
        if migrated and complete:
            finish(conn, clock)
        return

    meta_set(conn, "seed", args.seed)
    conn.execute(CITY_SQL)
    cities = conn.execute("SELECT count(*) FROM bench.city").fetchone()[0]
    say(f"{clock()}  {cities:,} gazetteer cities to cluster around")

    categories = dict(conn.execute("SELECT slug, id FROM directory_category").fetchall())
    from psycopg.types.json import Jsonb

    theme_categories = {
        theme: [categories[slug] for slug in slugs]
        for theme, slugs in pools.THEME_CATEGORIES.items()
    }
    params = {
        "pools": Jsonb(pools.pools()),
        "kinds": list(pools.KINDS),
        "kind_thresholds": cumulative(pools.KIND_WEIGHTS),
        "themes": list(pools.THEMES),
        "theme_thresholds": cumulative(pools.THEME_WEIGHTS),
        "precisions": list(PRECISIONS),
        "precision_thresholds": list(PRECISION_THRESHOLDS),
        "statuses": list(STATUSES),
        "status_thresholds": list(STATUS_THRESHOLDS),
        "access_names": [name for name, _ in pools.ACCESS],
        "access_probs": [prob for _, prob in pools.ACCESS],
        "theme_categories": Jsonb(theme_categories),
        "all_categories": sorted(id_ for ids in theme_categories.values() for id_ in ids),
        "need_kinds": list(pools.NEED_KINDS),
    }

    existing = conn.execute("SELECT count(*) FROM directory_listing").fetchone()[0]
    to_make = args.listings - complete
    bulk = to_make >= max(existing, 50_000)
    if bulk:
        drop_indexes(conn, clock)

    say(
        f"{clock()}  generating listings {complete + 1:,}..{args.listings:,} "
        f"({WORKERS} workers, chunks of {CHUNK:,})"
    )
    started = time.perf_counter()
    totals: dict[str, int] = {}
    seconds: dict[str, float] = {}
    done = 0
    ranges = [
        (lo, min(lo + CHUNK - 1, args.listings))
        for lo in range(complete + 1, args.listings + 1, CHUNK)
    ]
    # Chunks finish out of order; `complete` only moves past a chunk once all before it are in.
    finished: set[int] = set()
    frontier = complete
    with ThreadPoolExecutor(WORKERS) as pool:
        futures = {pool.submit(generate_chunk, lo, hi, params): (lo, hi) for lo, hi in ranges}
        try:
            for future in as_completed(futures):
                lo, hi = futures[future]
                for name, (count, spent) in future.result().items():
                    totals[name] = totals.get(name, 0) + count
                    seconds[name] = seconds.get(name, 0.0) + spent
                done += hi - lo + 1
                finished.add(lo)
                while frontier + 1 in finished:
                    frontier = min(frontier + CHUNK, args.listings)
                meta_set(conn, "complete", frontier)
                rate = done / (time.perf_counter() - started)
                say(
                    f"{clock()}    {complete + done:>10,} / {args.listings:,} listings "
                    f"({rate:,.0f}/s, ~{(to_make - done) / rate:.0f}s left)"
                )
        except BaseException:
            for pending in futures:
                pending.cancel()
            raise
    say(
        f"{clock()}  made "
        + ", ".join(f"{count:,} {name} ({seconds[name]:.0f}s)" for name, count in totals.items())
        + f" (seconds summed over {WORKERS} workers)"
    )

    if bulk:
        # The region memberships' trigger (migration 0010) rewrote every new listing once to
        # set its region_ids: compact the table while it has no indexes to rebuild.
        t = time.perf_counter()
        conn.execute("VACUUM FULL directory_listing")
        say(f"{clock()}  VACUUM FULL directory_listing ({time.perf_counter() - t:.1f}s)")
    restore_indexes(conn, clock)
    conn.execute(
        "SELECT setval(pg_get_serial_sequence('directory_listing', 'id'), "
        "(SELECT max(id) FROM directory_listing))"
    )
    # After the tables' statistics (finish): planned on a table that was empty, the rebuild
    # joins the new listings' categories row by row (a 100,000-listing load took > 19 min).
    finish(conn, clock)
    t = time.perf_counter()
    conn.execute("SELECT mapping_tile_rebuild()")
    conn.execute("ANALYZE mapping_tile_point")
    conn.execute("ANALYZE mapping_tile_cell")
    say(f"{clock()}  map tiles' rows and cells rebuilt ({time.perf_counter() - t:.1f}s)")
    total = conn.execute("SELECT count(*) FROM directory_listing").fetchone()[0]
    say(f"{clock()}  done: {total:,} listings in {connection.settings_dict['NAME']}")


if __name__ == "__main__":
    main()

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


# --- SQL ------------------------------------------------------------------------------------

SCHEMA_SQL = """
CREATE SCHEMA IF NOT EXISTS bench;
CREATE TABLE IF NOT EXISTS bench.meta (key text PRIMARY KEY, value text NOT NULL);

-- Uniform [0, 1) from (n, salt): the only source of randomness, a pure function of its inputs.
CREATE OR REPLACE FUNCTION bench.u(n bigint, salt int) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (hashint8extended(n, salt::bigint * 1000003 + {seed}) & 4503599627370495)::float8
         / 4503599627370496.0
$$;
-- An element of a JSON array, chosen by r in [0, 1).
CREATE OR REPLACE FUNCTION bench.pick(arr jsonb, r float8) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT arr ->> floor(r * jsonb_array_length(arr))::int
$$;
-- A summary in language l: "<kind> <theme phrase> <in> <city>. <activity> [<activity>]".
CREATE OR REPLACE FUNCTION bench.summary(p jsonb, l text, kind text, theme text, loc text,
                                         n bigint, salt int) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT left(
    (p -> 'kind_noun' -> l ->> kind) || ' ' || bench.pick(p -> 'theme_desc' -> l -> theme, bench.u(n, salt))
    || ' ' || (p -> 'in' ->> l) || ' ' || loc || '. '
    || bench.pick(p -> 'activity' -> l, bench.u(n, salt + 1))
    || CASE WHEN bench.u(n, salt + 2) < 0.5
            THEN ' ' || bench.pick(p -> 'activity' -> l, bench.u(n, salt + 3)) ELSE '' END,
    300)
$$;
"""

# Gazetteer cities with a sampling weight (population) and a spread. Rebuilt each run; the
# order (GeoNames id) and so the cumulative weights are stable.
CITY_SQL = """
DROP TABLE IF EXISTS bench.city;
CREATE TABLE bench.city AS
WITH c AS (
  SELECT p.geonames_id, p.name, p.country, p.admin1, p.admin1_name, p.timezone,
         p.population::float8 AS population, ST_X(p.point) AS lng, ST_Y(p.point) AS lat, p.point
  FROM directory_place p
  WHERE p.kind = 'city' AND p.population > 0
)
SELECT c.geonames_id, c.name, c.country, c.timezone, c.population, c.lng, c.lat,
       COALESCE(
         (SELECT r.name FROM directory_region r
          WHERE r.level = 'admin1' AND ST_Intersects(r.geom, c.point) ORDER BY r.id LIMIT 1),
         NULLIF(c.admin1_name, ''), '') AS admin1,
       -- core spread in km: ~6 km for a town of 15,000, 2 km for a metropolis
       2 + 4 * (1 - least(1, greatest(0, (log(c.population) - 4) / 3))) AS sigma_km,
       sum(c.population) OVER (ORDER BY c.geonames_id) / sum(c.population) OVER () AS cum_hi
FROM c;
CREATE INDEX ON bench.city (cum_hi);
ANALYZE bench.city;
"""

LISTINGS_SQL = """
INSERT INTO directory_listing (
  id, kind, name, slug,
  summary, summary_es, summary_pt, summary_fr, summary_en,
  description, description_es, description_pt, description_fr, description_en,
  eligibility_notes, opening_hours_notes, original_language, location, location_precision,
  street_address, locality, admin1, postal_code, country, timezone, languages, access,
  ownership_model, legal_form, member_count, founded_year, status, moderation_note,
  verified_on, last_confirmed_at, emergency_hidden_at, emergency_hidden_reason,
  hidden_by_reports, created_at, updated_at)
SELECT
  t.n, t.kind, t.name, 'bench-' || t.n,
  t.s_en, t.s_es, t.s_pt, t.s_fr, t.s_en,
  CASE WHEN t.lang = 'en' THEN t.descr ELSE '' END,
  CASE WHEN t.lang = 'es' THEN t.descr ELSE '' END,
  CASE WHEN t.lang = 'pt' THEN t.descr ELSE '' END,
  CASE WHEN t.lang = 'fr' THEN t.descr ELSE '' END,
  CASE WHEN t.lang = 'en' THEN t.descr ELSE '' END,
  '', '', t.lang, t.location, t.precision,
  t.street, t.locality, t.admin1, t.postal_code, t.country, t.timezone, t.languages, t.access,
  t.ownership, '', t.members, t.founded, t.status, '',
  t.verified_on, t.confirmed, t.emergency, '', t.reported,
  t.confirmed - bench.u(t.n, 14) * interval '1500 days',
  t.confirmed + bench.u(t.n, 15) * (now() - t.confirmed)
FROM (
  SELECT s.*,
    left(concat_ws(' ',
      bench.pick(p.p -> 'prefix' -> s.lang -> s.kind, bench.u(s.n, 20)),
      bench.pick(p.p -> 'theme_name' -> s.lang -> s.theme, bench.u(s.n, 21)),
      bench.pick(p.p -> 'flourish' -> s.lang, bench.u(s.n, 22)),
      CASE WHEN bench.u(s.n, 23) < 0.3 THEN s.locality END), 200) AS name,
    CASE WHEN s.lang = 'es' OR bench.u(s.n, 30) < 0.12
         THEN bench.summary(p.p, 'es', s.kind, s.theme, s.locality, s.n, 31) ELSE '' END AS s_es,
    CASE WHEN s.lang = 'pt' OR bench.u(s.n, 35) < 0.05
         THEN bench.summary(p.p, 'pt', s.kind, s.theme, s.locality, s.n, 36) ELSE '' END AS s_pt,
    CASE WHEN s.lang = 'fr' OR bench.u(s.n, 40) < 0.08
         THEN bench.summary(p.p, 'fr', s.kind, s.theme, s.locality, s.n, 41) ELSE '' END AS s_fr,
    CASE WHEN s.lang = 'en' OR bench.u(s.n, 45) < 0.35
         THEN bench.summary(p.p, 'en', s.kind, s.theme, s.locality, s.n, 46) ELSE '' END AS s_en,
    CASE WHEN bench.u(s.n, 50) < 0.5
         THEN bench.pick(p.p -> 'activity' -> s.lang, bench.u(s.n, 51)) || ' '
              || bench.pick(p.p -> 'activity' -> s.lang, bench.u(s.n, 52))
         ELSE '' END AS descr,
    ST_SetSRID(ST_MakePoint(
      greatest(-179.999, least(179.999,
        s.city_lng + s.r_km * cos(s.theta) / (111.32 * cos(radians(s.city_lat))))),
      greatest(-89.9, least(89.9, s.city_lat + s.r_km * sin(s.theta) / 111.32))), 4326) AS location,
    CASE WHEN bench.u(s.n, 53) < 0.7
         THEN (1 + floor(bench.u(s.n, 54) * 2000))::int || ' ' || bench.pick(p.p -> 'streets', bench.u(s.n, 55))
         ELSE '' END AS street,
    CASE WHEN s.country = 'US' THEN lpad(floor(bench.u(s.n, 56) * 99999)::int::text, 5, '0')
         ELSE '' END AS postal_code,
    array_remove(ARRAY[s.lang, s.second,
      CASE WHEN bench.u(s.n, 57) < 0.1 AND s.lang <> 'en' AND s.second IS DISTINCT FROM 'en'
           THEN 'en' END], NULL)::varchar(16)[] AS languages,
    ARRAY(SELECT a.f FROM unnest(%(access_names)s::text[], %(access_probs)s::float8[])
                          WITH ORDINALITY AS a(f, prob, i)
          WHERE bench.u(s.n, 100 + a.i::int) < a.prob)::varchar(32)[] AS access,
    CASE WHEN s.kind = 'cooperative' THEN bench.pick(p.p -> 'ownership', bench.u(s.n, 58)) ELSE '' END AS ownership,
    CASE WHEN s.kind = 'cooperative' THEN 5 + floor(bench.u(s.n, 59) ^ 3 * 2000)::int END AS members,
    CASE WHEN bench.u(s.n, 60) < 0.6 THEN 1950 + floor(bench.u(s.n, 61) * 76)::int END AS founded,
    CASE WHEN s.status = 'published' AND bench.u(s.n, 10) < 0.3
         THEN current_date - floor(bench.u(s.n, 62) * 700)::int END AS verified_on,
    now() - bench.u(s.n, 11) ^ 2 * interval '400 days' AS confirmed,
    CASE WHEN bench.u(s.n, 12) < 0.002 THEN now() - interval '3 days' END AS emergency,
    bench.u(s.n, 13) < 0.003 AS reported
  FROM (
    SELECT g.n, c.name AS locality, c.admin1, c.country, c.timezone,
      c.lng AS city_lng, c.lat AS city_lat,
      -- 80 %% around the centre, 20 %% in a ring four times wider (suburbs, countryside)
      CASE WHEN bench.u(g.n, 2) < 0.8 THEN c.sigma_km ELSE 4 * c.sigma_km END
        * sqrt(-2 * ln(1 - bench.u(g.n, 3))) AS r_km,
      2 * pi() * bench.u(g.n, 4) AS theta,
      (%(kinds)s::text[])[width_bucket(bench.u(g.n, 5), %(kind_thresholds)s::float8[]) + 1] AS kind,
      (%(themes)s::text[])[width_bucket(bench.u(g.n, 6), %(theme_thresholds)s::float8[]) + 1] AS theme,
      CASE WHEN c.country = 'US' AND bench.u(g.n, 7) < 0.2 THEN 'es'
           WHEN c.country = 'CA' AND bench.u(g.n, 7) < 0.25 THEN 'fr'
           ELSE COALESCE(pp.p -> 'country_language' ->> c.country, 'en') END AS lang,
      CASE WHEN bench.u(g.n, 63) < 0.3 THEN
        CASE WHEN c.country = 'US' AND bench.u(g.n, 7) < 0.2 THEN 'en'
             ELSE COALESCE(pp.p -> 'second_language' ->> c.country,
                           CASE WHEN c.country IN ('US', 'CA') OR NOT pp.p -> 'country_language' ? c.country
                                THEN 'es' ELSE 'en' END) END END AS second,
      (%(precisions)s::text[])[width_bucket(bench.u(g.n, 8), %(precision_thresholds)s::float8[]) + 1] AS precision,
      (%(statuses)s::text[])[width_bucket(bench.u(g.n, 9), %(status_thresholds)s::float8[]) + 1] AS status
    FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g(n)
    CROSS JOIN (SELECT %(pools)s::jsonb AS p) pp
    CROSS JOIN LATERAL (
      SELECT * FROM bench.city b WHERE b.cum_hi > bench.u(g.n, 1) ORDER BY b.cum_hi LIMIT 1
    ) c
  ) s
  CROSS JOIN (SELECT %(pools)s::jsonb AS p) p
) t
"""

CATEGORIES_SQL = """
INSERT INTO directory_listing_categories (listing_id, category_id)
SELECT DISTINCT x.n, x.category_id FROM (
  -- one or two categories of the listing's theme, sometimes one of any other theme
  SELECT g.n, (tc.c ->> floor(bench.u(g.n, 64) * jsonb_array_length(tc.c))::int)::bigint AS category_id
  FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g(n)
  CROSS JOIN LATERAL (SELECT %(theme_categories)s::jsonb
    -> (%(themes)s::text[])[width_bucket(bench.u(g.n, 6), %(theme_thresholds)s::float8[]) + 1] AS c) tc
  UNION ALL
  SELECT g.n, (tc.c ->> floor(bench.u(g.n, 66) * jsonb_array_length(tc.c))::int)::bigint
  FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g(n)
  CROSS JOIN LATERAL (SELECT %(theme_categories)s::jsonb
    -> (%(themes)s::text[])[width_bucket(bench.u(g.n, 6), %(theme_thresholds)s::float8[]) + 1] AS c) tc
  WHERE bench.u(g.n, 65) < 0.3
  UNION ALL
  SELECT g.n, (%(all_categories)s::bigint[])[1 + floor(bench.u(g.n, 68) * cardinality(%(all_categories)s::bigint[]))::int]
  FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g(n)
  WHERE bench.u(g.n, 67) < 0.15
) x
"""

# A third of the listings publish weekly hours (weekdays, Monday to Saturday or every day);
# a few run past midnight.
OPENING_SQL = """
INSERT INTO directory_openingperiod (listing_id, weekday, opens, closes)
SELECT g.n, d.day,
  CASE WHEN bench.u(g.n, 72) < 0.05 THEN time '20:00'
       ELSE make_time(8 + floor(bench.u(g.n, 73) * 3)::int, 30 * floor(bench.u(g.n, 74) * 2)::int, 0) END,
  CASE WHEN bench.u(g.n, 72) < 0.05 THEN time '06:00'
       ELSE make_time(14 + floor(bench.u(g.n, 75) * 7)::int, 0, 0) END
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g(n)
CROSS JOIN LATERAL generate_series(1, (ARRAY[5, 5, 5, 6, 7])[1 + floor(bench.u(g.n, 71) * 5)::int]) AS d(day)
WHERE bench.u(g.n, 70) < 0.35
"""

# A quarter of the listings post 1-3 needs; some ended already, some are fulfilled or closed.
NEEDS_SQL = """
INSERT INTO directory_need (
  listing_id, kind, title, title_es, title_pt, title_fr, title_en,
  description, description_es, description_pt, description_fr, description_en,
  original_language, skills, quantity, unit, urgency, starts_on, ends_on, status,
  last_confirmed_at, created_at, updated_at)
SELECT x.listing_id, x.kind, x.title,
  CASE WHEN x.lang = 'es' THEN x.title ELSE '' END,
  CASE WHEN x.lang = 'pt' THEN x.title ELSE '' END,
  CASE WHEN x.lang = 'fr' THEN x.title ELSE '' END,
  CASE WHEN x.lang = 'en' THEN x.title ELSE '' END,
  '', '', '', '', '',
  x.lang,
  CASE WHEN x.kind IN ('volunteers', 'skills') THEN ARRAY(
    SELECT DISTINCT %(pools)s::jsonb -> 'skills' ->> floor(bench.u(x.m, 80 + j) * 14)::int
    FROM generate_series(1, 1 + floor(bench.u(x.m, 79) * 3)::int) j ORDER BY 1)::varchar(50)[]
  ELSE '{}'::varchar(50)[] END,
  CASE x.kind WHEN 'money' THEN 100 + floor(bench.u(x.m, 84) * 5000)::int
              WHEN 'food' THEN 10 + floor(bench.u(x.m, 84) * 200)::int END,
  CASE x.kind WHEN 'money' THEN 'USD' WHEN 'food' THEN 'kg' ELSE '' END,
  (ARRAY['low', 'normal', 'urgent'])[width_bucket(bench.u(x.m, 74), ARRAY[0.25, 0.8]::float8[]) + 1],
  x.starts_on,
  CASE WHEN bench.u(x.m, 76) < 0.5 THEN NULL ELSE x.starts_on + floor(bench.u(x.m, 77) * 120)::int END,
  (ARRAY['open', 'fulfilled', 'closed'])[width_bucket(bench.u(x.m, 78), ARRAY[0.8, 0.92]::float8[]) + 1],
  now() - bench.u(x.m, 81) * interval '120 days',
  x.starts_on::timestamptz,
  now() - bench.u(x.m, 82) * interval '30 days'
FROM (
  SELECT l.id AS listing_id, l.original_language AS lang, l.id * 4 + k AS m,
    (%(need_kinds)s::text[])[1 + floor(bench.u(l.id * 4 + k, 72) * 12)::int] AS kind,
    %(pools)s::jsonb -> 'need_title' -> l.original_language
      ->> floor(bench.u(l.id * 4 + k, 72) * 12)::int AS title,
    current_date - floor(bench.u(l.id * 4 + k, 75) * 60)::int AS starts_on
  FROM directory_listing l
  CROSS JOIN LATERAL generate_series(1, 1 + floor(bench.u(l.id, 91) * 3)::int) AS k
  WHERE l.id BETWEEN %(lo)s AND %(hi)s AND bench.u(l.id, 90) < 0.25
) x
"""

# Region membership as directory.services.regions_for: from the public point; a hidden
# listing only by country and state, from its true point. ST_Intersects uses the GiST index
# of directory_region.
REGIONS_SQL = """
INSERT INTO directory_listing_regions (listing_id, region_id)
SELECT l.id, r.id
FROM directory_listing l
JOIN directory_region r
  ON ST_Intersects(r.geom, CASE WHEN l.location_precision = 'hidden' THEN l.location ELSE l.public_point END)
 AND (l.location_precision <> 'hidden' OR r.level IN ('country', 'admin1'))
WHERE l.id BETWEEN %(lo)s AND %(hi)s AND l.location IS NOT NULL
"""

CHILD_TABLES = (
    "directory_listing_regions",
    "directory_listing_categories",
    "directory_openingperiod",
    "directory_contact",
    "directory_listingmembership",
    "directory_locationaccessgrant",
)


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
    from directory.importers import americas_country_codes, load_gazetteer
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
    load_demo_regions(lambda message: say(f"{clock()}  {message}"))
    if not Place.objects.filter(kind="city").exists():
        load_gazetteer(
            americas_country_codes() | {"US"}, progress=lambda m: say(f"{clock()}  gazetteer: {m}")
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
    t = time.perf_counter()
    conn.execute("SELECT mapping_tile_rebuild()")
    say(f"{clock()}  map tiles' rows and cells rebuilt ({time.perf_counter() - t:.1f}s)")
    finish(conn, clock)
    total = conn.execute("SELECT count(*) FROM directory_listing").fetchone()[0]
    say(f"{clock()}  done: {total:,} listings in {connection.settings_dict['NAME']}")


if __name__ == "__main__":
    main()

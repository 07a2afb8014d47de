"""The statements of bench/generate.py: each a set-based INSERT ... SELECT (or the helper
schema) run by PostgreSQL for a chunk of listings, with the parameters generate.py passes."""

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
  hidden_by_reports, archived_reason, status_before_archive, created_at, updated_at)
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
  t.verified_on, t.confirmed, t.emergency, '', t.reported, '', '',
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

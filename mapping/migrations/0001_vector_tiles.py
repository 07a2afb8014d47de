"""Vector tiles of public listings (docs/decisions/0011-vector-tiles.md): the pre-aggregated
grid cells, the data version, and the SQL functions that build a tile with ST_AsMVT.

Cells are Web Mercator grid squares: at level L the world is 2^L cells wide, so a tile of
zoom z holds the 32 x 32 cells of level z + 5. `mapping_tile_cell` keeps, for levels 5 to
17 (tiles of zoom 0 to 12), the public listings of each cell and kind with the sums of
their Mercator coordinates (the centroid of a cell's public points).
"""

from django.db import migrations

#: Half the width of the Web Mercator world in metres (EPSG:3857).
HALF = "20037508.342789244"
#: Mercator x / y of a 4326 point (the formulas of EPSG:3857, as PostGIS projects them).
MX = f"(ST_X(%(p)s) * {HALF} / 180)"
MY = f"(ln(tan(pi() / 4 + radians(ST_Y(%(p)s)) / 2)) * {HALF} / pi())"
#: The rows anyone may see (Listing.objects.public()) with a public point on the map.
PUBLIC = (
    "l.status = 'published' AND l.emergency_hidden_at IS NULL AND NOT l.hidden_by_reports "
    "AND l.public_point IS NOT NULL AND ST_Y(l.public_point) BETWEEN -85.0511 AND 85.0511"
)


def cell(axis: str, value: str, level: str) -> str:
    """Grid cell index along x or y of a Mercator coordinate at `level`."""
    offset = f"({value} + {HALF})" if axis == "x" else f"({HALF} - {value})"
    return (
        f"LEAST(GREATEST(floor({offset} / (2 * {HALF}) * (2 ^ {level})), 0), "
        f"(2 ^ {level}) - 1)::int"
    )


CELLS_VIEW = f"""
CREATE MATERIALIZED VIEW mapping_tile_cell AS
WITH points AS (
  SELECT l.kind, {MX % {"p": "l.public_point"}} AS mx, {MY % {"p": "l.public_point"}} AS my
  FROM directory_listing l
  WHERE {PUBLIC}
), finest AS (
  SELECT kind, {cell("x", "mx", "17")} AS cx, {cell("y", "my", "17")} AS cy,
         count(*)::int AS n, sum(mx) AS sx, sum(my) AS sy
  FROM points GROUP BY 1, 2, 3
)
SELECT level::smallint AS level, cx >> (17 - level) AS cx, cy >> (17 - level) AS cy, kind,
       sum(n)::int AS n, sum(sx) AS sx, sum(sy) AS sy
FROM finest CROSS JOIN generate_series(5, 17) AS level
GROUP BY 1, 2, 3, 4;
CREATE UNIQUE INDEX mapping_tile_cell_key ON mapping_tile_cell (level, cx, cy, kind);

CREATE TABLE mapping_tile_state (
  id smallint PRIMARY KEY CHECK (id = 1),
  version bigint NOT NULL,
  refreshed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO mapping_tile_state (id, version) VALUES (1, 1);
"""

LISTINGS_FUNCTION = f"""
-- The public listings matching the filters whose public point lies in tile z/x/y, at most
-- `lim` (NULL: all). Inlined by the planner: the bbox runs on listing_public_point_gist.
-- (`access` is also a column: the parameter is named with the function's name.)
CREATE FUNCTION mapping_tile_listings(
  z int, x int, y int, kinds text[], category_path text, need text, access text[],
  today date, lim int
) RETURNS TABLE (id int, slug text, kind text, public_point geometry)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT l.id, l.slug::text, l.kind::text, l.public_point
  FROM directory_listing l
  WHERE l.public_point && ST_Transform(ST_TileEnvelope(z, x, y), 4326)
    AND {PUBLIC}
    AND (kinds IS NULL OR l.kind = ANY (kinds))
    AND (mapping_tile_listings.access IS NULL
         OR l.access @> mapping_tile_listings.access::varchar[])
    AND (category_path IS NULL OR EXISTS (
      SELECT 1 FROM directory_listing_categories lc
      JOIN directory_category c ON c.id = lc.category_id
      WHERE lc.listing_id = l.id AND c.path LIKE category_path || '%'))
    AND (need IS NULL OR EXISTS (
      SELECT 1 FROM directory_need n
      WHERE n.listing_id = l.id AND n.kind = need AND n.status = 'open'
        AND (n.ends_on IS NULL OR n.ends_on >= today)))
  LIMIT lim
$$;
"""

CELLS_FUNCTIONS = f"""
-- Cells of tile z/x/y (z <= 12) from the pre-aggregated view, kinds summed.
CREATE FUNCTION mapping_tile_stored_cells(z int, x int, y int, kinds text[])
RETURNS TABLE (n int, cooperative int, mutual_aid int, community_project int, geom geometry)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT sum(c.n)::int,
         (sum(c.n) FILTER (WHERE c.kind = 'cooperative'))::int,
         (sum(c.n) FILTER (WHERE c.kind = 'mutual_aid'))::int,
         (sum(c.n) FILTER (WHERE c.kind = 'community_project'))::int,
         ST_SetSRID(ST_MakePoint(sum(c.sx) / sum(c.n), sum(c.sy) / sum(c.n)), 3857)
  FROM mapping_tile_cell c
  WHERE c.level = z + 5
    AND c.cx BETWEEN x * 32 AND x * 32 + 31
    AND c.cy BETWEEN y * 32 AND y * 32 + 31
    AND (kinds IS NULL OR c.kind = ANY (kinds))
  GROUP BY c.cx, c.cy
$$;

-- Cells of tile z/x/y counted from the matching listings themselves (filters the view
-- does not hold, or zooms past its finest level), bounded by the tile's envelope.
CREATE FUNCTION mapping_tile_live_cells(
  z int, x int, y int, kinds text[], category_path text, need text, access text[], today date
) RETURNS TABLE (n int, cooperative int, mutual_aid int, community_project int, geom geometry)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT count(*)::int,
         (count(*) FILTER (WHERE p.kind = 'cooperative'))::int,
         (count(*) FILTER (WHERE p.kind = 'mutual_aid'))::int,
         (count(*) FILTER (WHERE p.kind = 'community_project'))::int,
         ST_SetSRID(ST_MakePoint(avg(p.mx), avg(p.my)), 3857)
  FROM (
    SELECT t.kind, {MX % {"p": "t.public_point"}} AS mx, {MY % {"p": "t.public_point"}} AS my
    FROM mapping_tile_listings(z, x, y, kinds, category_path, need, access, today, NULL) t
  ) p
  GROUP BY {cell("x", "p.mx", "(z + 5)")}, {cell("y", "p.my", "(z + 5)")}
$$;
"""

TILE_FUNCTION = """
-- Tile z/x/y as MVT: layer `listings` (points) from zoom 10 up while at most `cap` listings
-- match in it; otherwise layer `cells` (counts per grid cell of level z + 5).
CREATE FUNCTION mapping_tile(
  z int, x int, y int, kinds text[], category_path text, need text, access text[],
  today date, cap int
) RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  envelope geometry := ST_TileEnvelope(z, x, y);
  matching int;
  tile bytea;
BEGIN
  IF z >= 10 THEN
    SELECT count(*) INTO matching FROM mapping_tile_listings(
      z, x, y, kinds, category_path, need, access, today, cap + 1);
    IF matching <= cap THEN
      SELECT ST_AsMVT(t, 'listings', 4096, 'geom') INTO tile FROM (
        SELECT m.id, m.slug, m.kind,
               (SELECT min(c.slug) FROM directory_listing_categories lc
                JOIN directory_category c ON c.id = lc.category_id
                WHERE lc.listing_id = m.id)::text AS category,
               ST_AsMVTGeom(ST_Transform(m.public_point, 3857), envelope, 4096, 64, true) AS geom
        FROM mapping_tile_listings(z, x, y, kinds, category_path, need, access, today, cap) m
      ) t;
      RETURN tile;
    END IF;
  END IF;
  IF z <= 12 AND category_path IS NULL AND need IS NULL AND access IS NULL THEN
    SELECT ST_AsMVT(t, 'cells', 4096, 'geom') INTO tile FROM (
      SELECT s.n AS count, COALESCE(s.cooperative, 0) AS cooperative,
             COALESCE(s.mutual_aid, 0) AS mutual_aid,
             COALESCE(s.community_project, 0) AS community_project,
             ST_AsMVTGeom(s.geom, envelope, 4096, 64, true) AS geom
      FROM mapping_tile_stored_cells(z, x, y, kinds) s
    ) t;
  ELSE
    SELECT ST_AsMVT(t, 'cells', 4096, 'geom') INTO tile FROM (
      SELECT s.n AS count, s.cooperative, s.mutual_aid, s.community_project,
             ST_AsMVTGeom(s.geom, envelope, 4096, 64, true) AS geom
      FROM mapping_tile_live_cells(z, x, y, kinds, category_path, need, access, today) s
    ) t;
  END IF;
  RETURN tile;
END
$$;
"""

DROP = """
DROP FUNCTION IF EXISTS mapping_tile(int, int, int, text[], text, text, text[], date, int);
DROP FUNCTION IF EXISTS mapping_tile_live_cells(int, int, int, text[], text, text, text[], date);
DROP FUNCTION IF EXISTS mapping_tile_stored_cells(int, int, int, text[]);
DROP FUNCTION IF EXISTS mapping_tile_listings(
  int, int, int, text[], text, text, text[], date, int);
DROP TABLE IF EXISTS mapping_tile_state;
DROP MATERIALIZED VIEW IF EXISTS mapping_tile_cell;
"""


class Migration(migrations.Migration):
    initial = True

    dependencies = [("directory", "0013_audit_actions_resubmit_fulfil")]

    operations = [
        migrations.RunSQL(
            CELLS_VIEW + LISTINGS_FUNCTION + CELLS_FUNCTIONS + TILE_FUNCTION, DROP
        ),
    ]

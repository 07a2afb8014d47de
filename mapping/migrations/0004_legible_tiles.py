"""Tiles a map can draw legibly (docs/decisions/0014-legible-map.md).

- A tile of zoom z counts the listings of its 8 x 8 cells of level z + 3 (32 px apart on a
  256 px tile), summed at request time from the stored cells of `mapping_tile_cell`: the
  32 x 32 cells of the tile of zoom z - 2 are exactly those cells (zoom 0-1 sum their own
  finer cells). Stored rows answer every listing up to zoom 14, one facet up to zoom 11;
  other tiles count the matching points of `mapping_tile_point` per cell.
- Each tile also carries the cells of the ring around it (one cell wide) whose feature lies
  within `BUFFER_PX` of its edge: a canvas tile then draws the parts of its neighbours'
  symbols that overlap it. Cells are global (level z + 3), so a feature in two tiles is the
  same feature (same count, same point, same id: `(cy << level) + cx`). The ring does not
  wrap around the antimeridian.
- Layer `cells`: a feature per cell with listings (`count` and one count per kind), at the
  centroid of what it counts drawn into the middle of its cell: at least `MARGIN_PX` from
  the cell's sides, so that two counts are never closer than 2 * `MARGIN_PX`; a cell of one
  listing is at its point. From zoom 10 only cells of two listings or more.
- Layer `listings` (zoom 10 up): a cell holding a single listing is that listing's point
  (`id`, `slug`, `kind`, `category`). A tile holds at most 100 features; no cap decides
  between the layers.
"""

from importlib import import_module

from django.db import migrations

reads = import_module("mapping.migrations.0003_tile_reads")

HALF = "20037508.342789244"
#: Pixels around a tile whose features it carries (the largest symbol's radius and stroke).
BUFFER_PX = 12
#: Cells are 32 px a side; a count is drawn at least this far from its cell's sides.
CELL_PX, MARGIN_PX = 32, 11
#: Zooms whose aggregates read stored cells (of the zoom two below): plain 14, a facet 11.
PLAIN_MAX_ZOOM, FACET_MAX_ZOOM = 14, 11
KINDS = ("cooperative", "mutual_aid", "community_project")
LIVE_KIND_COUNTS = ", ".join(
    f"(count(*) FILTER (WHERE p.kind = ''{kind}''))::int AS {kind}" for kind in KINDS
)
STORED_KIND_COUNTS = ", ".join(
    f"(coalesce(sum(r.n) FILTER (WHERE r.kind = '{kind}'), 0))::int AS {kind}" for kind in KINDS
)
OPEN_NEED = reads.OPEN_NEED

FORWARD = f"""
DROP FUNCTION mapping_tile(int, int, int, text[], text, text, text[], date, int);
DROP FUNCTION mapping_tile_live_sql(text, int, int, int, text[], text[], text, date, int);

-- The stored tiles of zoom `s` (32 cells a side) covering cells lo..hi of level s + 5, with
-- the range of their local cells.
CREATE FUNCTION mapping_tile_spans(lo int, hi int)
RETURNS TABLE (t int, first int, last int) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT k, CASE WHEN k = lo >> 5 THEN lo & 31 ELSE 0 END,
         CASE WHEN k = hi >> 5 THEN hi & 31 ELSE 31 END
  FROM generate_series(lo >> 5, hi >> 5) k
$$;

-- Where the feature of cell (cx, cy) of `level` goes: the centroid (mx, my) of its `n`
-- points, moved into the middle of the cell when it counts more than one.
CREATE FUNCTION mapping_tile_place(
  level int, cx int, cy int, mx double precision, my double precision, n int
) RETURNS geometry LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ST_SetSRID(CASE WHEN n = 1 THEN ST_MakePoint(mx, my) ELSE ST_MakePoint(
    least(greatest(mx, -{HALF} + (cx + k.m) * k.side), -{HALF} + (cx + 1 - k.m) * k.side),
    least(greatest(my, {HALF} - (cy + 1 - k.m) * k.side), {HALF} - (cy + k.m) * k.side))
    END, 3857)
  FROM (SELECT 2 * {HALF} / (1 << level) AS side, {MARGIN_PX}.0 / {CELL_PX} AS m) k
$$;

-- The statement counting, per cell of level z + 3 in tile z/x/y and its ring, the points
-- matching the filters (inlined: each call is planned for its own values). For a cell of
-- one listing, that listing's columns.
CREATE FUNCTION mapping_tile_live_sql(
  z int, x int, y int, kinds text[], wanted text[], live_need text, today date
) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  level int := z + 3;
  last int := (1 << (z + 3)) - 1;
  filters text := format(
    'p.geom && ST_TileEnvelope(%s, %s, %s, margin => 0.125)', z, x, y);
BEGIN
  IF kinds IS NOT NULL THEN
    filters := filters || format(' AND p.kind = ANY (%L::text[])', kinds);
  END IF;
  IF cardinality(wanted) > 0 THEN
    filters := filters || format(' AND p.facets @> %L::text[]', wanted);
  END IF;
  IF live_need IS NOT NULL THEN
    filters := filters || ' AND ' || format('{OPEN_NEED}', live_need, today);
  END IF;
  RETURN format(
    'SELECT p.gx >> %1$s AS cx, p.gy >> %1$s AS cy, count(*)::int AS n, {LIVE_KIND_COUNTS}, '
    'avg(ST_X(p.geom)) AS mx, avg(ST_Y(p.geom)) AS my, min(p.listing_id) AS id, '
    'min(p.slug) AS slug, min(p.kind) AS kind, min(p.category) AS category '
    'FROM mapping_tile_point p WHERE %2$s '
    'AND p.gx >> %1$s BETWEEN %3$s AND %4$s AND p.gy >> %1$s BETWEEN %5$s AND %6$s '
    'GROUP BY 1, 2',
    25 - level, filters, greatest(8 * x - 1, 0), least(8 * x + 8, last),
    greatest(8 * y - 1, 0), least(8 * y + 8, last));
END
$$;

-- Tile z/x/y as MVT: layer `cells` (counts per cell of level z + 3, at their centroid; from
-- zoom 10 cells of two listings or more) and layer `listings` (from zoom 10, the listing of
-- a cell that holds only one), with the features of the ring within the buffer.
CREATE FUNCTION mapping_tile(
  z int, x int, y int, kinds text[], category_path text, need text, access text[],
  today date
) RETURNS bytea LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  level int := z + 3;
  lo_x int := greatest(8 * x - 1, 0);
  hi_x int := least(8 * x + 8, (1 << (z + 3)) - 1);
  lo_y int := greatest(8 * y - 1, 0);
  hi_y int := least(8 * y + 8, (1 << (z + 3)) - 1);
  size double precision := 2 * {HALF} / (1 << (z + 3));
  stored int := greatest(z - 2, 0);
  shift int := greatest(z - 2, 0) + 2 - z;
  live_need text;
  wanted text[];
  wanted_facet text;
  stored_max int := -1;
  tile bytea;
BEGIN
  IF need IS NOT NULL AND NOT (SELECT s.needs_on = today FROM mapping_tile_state s) THEN
    live_need := need;
  END IF;
  wanted := ARRAY(
    SELECT DISTINCT f FROM (
      SELECT 'c:' || category_path WHERE category_path IS NOT NULL
      UNION ALL SELECT 'a:' || a FROM unnest(access) a
      UNION ALL SELECT 'n:' || need WHERE need IS NOT NULL AND live_need IS NULL
    ) w(f) ORDER BY f);
  IF live_need IS NULL AND cardinality(wanted) <= 1 THEN
    wanted_facet := coalesce(wanted[1], '');
    stored_max := CASE WHEN wanted_facet = '' THEN {PLAIN_MAX_ZOOM} ELSE {FACET_MAX_ZOOM} END;
  END IF;
  IF z <= stored_max THEN
    WITH agg AS MATERIALIZED (
      SELECT r.cx, r.cy, sum(r.n)::int AS n, {STORED_KIND_COUNTS},
             sum(r.sx) / sum(r.n) AS mx, sum(r.sy) / sum(r.n) AS my
      FROM (
        SELECT (ax.t * 32 + (c.cell & 31)) >> shift AS cx,
               (ay.t * 32 + (c.cell >> 5)) >> shift AS cy, c.kind, c.n, c.sx, c.sy
        FROM mapping_tile_spans(lo_x << shift, ((hi_x + 1) << shift) - 1) ax
        CROSS JOIN mapping_tile_spans(lo_y << shift, ((hi_y + 1) << shift) - 1) ay
        CROSS JOIN LATERAL (
          SELECT c.cell, c.kind, c.n, c.sx, c.sy FROM mapping_tile_cell c
          WHERE c.zoom = stored AND c.tx = ax.t AND c.ty = ay.t AND c.facet = wanted_facet
            AND c.cell BETWEEN ay.first * 32 + ax.first AND ay.last * 32 + ax.last
            AND (c.cell & 31) BETWEEN ax.first AND ax.last
            AND (kinds IS NULL OR c.kind = ANY (kinds))
        ) c
      ) r
      GROUP BY r.cx, r.cy
      HAVING sum(r.n) > 0
    ), lone AS (
      SELECT p.listing_id AS id, p.slug, p.kind, p.category, p.geom
      FROM agg a CROSS JOIN LATERAL (
        SELECT p.* FROM mapping_tile_point p
        WHERE p.geom && ST_MakeEnvelope(
                -{HALF} + a.cx * size, {HALF} - (a.cy + 1) * size,
                -{HALF} + (a.cx + 1) * size, {HALF} - a.cy * size, 3857)
          AND p.gx >> (25 - level) = a.cx AND p.gy >> (25 - level) = a.cy
          AND (kinds IS NULL OR p.kind = ANY (kinds))
          AND (wanted_facet = '' OR p.facets @> ARRAY[wanted_facet])
        LIMIT 1
      ) p
      WHERE a.n = 1 AND z >= 10
    )
    SELECT coalesce((
      SELECT ST_AsMVT(t, 'cells', 4096, 'geom', 'fid') FROM (
        SELECT (a.cy::bigint << level) + a.cx AS fid, a.n AS count, a.cooperative,
               a.mutual_aid, a.community_project,
               ST_AsMVTGeom(mapping_tile_place(level, a.cx, a.cy, a.mx, a.my, a.n),
                            ST_TileEnvelope(z, x, y), 4096, {BUFFER_PX * 16}, true) AS geom
        FROM agg a WHERE a.n > 1 OR z < 10) t), ''::bytea)
      || coalesce((
      SELECT ST_AsMVT(t, 'listings', 4096, 'geom') FROM (
        SELECT l.id, l.slug, l.kind, l.category,
               ST_AsMVTGeom(l.geom, ST_TileEnvelope(z, x, y), 4096, {BUFFER_PX * 16}, true)
                 AS geom
        FROM lone l) t), ''::bytea)
    INTO tile;
    RETURN tile;
  END IF;
  EXECUTE format(
    'WITH agg AS MATERIALIZED (%s) '
    'SELECT coalesce(('
    '  SELECT ST_AsMVT(t, ''cells'', 4096, ''geom'', ''fid'') FROM ('
    '    SELECT (a.cy::bigint << %s) + a.cx AS fid, a.n AS count, a.cooperative, '
    '           a.mutual_aid, a.community_project, '
    '           ST_AsMVTGeom(mapping_tile_place(%s, a.cx, a.cy, a.mx, a.my, a.n), '
    '                        ST_TileEnvelope(%s, %s, %s), 4096, {BUFFER_PX * 16}, true) AS geom '
    '    FROM agg a WHERE a.n > 1 OR %s < 10) t), ''''::bytea) '
    '|| coalesce(('
    '  SELECT ST_AsMVT(t, ''listings'', 4096, ''geom'') FROM ('
    '    SELECT a.id, a.slug, a.kind, a.category, '
    '           ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(a.mx, a.my), 3857), '
    '                        ST_TileEnvelope(%s, %s, %s), 4096, {BUFFER_PX * 16}, true) AS geom '
    '    FROM agg a WHERE a.n = 1 AND %s >= 10) t), ''''::bytea)',
    mapping_tile_live_sql(z, x, y, kinds, wanted, live_need, today),
    level, level, z, x, y, z, z, x, y, z)
  INTO tile;
  RETURN tile;
END
$$;
"""  # noqa: S608 (constants only)

BACKWARD = (
    """
DROP FUNCTION IF EXISTS mapping_tile(int, int, int, text[], text, text, text[], date);
DROP FUNCTION IF EXISTS mapping_tile_live_sql(int, int, int, text[], text[], text, date);
DROP FUNCTION IF EXISTS mapping_tile_spans(int, int);
DROP FUNCTION IF EXISTS mapping_tile_place(int, int, int, double precision, double precision, int);
"""
    + reads.FORWARD
)


class Migration(migrations.Migration):
    dependencies = [("mapping", "0003_tile_reads")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]

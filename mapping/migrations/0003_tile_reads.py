"""The tile of z/x/y from `mapping_tile_point` and `mapping_tile_cell` (migration 0002;
docs/decisions/0013-incremental-tile-cells.md).

- Wanted facets: `c:<path>` for a category (its sub-categories included: a listing's facets
  hold every ancestor of its categories), `a:<fact>` for each access fact (all required),
  `n:<kind>` for a need while the stored needs are those of `today`.
- Stored rows answer a tile when at most one facet is wanted and needs are current: cells of
  zoom 0-12 without facets, 0-9 with one; a point tile of zoom 10-17 (14 with a facet) reads
  its own count from one stored cell of the zoom five below before building anything.
- Otherwise the matching points are read once from the tile's envelope (GiST on the
  Mercator point, GIN on the facets): a point tile takes at most `cap + 1` of them and is
  built from those same rows; cells are counted from the rows of the tile.
"""

from django.db import migrations

OPEN_NEED = (
    "EXISTS (SELECT 1 FROM directory_need n WHERE n.listing_id = p.listing_id "
    "AND n.kind = %L AND n.status = ''open'' AND (n.ends_on IS NULL OR n.ends_on >= %L::date))"
)
KIND_COUNTS = ", ".join(
    f"(count(*) FILTER (WHERE p.kind = ''{kind}''))::int AS {kind}"
    for kind in ("cooperative", "mutual_aid", "community_project")
)
STORED_KIND_COUNTS = ", ".join(
    f"coalesce(sum(c.n) FILTER (WHERE c.kind = '{kind}'), 0)::int AS {kind}"
    for kind in ("cooperative", "mutual_aid", "community_project")
)

FORWARD = f"""
-- The statement reading the matching points of tile z/x/y ('points': at most `lim` rows)
-- or counting them per cell ('cells'), with the filters inlined: each call is planned
-- for its own filters.
CREATE FUNCTION mapping_tile_live_sql(
  mode text, z int, x int, y int, kinds text[], wanted text[], live_need text, today date,
  lim int
) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  filters text := format('p.geom && ST_TileEnvelope(%s, %s, %s)', z, x, y);
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
  IF mode = 'points' THEN
    RETURN format(
      'SELECT p.listing_id AS id, p.slug, p.kind, p.category, p.geom '
      'FROM mapping_tile_point p WHERE %s LIMIT %s', filters, lim);
  END IF;
  RETURN format(
    'SELECT ((p.gy >> %1$s) & 31) * 32 + ((p.gx >> %1$s) & 31) AS cell, '
    'count(*)::int AS n, {KIND_COUNTS}, avg(ST_X(p.geom)) AS mx, avg(ST_Y(p.geom)) AS my '
    'FROM mapping_tile_point p WHERE %2$s AND p.gx >> %3$s = %4$s AND p.gy >> %3$s = %5$s '
    'GROUP BY 1', 20 - z, filters, 25 - z, x, y);
END
$$;

-- Tile z/x/y as MVT: layer `listings` from zoom 10 while at most `cap` listings match in
-- it, otherwise layer `cells` (counts per cell of the tile's 32 x 32 grid).
CREATE FUNCTION mapping_tile(
  z int, x int, y int, kinds text[], category_path text, need text, access text[],
  today date, cap int
) RETURNS bytea LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  envelope geometry := ST_TileEnvelope(z, x, y);
  live_need text;
  wanted text[];
  wanted_facet text;
  stored_max int := -1;
  matching bigint;
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
    stored_max := CASE WHEN wanted_facet = '' THEN 12 ELSE 9 END;
  END IF;
  IF z >= 10 THEN
    IF z - 5 <= stored_max THEN
      SELECT coalesce(sum(c.n), 0) INTO matching FROM mapping_tile_cell c
      WHERE c.zoom = z - 5 AND c.tx = x >> 5 AND c.ty = y >> 5 AND c.facet = wanted_facet
        AND c.cell = (y & 31) * 32 + (x & 31) AND (kinds IS NULL OR c.kind = ANY (kinds));
      IF matching = 0 THEN
        RETURN ''::bytea;
      END IF;
    END IF;
    IF matching IS NULL OR matching <= cap THEN
      EXECUTE format(
        'WITH m AS MATERIALIZED (%s) SELECT (SELECT count(*) FROM m), '
        '(SELECT ST_AsMVT(t, ''listings'', 4096, ''geom'') FROM ('
        '  SELECT m.id, m.slug, m.kind, m.category, '
        '         ST_AsMVTGeom(m.geom, ST_TileEnvelope(%s, %s, %s), 4096, 64, true) AS geom '
        '  FROM m) t)',
        mapping_tile_live_sql('points', z, x, y, kinds, wanted, live_need, today, cap + 1),
        z, x, y)
      INTO matching, tile;
      IF matching <= cap THEN
        RETURN tile;
      END IF;
    END IF;
  END IF;
  IF z <= stored_max THEN
    SELECT ST_AsMVT(t, 'cells', 4096, 'geom') INTO tile FROM (
      SELECT sum(c.n)::int AS count, {STORED_KIND_COUNTS},
             ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(sum(c.sx) / sum(c.n), sum(c.sy) / sum(c.n)),
                                     3857), envelope, 4096, 64, true) AS geom
      FROM mapping_tile_cell c
      WHERE c.zoom = z AND c.tx = x AND c.ty = y AND c.facet = wanted_facet
        AND (kinds IS NULL OR c.kind = ANY (kinds))
      GROUP BY c.cell
    ) t;
  ELSE
    EXECUTE format(
      'SELECT ST_AsMVT(t, ''cells'', 4096, ''geom'') FROM ('
      '  SELECT s.n AS count, s.cooperative, s.mutual_aid, s.community_project, '
      '         ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(s.mx, s.my), 3857), '
      '                      ST_TileEnvelope(%s, %s, %s), 4096, 64, true) AS geom '
      '  FROM (%s) s) t',
      z, x, y, mapping_tile_live_sql('cells', z, x, y, kinds, wanted, live_need, today, NULL))
    INTO tile;
  END IF;
  RETURN tile;
END
$$;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS mapping_tile(int, int, int, text[], text, text, text[], date, int);
DROP FUNCTION IF EXISTS mapping_tile_live_sql(
  text, int, int, int, text[], text[], text, date, int);
"""


class Migration(migrations.Migration):
    dependencies = [("mapping", "0002_incremental_tile_cells")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]

"""Tejido's own basemap: vector tiles of land, boundaries and place names built from the
regions and the gazetteer (docs/decisions/0022-own-basemap.md; contract in `mapping.basemap`).

- `mapping_basemap_shape`: the land (the union of the countries) and the boundary lines
  (each level's lines that are not on its own outer edge: borders, not coasts), simplified
  for each zoom band (`band` = the zoom, 12 for 12 and above; a tolerance of one pixel of
  that zoom) and cut into pieces of at most 256 vertices (`ST_Subdivide`), with a GiST index
  on (band, geom) (btree_gist): a tile reads its own band's pieces in its envelope only.
  Country borders at every zoom, states and provinces (admin1) from zoom 3, counties (admin2)
  from zoom 7.
- `mapping_basemap_label`: country labels (zoom 0-6, from their size: the largest
  component's inscribed circle) and cities (from the population: 5M zoom 3, 1M zoom 5, 200k
  zoom 7, 50k zoom 9, every city from zoom 10), with their names per language (`names`, a
  JSON object; the gazetteer's name where none), a rank (1: the largest) and a tier (1-5:
  how large a city or country is, for the lettering).
- `mapping_basemap_rebuild()` fills both from `directory_region` and `directory_place` and
  bumps `mapping_basemap_state.version` (called by `manage.py refresh_basemap` and whenever
  regions or the gazetteer are loaded); `mapping_basemap_tile(z, x, y, lang)` builds a tile.
"""

from django.db import migrations

#: The zoom band of a tile: one band per zoom up to 11, one for zoom 12 and above.
LAST_BAND = 12

SQL = f"""
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE mapping_basemap_state (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  version bigint NOT NULL DEFAULT 1
);
INSERT INTO mapping_basemap_state DEFAULT VALUES;

CREATE TABLE mapping_basemap_shape (
  id bigserial PRIMARY KEY,
  band smallint NOT NULL,
  layer text NOT NULL CHECK (layer IN ('land', 'boundaries')),
  level text NOT NULL DEFAULT '',
  geom geometry(Geometry, 3857) NOT NULL
);
CREATE INDEX mapping_basemap_shape_band_geom ON mapping_basemap_shape USING gist (band, geom);

CREATE TABLE mapping_basemap_label (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('country', 'city')),
  min_zoom smallint NOT NULL,
  max_zoom smallint NOT NULL,
  rank integer NOT NULL,
  tier smallint NOT NULL,
  name text NOT NULL,
  names jsonb NOT NULL DEFAULT '{{}}',
  geom geometry(Point, 3857) NOT NULL
);
CREATE INDEX mapping_basemap_label_zoom_geom
  ON mapping_basemap_label USING gist (min_zoom, geom);

-- The band of zoom z (shapes are stored per band).
CREATE FUNCTION mapping_basemap_band(z integer) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT least(greatest(z, 0), {LAST_BAND})::smallint $$;

-- The simplification tolerance of a band, in metres of Web Mercator: one pixel of a 256 px
-- tile at the band's zoom (the last band: at zoom 14).
CREATE FUNCTION mapping_basemap_tolerance(band integer) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT 40075016.68557849 / 256 / 2 ^ (CASE WHEN band >= {LAST_BAND} THEN 14 ELSE band END)
$$;

-- A region's boundary as a valid polygonal geometry in Web Mercator, cut at the latitudes
-- the projection reaches.
CREATE FUNCTION mapping_basemap_mercator(geom geometry) RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ST_Transform(
    ST_CollectionExtract(ST_Intersection(
      CASE WHEN ST_IsValid(geom) THEN geom ELSE ST_MakeValid(geom) END,
      ST_MakeEnvelope(-180, -85.05112878, 180, 85.05112878, 4326)), 3),
    3857)
$$;

CREATE FUNCTION mapping_basemap_rebuild() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  lvl text;
  first_band integer;
  area geometry;
  lines geometry;
  land geometry;
  b integer;
  result bigint;
BEGIN
  -- One rebuild at a time; tiles keep reading the previous rows until it commits.
  PERFORM 1 FROM mapping_basemap_state FOR UPDATE;
  DELETE FROM mapping_basemap_shape;
  DELETE FROM mapping_basemap_label;

  FOREACH lvl IN ARRAY ARRAY['country', 'admin1', 'admin2'] LOOP
    first_band := CASE lvl WHEN 'country' THEN 0 WHEN 'admin1' THEN 3 ELSE 7 END;
    SELECT ST_Union(g), ST_Union(ST_Boundary(g)) INTO area, lines
    FROM (
      SELECT mapping_basemap_mercator(r.geom) AS g FROM directory_region r WHERE r.level = lvl
    ) s
    WHERE NOT ST_IsEmpty(g);
    CONTINUE WHEN area IS NULL;
    -- Borders, not coasts: the lines on the outer edge of the level's union are left out.
    lines := ST_LineMerge(ST_Difference(lines, ST_Boundary(area)));
    IF lvl = 'country' THEN
      land := area;
    END IF;
    FOR b IN first_band..{LAST_BAND} LOOP
      INSERT INTO mapping_basemap_shape (band, layer, level, geom)
      SELECT b, 'boundaries', lvl, piece
      FROM ST_Subdivide(ST_Simplify(lines, mapping_basemap_tolerance(b)), 256) AS piece
      WHERE NOT ST_IsEmpty(piece);
    END LOOP;
  END LOOP;

  IF land IS NOT NULL THEN
    FOR b IN 0..{LAST_BAND} LOOP
      INSERT INTO mapping_basemap_shape (band, layer, geom)
      SELECT b, 'land', piece
      FROM ST_Subdivide(
        ST_CollectionExtract(ST_SimplifyPreserveTopology(land, mapping_basemap_tolerance(b)), 3),
        256) AS piece
      WHERE NOT ST_IsEmpty(piece);
    END LOOP;
  END IF;

  -- Countries: at the centre of the largest circle inside their largest part, from the
  -- zoom where that circle is 12 px across or more (zoom 6 at the latest).
  INSERT INTO mapping_basemap_label (kind, min_zoom, max_zoom, rank, tier, name, names, geom)
  SELECT 'country',
         least(6, greatest(0, ceil(ln(156543.03392804097 * 6 / greatest(c.radius, 1)) / ln(2))))::smallint,
         6,
         row_number() OVER (ORDER BY c.radius DESC, c.slug),
         CASE WHEN c.radius >= 600000 THEN 1 WHEN c.radius >= 200000 THEN 2
              WHEN c.radius >= 60000 THEN 3 ELSE 4 END,
         coalesce(nullif(c.name, ''), nullif(c.name_en, ''), nullif(c.name_es, ''),
                  nullif(c.name_pt, ''), nullif(c.name_fr, ''), c.slug),
         jsonb_strip_nulls(jsonb_build_object(
           'es', nullif(c.name_es, ''), 'pt', nullif(c.name_pt, ''),
           'fr', nullif(c.name_fr, ''), 'en', nullif(c.name_en, ''))),
         c.centre
  FROM (
    SELECT r.slug, r.name, r.name_es, r.name_pt, r.name_fr, r.name_en,
           (ST_MaximumInscribedCircle(part.geom)).center AS centre,
           (ST_MaximumInscribedCircle(part.geom)).radius AS radius
    FROM directory_region r
    CROSS JOIN LATERAL (
      SELECT d.geom FROM ST_Dump(mapping_basemap_mercator(r.geom)) d
      ORDER BY ST_Area(d.geom) DESC LIMIT 1
    ) part
    WHERE r.level = 'country'
  ) c;

  -- Cities of the gazetteer, the most populous first.
  INSERT INTO mapping_basemap_label (kind, min_zoom, max_zoom, rank, tier, name, geom)
  SELECT 'city',
         CASE WHEN p.population >= 5000000 THEN 3 WHEN p.population >= 1000000 THEN 5
              WHEN p.population >= 200000 THEN 7 WHEN p.population >= 50000 THEN 9
              ELSE 10 END,
         {LAST_BAND} + 7,
         row_number() OVER (ORDER BY p.population DESC, p.id),
         CASE WHEN p.population >= 5000000 THEN 1 WHEN p.population >= 1000000 THEN 2
              WHEN p.population >= 200000 THEN 3 WHEN p.population >= 50000 THEN 4
              ELSE 5 END,
         p.name,
         ST_Transform(p.point, 3857)
  FROM directory_place p
  WHERE p.kind = 'city' AND abs(ST_Y(p.point)) < 85.05;

  UPDATE mapping_basemap_state SET version = version + 1 RETURNING version INTO result;
  RETURN result;
END
$$;

-- Tile z/x/y of the basemap, names in `lang` (the gazetteer's name where there is none):
-- layers land (one multipolygon), boundaries (one multiline per level: country, admin1,
-- admin2) and places (points: name, kind, rank, tier), with a buffer of 4 px for shapes and
-- 128 px for places (a label reaching into a tile is drawn there too).
CREATE FUNCTION mapping_basemap_tile(z integer, x integer, y integer, lang text)
RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  WITH bounds AS (
    SELECT ST_TileEnvelope(z, x, y) AS tile,
           ST_TileEnvelope(z, x, y, margin => 4.0 / 256) AS shapes,
           ST_TileEnvelope(z, x, y, margin => 128.0 / 256) AS labels
  ),
  pieces AS (
    SELECT s.layer, s.level, ST_AsMVTGeom(s.geom, bounds.tile, 4096, 64, true) AS geom
    FROM mapping_basemap_shape s, bounds
    WHERE s.band = mapping_basemap_band(z) AND s.geom && bounds.shapes
  ),
  land AS (
    SELECT ST_CollectionExtract(ST_Collect(geom), 3) AS geom
    FROM pieces WHERE layer = 'land' AND geom IS NOT NULL
    HAVING count(*) > 0
  ),
  boundaries AS (
    SELECT level, ST_CollectionExtract(ST_Collect(geom), 2) AS geom
    FROM pieces WHERE layer = 'boundaries' AND geom IS NOT NULL
    GROUP BY level
  ),
  places AS (
    SELECT coalesce(l.names ->> lang, l.name) AS name, l.kind, l.rank, l.tier,
           ST_AsMVTGeom(l.geom, bounds.tile, 4096, 2048, true) AS geom
    FROM mapping_basemap_label l, bounds
    WHERE l.min_zoom <= z AND l.max_zoom >= z AND l.geom && bounds.labels
  )
  SELECT coalesce((SELECT ST_AsMVT(land, 'land', 4096, 'geom') FROM land), '')
      || coalesce((SELECT ST_AsMVT(boundaries, 'boundaries', 4096, 'geom') FROM boundaries), '')
      || coalesce((SELECT ST_AsMVT(p, 'places', 4096, 'geom') FROM places p
                   WHERE p.geom IS NOT NULL), '')
$$;

SELECT mapping_basemap_rebuild();
"""

REVERSE = """
DROP FUNCTION mapping_basemap_tile(integer, integer, integer, text);
DROP FUNCTION mapping_basemap_rebuild();
DROP FUNCTION mapping_basemap_mercator(geometry);
DROP FUNCTION mapping_basemap_tolerance(integer);
DROP FUNCTION mapping_basemap_band(integer);
DROP TABLE mapping_basemap_label;
DROP TABLE mapping_basemap_shape;
DROP TABLE mapping_basemap_state;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("mapping", "0005_access_pair_cells"),
        ("directory", "0016_listing_freshness_loop"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE)]

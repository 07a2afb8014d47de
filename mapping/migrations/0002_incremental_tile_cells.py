"""Tile cells kept current on write (docs/decisions/0013-incremental-tile-cells.md).

- `mapping_tile_point`: one narrow row per public listing on the map (the conditions of
  `Listing.objects.public()` with a public point inside Web Mercator): its Mercator point,
  its grid cell at level 25 (`gx`, `gy`: a tile of zoom z is `gx >> (25 - z)`, its cells
  `gx >> (20 - z)`), the first category slug, and its facets: `c:<path>` for each of its
  categories and their ancestors, `a:<fact>` for its access facts, `n:<kind>` for the kinds
  of its open needs current on `mapping_tile_state.needs_on` (`needs_until`: the first end
  date among them, after which the row is recomputed).
- `mapping_tile_cell` (a table now, not a view): per tile of zoom 0-12, per cell of its
  32 x 32 grid, per kind and facet (`''`: every listing; other facets for tiles of zoom
  0-9 only), the listings counted and the sums of their Mercator coordinates.
- Statement triggers on listings, their categories, needs and categories call
  `mapping_tile_sync(ids)`: it recomputes those listings' rows, applies the difference to
  the cells and bumps the version, in the writing transaction (readers see the change
  when it commits, and never a version without its data). `mapping_tile_rebuild()`
  recomputes everything (repairs; a bulk load may `SET LOCAL mapping.tile_sync = off` in
  its transactions, then rebuild once at its end).
"""

from importlib import import_module

from django.db import migrations

initial = import_module("mapping.migrations.0001_vector_tiles")

HALF = "20037508.342789244"
#: Zooms whose tiles read stored cells: every listing up to 12, a facet up to 9.
PLAIN_MAX_ZOOM, FACET_MAX_ZOOM = 12, 9
#: django-treebeard's default path step (directory.Category keeps it).
STEP = 4
PUBLIC = (
    "l.status = 'published' AND l.emergency_hidden_at IS NULL AND NOT l.hidden_by_reports "
    "AND l.public_point IS NOT NULL AND ST_Y(l.public_point) BETWEEN -85.0511 AND 85.0511"
)
OPEN_NEED = "n.status = 'open' AND (n.ends_on IS NULL OR n.ends_on >= {on})"


def grid(axis: str) -> str:
    offset = f"(ST_X(m.geom) + {HALF})" if axis == "x" else f"({HALF} - ST_Y(m.geom))"
    return f"LEAST(GREATEST(floor({offset} / (2 * {HALF}) * 33554432), 0), 33554431)::int"


def point_rows(where: str, on: str) -> str:
    """The `mapping_tile_point` rows of the listings matching `where`, needs as of `on`."""
    return f"""
  SELECT l.id AS listing_id, l.kind::text AS kind, l.slug::text AS slug,
         (SELECT min(c.slug)::text FROM directory_listing_categories lc
          JOIN directory_category c ON c.id = lc.category_id WHERE lc.listing_id = l.id)
           AS category,
         m.geom, {grid("x")} AS gx, {grid("y")} AS gy,
         ARRAY(
           SELECT 'c:' || left(c.path, {STEP} * k)
           FROM directory_listing_categories lc
           JOIN directory_category c ON c.id = lc.category_id
           CROSS JOIN generate_series(1, length(c.path) / {STEP}) k
           WHERE lc.listing_id = l.id
           UNION SELECT 'a:' || a FROM unnest(l.access) a
           UNION SELECT 'n:' || n.kind FROM directory_need n
           WHERE n.listing_id = l.id AND {OPEN_NEED.format(on=on)}
           ORDER BY 1) AS facets,
         (SELECT min(n.ends_on) FROM directory_need n
          WHERE n.listing_id = l.id AND {OPEN_NEED.format(on=on)}) AS needs_until
  FROM directory_listing l
  CROSS JOIN LATERAL (SELECT ST_Transform(l.public_point, 3857) AS geom) m
  WHERE {PUBLIC} AND {where}"""


#: Cell key of a point `d` (gx, gy) at tile zoom `z`.
CELL_KEY = (
    "z::smallint, d.gx >> (25 - z), d.gy >> (25 - z), f.facet, "
    "(((d.gy >> (20 - z)) & 31) * 32 + ((d.gx >> (20 - z)) & 31))::smallint, d.kind"
)
FACET_ZOOMS = (
    f"unnest(ARRAY[''] || d.facets) f(facet) CROSS JOIN LATERAL "
    f"generate_series(0, CASE WHEN f.facet = '' THEN {PLAIN_MAX_ZOOM} "
    f"ELSE {FACET_MAX_ZOOM} END) z"
)
CELL_COLUMNS = "(zoom, tx, ty, facet, cell, kind, n, sx, sy)"

TABLES = f"""
DROP FUNCTION mapping_tile(int, int, int, text[], text, text, text[], date, int);
DROP FUNCTION mapping_tile_live_cells(int, int, int, text[], text, text, text[], date);
DROP FUNCTION mapping_tile_stored_cells(int, int, int, text[]);
DROP FUNCTION mapping_tile_listings(int, int, int, text[], text, text, text[], date, int);
DROP MATERIALIZED VIEW mapping_tile_cell;
ALTER TABLE mapping_tile_state ADD COLUMN needs_on date NOT NULL DEFAULT current_date;

CREATE TABLE mapping_tile_point (
  listing_id bigint PRIMARY KEY,
  kind text NOT NULL,
  slug text NOT NULL,
  category text,
  geom geometry(Point, 3857) NOT NULL,
  gx int NOT NULL,
  gy int NOT NULL,
  facets text[] NOT NULL,
  needs_until date
);
CREATE INDEX mapping_tile_point_geom ON mapping_tile_point USING gist (geom);
CREATE INDEX mapping_tile_point_facets ON mapping_tile_point USING gin (facets);
CREATE INDEX mapping_tile_point_needs_until ON mapping_tile_point (needs_until)
  WHERE needs_until IS NOT NULL;

CREATE TABLE mapping_tile_cell (
  zoom smallint NOT NULL,
  tx int NOT NULL,
  ty int NOT NULL,
  facet text NOT NULL,
  cell smallint NOT NULL,
  kind text NOT NULL,
  n int NOT NULL,
  sx double precision NOT NULL,
  sy double precision NOT NULL,
  CONSTRAINT mapping_tile_cell_key PRIMARY KEY (zoom, tx, ty, facet, cell, kind)
);
CREATE INDEX mapping_tile_cell_empty ON mapping_tile_cell (zoom) WHERE n = 0;
"""

MAINTENANCE = f"""
-- Recompute the rows of listings `ids`; apply the difference to the cells; bump the
-- version if anything a tile shows changed. The state row is locked first: tile writers
-- take their locks in one order (no deadlock), and see the same `needs_on`.
CREATE FUNCTION mapping_tile_sync(ids bigint[]) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  valid_on date;
  changed int;
BEGIN
  IF ids IS NULL OR cardinality(ids) = 0 THEN
    RETURN 0;
  END IF;
  SELECT s.needs_on INTO valid_on FROM mapping_tile_state s FOR UPDATE;
  WITH fresh AS MATERIALIZED ({point_rows("l.id = ANY (ids)", "valid_on")}
  ), old AS MATERIALIZED (
    SELECT p.* FROM mapping_tile_point p WHERE p.listing_id = ANY (ids)
  ), changes AS MATERIALIZED (
    SELECT coalesce(o.listing_id, f.listing_id) AS listing_id, f.listing_id IS NOT NULL AS kept,
           (o.kind, o.gx, o.gy, o.geom, o.facets)
             IS DISTINCT FROM (f.kind, f.gx, f.gy, f.geom, f.facets) AS counted
    FROM old o FULL JOIN fresh f ON f.listing_id = o.listing_id
    WHERE (o.kind, o.slug, o.category, o.geom, o.gx, o.gy, o.facets, o.needs_until)
          IS DISTINCT FROM
          (f.kind, f.slug, f.category, f.geom, f.gx, f.gy, f.facets, f.needs_until)
  ), removed AS (
    DELETE FROM mapping_tile_point p USING changes c
    WHERE p.listing_id = c.listing_id AND NOT c.kept
  ), written AS (
    INSERT INTO mapping_tile_point
    SELECT f.* FROM fresh f JOIN changes c ON c.listing_id = f.listing_id
    ON CONFLICT (listing_id) DO UPDATE SET
      kind = EXCLUDED.kind, slug = EXCLUDED.slug, category = EXCLUDED.category,
      geom = EXCLUDED.geom, gx = EXCLUDED.gx, gy = EXCLUDED.gy, facets = EXCLUDED.facets,
      needs_until = EXCLUDED.needs_until
  ), deltas AS (
    SELECT -1 AS s, o.kind, o.gx, o.gy, o.geom, o.facets
    FROM old o JOIN changes c ON c.listing_id = o.listing_id WHERE c.counted
    UNION ALL
    SELECT 1, f.kind, f.gx, f.gy, f.geom, f.facets
    FROM fresh f JOIN changes c ON c.listing_id = f.listing_id WHERE c.counted
  ), cells AS (
    INSERT INTO mapping_tile_cell AS t {CELL_COLUMNS}
    SELECT {CELL_KEY}, sum(d.s), sum(d.s * ST_X(d.geom)), sum(d.s * ST_Y(d.geom))
    FROM deltas d CROSS JOIN LATERAL {FACET_ZOOMS}
    GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT ON CONSTRAINT mapping_tile_cell_key DO UPDATE SET
      n = t.n + EXCLUDED.n, sx = t.sx + EXCLUDED.sx, sy = t.sy + EXCLUDED.sy
  )
  SELECT count(*) INTO changed FROM changes;
  IF changed > 0 THEN
    DELETE FROM mapping_tile_cell WHERE n = 0;
    UPDATE mapping_tile_state SET version = version + 1, refreshed_at = now();
  END IF;
  RETURN changed;
END
$$;

-- Every row and cell from the listings (repairs; bulk loads with the triggers disabled).
-- The same rows as `mapping_tile_sync` makes (a test compares them), joined set-wise;
-- the cells of each zoom are summed from those of the zoom above.
CREATE FUNCTION mapping_tile_rebuild() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  valid_on date;
BEGIN
  SELECT s.needs_on INTO valid_on FROM mapping_tile_state s FOR UPDATE;
  -- Millions of (cell, facet) sums: grouped in memory rather than sorted on disk.
  PERFORM set_config('work_mem', '256MB', true);
  TRUNCATE mapping_tile_point, mapping_tile_cell;
  INSERT INTO mapping_tile_point
  WITH cats AS (
    SELECT lc.listing_id, min(c.slug)::text AS category,
           array_agg(DISTINCT 'c:' || left(c.path, {STEP} * k)) AS facets
    FROM directory_listing_categories lc
    JOIN directory_category c ON c.id = lc.category_id
    CROSS JOIN generate_series(1, length(c.path) / {STEP}) k
    GROUP BY lc.listing_id
  ), needs AS (
    SELECT n.listing_id, array_agg(DISTINCT 'n:' || n.kind) AS facets,
           min(n.ends_on) AS needs_until
    FROM directory_need n WHERE {OPEN_NEED.format(on="valid_on")}
    GROUP BY n.listing_id
  )
  SELECT l.id, l.kind::text, l.slug::text, cats.category, m.geom, {grid("x")}, {grid("y")},
         ARRAY(SELECT DISTINCT f FROM unnest(
           coalesce(cats.facets, '{{}}') || coalesce(needs.facets, '{{}}')
           || ARRAY(SELECT 'a:' || a FROM unnest(l.access) a)) f ORDER BY 1),
         needs.needs_until
  FROM directory_listing l
  CROSS JOIN LATERAL (SELECT ST_Transform(l.public_point, 3857) AS geom) m
  LEFT JOIN cats ON cats.listing_id = l.id
  LEFT JOIN needs ON needs.listing_id = l.id
  WHERE {PUBLIC}
  ORDER BY m.geom;
  INSERT INTO mapping_tile_cell {CELL_COLUMNS}
  SELECT {CELL_KEY.replace("z::smallint", "top::smallint").replace("- z", "- top")},
         count(*), sum(ST_X(d.geom)), sum(ST_Y(d.geom))
  FROM mapping_tile_point d CROSS JOIN LATERAL unnest(ARRAY[''] || d.facets) f(facet)
  CROSS JOIN LATERAL (SELECT CASE WHEN f.facet = '' THEN {PLAIN_MAX_ZOOM}
                                  ELSE {FACET_MAX_ZOOM} END AS top) t
  GROUP BY 1, 2, 3, 4, 5, 6;
  FOR z IN REVERSE {PLAIN_MAX_ZOOM - 1}..0 LOOP
    -- A cell of zoom z + 1 is (tx * 32 + cell % 32, ty * 32 + cell / 32) at level z + 6.
    INSERT INTO mapping_tile_cell {CELL_COLUMNS}
    SELECT z, (c.tx * 32 + (c.cell & 31)) >> 6, (c.ty * 32 + (c.cell >> 5)) >> 6, c.facet,
           ((((c.ty * 32 + (c.cell >> 5)) >> 1) & 31) * 32
            + (((c.tx * 32 + (c.cell & 31)) >> 1) & 31))::smallint,
           c.kind, sum(c.n), sum(c.sx), sum(c.sy)
    FROM mapping_tile_cell c
    WHERE c.zoom = z + 1
    GROUP BY 1, 2, 3, 4, 5, 6;
  END LOOP;
  UPDATE mapping_tile_state SET version = version + 1, refreshed_at = now();
END
$$;

-- The day changed: needs that ended drop out of the facets (run daily, and on the first
-- change of a day). Until it has run, `need` tiles are counted live.
CREATE FUNCTION mapping_tile_expire_needs(today date) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT s.needs_on FROM mapping_tile_state s) >= today THEN
    RETURN 0;
  END IF;
  UPDATE mapping_tile_state SET needs_on = today, version = version + 1 WHERE needs_on < today;
  IF NOT FOUND THEN
    RETURN 0;
  END IF;
  RETURN mapping_tile_sync(ARRAY(
    SELECT p.listing_id FROM mapping_tile_point p WHERE p.needs_until < today));
END
$$;
"""

LISTING_COLUMNS = (
    "kind, slug, status, emergency_hidden_at, hidden_by_reports, public_point, access"
)

TRIGGERS = f"""
CREATE FUNCTION mapping_tile_listings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('mapping.tile_sync', true) = 'off' THEN
    RETURN NULL;  -- a bulk load, rebuilt at its end (mapping_tile_rebuild)
  END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM mapping_tile_sync(ARRAY(SELECT id FROM new_rows));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM mapping_tile_sync(ARRAY(SELECT id FROM old_rows));
  ELSE
    PERFORM mapping_tile_sync(ARRAY(
      SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE (o.{LISTING_COLUMNS.replace(", ", ", o.")})
            IS DISTINCT FROM (n.{LISTING_COLUMNS.replace(", ", ", n.")})));
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION mapping_tile_links_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('mapping.tile_sync', true) = 'off' THEN
    RETURN NULL;  -- a bulk load, rebuilt at its end (mapping_tile_rebuild)
  END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM mapping_tile_sync(ARRAY(SELECT DISTINCT listing_id FROM new_rows));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM mapping_tile_sync(ARRAY(SELECT DISTINCT listing_id FROM old_rows));
  ELSE
    PERFORM mapping_tile_sync(ARRAY(
      SELECT listing_id FROM new_rows UNION SELECT listing_id FROM old_rows));
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION mapping_tile_needs_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('mapping.tile_sync', true) = 'off' THEN
    RETURN NULL;  -- a bulk load, rebuilt at its end (mapping_tile_rebuild)
  END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM mapping_tile_sync(ARRAY(SELECT DISTINCT listing_id FROM new_rows));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM mapping_tile_sync(ARRAY(SELECT DISTINCT listing_id FROM old_rows));
  ELSE
    PERFORM mapping_tile_sync(ARRAY(
      SELECT n.listing_id FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE (o.listing_id, o.kind, o.status, o.ends_on)
            IS DISTINCT FROM (n.listing_id, n.kind, n.status, n.ends_on)
      UNION
      SELECT o.listing_id FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE o.listing_id <> n.listing_id));
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION mapping_tile_categories_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('mapping.tile_sync', true) = 'off' THEN
    RETURN NULL;  -- a bulk load, rebuilt at its end (mapping_tile_rebuild)
  END IF;
  PERFORM mapping_tile_sync(ARRAY(
    SELECT DISTINCT lc.listing_id FROM directory_listing_categories lc
    WHERE lc.category_id IN (
      SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE (o.slug, o.path) IS DISTINCT FROM (n.slug, n.path))));
  RETURN NULL;
END
$$;

CREATE FUNCTION mapping_tile_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN  -- (also in a bulk load: the truncated rows are gone either way)
  PERFORM mapping_tile_rebuild();
  RETURN NULL;
END
$$;
"""


def statement_triggers(table: str, name: str, function: str) -> str:
    return f"""
CREATE TRIGGER {name}_inserted AFTER INSERT ON {table}
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER {name}_updated AFTER UPDATE ON {table}
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER {name}_deleted AFTER DELETE ON {table}
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER {name}_truncated AFTER TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION mapping_tile_truncated();
"""


WATCHED = (
    ("directory_listing", "mapping_tile_listing", "mapping_tile_listings_changed"),
    ("directory_listing_categories", "mapping_tile_link", "mapping_tile_links_changed"),
    ("directory_need", "mapping_tile_need", "mapping_tile_needs_changed"),
)
INSTALL = (
    "".join(statement_triggers(*watched) for watched in WATCHED)
    + """
CREATE TRIGGER mapping_tile_category_updated AFTER UPDATE ON directory_category
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION mapping_tile_categories_changed();
SELECT mapping_tile_rebuild();
ANALYZE mapping_tile_point;
ANALYZE mapping_tile_cell;
"""
)

UNINSTALL = (
    "".join(
        f"DROP TRIGGER IF EXISTS {name}_{event} ON {table};\n"
        for table, name, _function in WATCHED
        for event in ("inserted", "updated", "deleted", "truncated")
    )
    + """
DROP TRIGGER IF EXISTS mapping_tile_category_updated ON directory_category;
DROP FUNCTION IF EXISTS mapping_tile_truncated();
DROP FUNCTION IF EXISTS mapping_tile_categories_changed();
DROP FUNCTION IF EXISTS mapping_tile_needs_changed();
DROP FUNCTION IF EXISTS mapping_tile_links_changed();
DROP FUNCTION IF EXISTS mapping_tile_listings_changed();
DROP FUNCTION IF EXISTS mapping_tile_expire_needs(date);
DROP FUNCTION IF EXISTS mapping_tile_rebuild();
DROP FUNCTION IF EXISTS mapping_tile_sync(bigint[]);
"""
)

BACK_TO_0001 = (
    "DROP TABLE mapping_tile_cell; DROP TABLE mapping_tile_point; "
    "ALTER TABLE mapping_tile_state DROP COLUMN needs_on; DROP TABLE mapping_tile_state;"
    + initial.CELLS_VIEW
    + initial.LISTINGS_FUNCTION
    + initial.CELLS_FUNCTIONS
    + initial.TILE_FUNCTION
)


class Migration(migrations.Migration):
    dependencies = [
        ("mapping", "0001_vector_tiles"),
        ("directory", "0014_listing_source"),
    ]

    operations = [
        migrations.RunSQL(TABLES, BACK_TO_0001),
        migrations.RunSQL(MAINTENANCE + TRIGGERS + INSTALL, UNINSTALL),
    ]

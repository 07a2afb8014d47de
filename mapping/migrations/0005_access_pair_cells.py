"""Stored counts for two access facts together (docs/decisions/0021-access-pair-cells.md).

- Each listing's cells also count it under one facet per pair of its access facts,
  `a:<fact>+<fact>` with the two facts in byte order (`mapping_tile_access_pairs`), at the
  zooms of the other facets (stored 0-9, read by tiles of zoom 0-11, 0004's numbering). A
  listing with k facts adds k (k - 1) / 2 such facets; the nine facts make at most 36.
- `mapping_tile_sync` and `mapping_tile_rebuild` write them with the other facets (the same
  statements, one more source of facets); the points' own facets are unchanged.
- A tile asking for exactly two access facts (after 0004's dedupe; with or without kinds; no
  category, no need) reads the pair's stored cells like a single facet. Three facts or more,
  or a pair with a category or a need, are counted live from the points as before: exact
  either way.
- Installing adds the pairs' cells from the stored points (zoom 9, then each zoom summed
  from the one above) instead of rebuilding everything; writes to the watched tables wait
  meanwhile, so that none runs the old `mapping_tile_sync` against the new cells.
"""

from importlib import import_module

from django.db import migrations

maintenance = import_module("mapping.migrations.0002_incremental_tile_cells")
legible = import_module("mapping.migrations.0004_legible_tiles")

PAIRS = """
-- The pairs of access facts among `facets` (`a:<fact>` elements), each `a:<x>+<y>` with x
-- before y in byte order: the facets under which a listing's cells count it for two facts.
CREATE FUNCTION mapping_tile_access_pairs(facets text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY(
    SELECT a.f || '+' || substr(b.f, 3)
    FROM unnest(facets) a(f) JOIN unnest(facets) b(f) ON a.f COLLATE "C" < b.f COLLATE "C"
    WHERE a.f LIKE 'a:%' AND b.f LIKE 'a:%'
    ORDER BY a.f COLLATE "C", b.f COLLATE "C")
$$;
"""

#: Where both cell writers (sync and rebuild) take a listing's facets.
OLD_FACETS = "unnest(ARRAY[''] || d.facets)"
NEW_FACETS = "unnest(ARRAY[''] || d.facets || mapping_tile_access_pairs(d.facets))"
#: Pair facets (no other facet holds a `+`: categories are paths, needs and facts slugs).
PAIR_FACET = "facet LIKE 'a:%+%'"

#: The tables whose writes call `mapping_tile_sync` (0002's triggers). Locked in SHARE mode
#: (reads go on, writes wait) before the functions are replaced: a write already inside the
#: old function finishes first, a later one runs the new function.
WATCHED = "directory_listing, directory_listing_categories, directory_need, directory_category"
LOCK = f"LOCK TABLE {WATCHED}, mapping_tile_cell IN SHARE MODE;\n"


def replaced(sql: str, old: str, new: str, times: int) -> str:
    """`sql` with `old` replaced by `new`, which must occur exactly `times` times."""
    assert sql.count(old) == times, (old, sql.count(old))
    return sql.replace(old, new)


def writers(facets: str) -> str:
    """`mapping_tile_sync`, `mapping_tile_rebuild` and `mapping_tile_expire_needs` of 0002
    (replaced in place), their cells taking each listing's facets from `facets`."""
    sql = replaced(maintenance.MAINTENANCE, "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 3)
    return replaced(sql, OLD_FACETS, facets, 2)


TOP = maintenance.FACET_MAX_ZOOM
#: 0002's cell key of a point at the stored zoom of facets.
TOP_KEY = maintenance.CELL_KEY.replace("z::smallint", f"{TOP}::smallint").replace("- z", f"- {TOP}")
#: The pairs' cells from the stored points: the stored zoom of facets first, then each zoom
#: summed from the one above (as `mapping_tile_rebuild` does, for the pairs only).
ADD_PAIR_CELLS = f"""
DO $$
BEGIN
  PERFORM set_config('work_mem', '256MB', true);
  INSERT INTO mapping_tile_cell {maintenance.CELL_COLUMNS}
  SELECT {TOP_KEY},
         count(*), sum(ST_X(d.geom)), sum(ST_Y(d.geom))
  FROM mapping_tile_point d
  CROSS JOIN LATERAL unnest(mapping_tile_access_pairs(d.facets)) f(facet)
  GROUP BY 1, 2, 3, 4, 5, 6;
  FOR z IN REVERSE {TOP - 1}..0 LOOP
    INSERT INTO mapping_tile_cell {maintenance.CELL_COLUMNS}
    SELECT z, (c.tx * 32 + (c.cell & 31)) >> 6, (c.ty * 32 + (c.cell >> 5)) >> 6, c.facet,
           ((((c.ty * 32 + (c.cell >> 5)) >> 1) & 31) * 32
            + (((c.tx * 32 + (c.cell & 31)) >> 1) & 31))::smallint,
           c.kind, sum(c.n), sum(c.sx), sum(c.sy)
    FROM mapping_tile_cell c
    WHERE c.zoom = z + 1 AND c.{PAIR_FACET}
    GROUP BY 1, 2, 3, 4, 5, 6;
  END LOOP;
END
$$;
"""  # noqa: S608 (constants only)
assert maintenance.CELL_KEY.count("- z") == 4  # the tile and the cell of zoom z

PLAIN, FACET = legible.PLAIN_MAX_ZOOM, legible.FACET_MAX_ZOOM
#: Tile of 0004 with one more stored case: exactly two access facts read their pair's cells.
TILE_0004 = legible.FORWARD[legible.FORWARD.index("CREATE FUNCTION mapping_tile(") :]
READ_STORED = f"""  IF live_need IS NULL AND cardinality(wanted) <= 1 THEN
    wanted_facet := coalesce(wanted[1], '');
    stored_max := CASE WHEN wanted_facet = '' THEN {PLAIN} ELSE {FACET} END;
  END IF;"""
# `wanted` is 0004's: distinct and sorted, so two elements are two different facets; the
# pair's name comes from the same function as the stored one, whatever the order asked.
READ_PAIRS = f"""  IF live_need IS NULL AND cardinality(wanted) <= 1 THEN
    wanted_facet := coalesce(wanted[1], '');
    stored_max := CASE WHEN wanted_facet = '' THEN {PLAIN} ELSE {FACET} END;
  ELSIF live_need IS NULL AND cardinality(wanted) = 2
        AND wanted[1] LIKE 'a:%' AND wanted[2] LIKE 'a:%' THEN
    wanted_facet := (mapping_tile_access_pairs(wanted))[1];
    stored_max := {FACET};
  END IF;"""
#: The lone listing of a stored cell of one is looked up with every wanted facet (a pair is
#: two); none wanted is no condition (an empty `@>` would scan the whole GIN index).
LONE_OLD = "AND (wanted_facet = '' OR p.facets @> ARRAY[wanted_facet])"
LONE_NEW = "AND (cardinality(wanted) = 0 OR p.facets @> wanted)"


def tile(stored: str, lone: str) -> str:
    sql = replaced(TILE_0004, "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    sql = replaced(sql, READ_STORED, stored, 1)
    return replaced(sql, LONE_OLD, lone, 1)


FORWARD = (
    LOCK
    + PAIRS
    + writers(NEW_FACETS)
    + tile(READ_PAIRS, LONE_NEW)
    + ADD_PAIR_CELLS
    + "ANALYZE mapping_tile_cell;\n"
)

BACKWARD = (
    LOCK
    + writers(OLD_FACETS)
    + tile(READ_STORED, LONE_OLD)
    + f"""
DELETE FROM mapping_tile_cell WHERE {PAIR_FACET};
DROP FUNCTION mapping_tile_access_pairs(text[]);
ANALYZE mapping_tile_cell;
"""  # noqa: S608 (constants only)
)


class Migration(migrations.Migration):
    dependencies = [("mapping", "0004_legible_tiles")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]

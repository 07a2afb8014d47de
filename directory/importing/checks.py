"""Checks of many rows at once against the database: points against the country and state
they declare (with swapped axes detected), and suspected duplicates (DESIGN.md §9).

Each check is a few set-based statements per batch of rows (points passed as arrays and
unnested), never one query per row, so that 100,000 rows are checked in seconds.
"""

import math
from collections import defaultdict

from django.db import connection
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ..choices import RegionLevel
from ..duplicates import (
    CORE,
    DUPLICATE_RADIUS_M,
    DUPLICATE_SIMILARITY,
    HALF_CELL_DEG,
    RADIUS_DEG,
    SEARCH_BOX,
    name_core,
)
from ..models import Region
from .rows import Row

BATCH = 5000
#: Boundaries are generalised (Natural Earth 50m countries leave out small islands and cut
#: coasts by kilometres; Census states are finer): a point this close to its declared
#: country or state counts as inside it (an island village, a harbour, a border town).
COUNTRY_TOLERANCE_M = 25_000
STATE_TOLERANCE_M = 5_000

#: Region boundaries cut into pieces of at most 255 vertices, with their own index: a point
#: is tested against a small piece instead of a whole country (the usual PostGIS recipe for
#: many point-in-polygon tests). Made once per import, dropped at its end.
PIECES_SQL = """
CREATE TEMPORARY TABLE IF NOT EXISTS import_region_piece AS
SELECT r.id, r.level, r.country, ST_Subdivide(r.geom, 255) AS geom FROM directory_region r;
CREATE INDEX IF NOT EXISTS import_region_piece_geom ON import_region_piece USING gist (geom);
ANALYZE import_region_piece;
"""
#: The countries and states holding each point: one probe of the pieces' index per point.
CONTAINING_SQL = """
SELECT t.i, r.level, r.country, r.id
FROM unnest(%s::int[], %s::float8[], %s::float8[]) AS t(i, x, y)
JOIN import_region_piece r ON ST_Intersects(r.geom, ST_SetSRID(ST_MakePoint(t.x, t.y), 4326))
WHERE r.level IN ('country', 'admin1')
"""
OUTSIDE_SQL = """
SELECT t.i,
  ST_DWithin(r.geom::geography, ST_SetSRID(ST_MakePoint(t.x, t.y), 4326)::geography, t.m),
  abs(t.y) <= 180 AND abs(t.x) <= 90
    AND ST_Intersects(r.geom, ST_SetSRID(ST_MakePoint(t.y, t.x), 4326))
FROM unnest(%s::int[], %s::bigint[], %s::float8[], %s::float8[], %s::float8[])
  AS t(i, region, x, y, m)
JOIN directory_region r ON r.id = t.region
"""
#: Listings near a point are found through the index of their public points: a listing's
#: true location is at most half a grid cell (of the coarsest precision, `region`) from its
#: public point, so a box of 1 km plus that half cell around the row's point holds every
#: listing within 1 km. Hidden listings have no public point: their true points are copied
#: once per import into a small indexed table (`import_hidden_point`). Looking names up
#: through the trigram index instead costs a probe of thousands of rows per row (common
#: words: "cooperativa", a town's name), which is what made 100,000 rows take an hour.
HIDDEN_POINTS_SQL = """
CREATE TEMPORARY TABLE IF NOT EXISTS import_hidden_point AS
SELECT id, slug, name, kind, location FROM directory_listing
WHERE location_precision = 'hidden' AND location IS NOT NULL;
CREATE INDEX IF NOT EXISTS import_hidden_point_gist ON import_hidden_point USING gist (location);
ANALYZE import_hidden_point;
"""
#: The rule of `directory.duplicates` (same kind, names' cores alike, the same threshold,
#: radius and search box), for a batch of rows at once and against every listing. Only
#: constants are formatted in; the values are parameters.
_DUPLICATES_TEMPLATE = """
WITH t AS (
  SELECT t.i, t.kind, {core_t} AS core,
    ST_SetSRID(ST_MakePoint(t.x, t.y), 4326) AS p,
    {box} AS box
  FROM unnest(%(ids)s::int[], %(names)s::text[], %(kinds)s::text[], %(xs)s::float8[],
              %(ys)s::float8[]) AS t(i, name, kind, x, y)
), near AS (
  SELECT t.i, l.slug, similarity({core_l}, t.core) AS score
  FROM t JOIN directory_listing l ON l.public_point && t.box
  WHERE l.location IS NOT NULL AND l.kind = t.kind
    AND similarity({core_l}, t.core) >= %(similarity)s
    AND ST_DWithin(l.location::geography, t.p::geography, %(metres)s)
  UNION ALL
  SELECT t.i, h.slug, similarity({core_h}, t.core)
  FROM t JOIN import_hidden_point h ON h.location && t.box
  WHERE h.kind = t.kind AND similarity({core_h}, t.core) >= %(similarity)s
    AND ST_DWithin(h.location::geography, t.p::geography, %(metres)s)
)
SELECT i, slug, score FROM near ORDER BY i, score DESC
"""
DUPLICATES_SQL = _DUPLICATES_TEMPLATE.format(
    core_t=CORE.format("t.name"),
    core_l=CORE.format("l.name"),
    core_h=CORE.format("h.name"),
    box=SEARCH_BOX.format(p="ST_SetSRID(ST_MakePoint(t.x, t.y), 4326)", y="t.y"),
)


def batched(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Boundaries:
    """The country and admin1 regions loaded, by country code."""

    def __init__(self) -> None:
        self.countries: dict[str, int] = {}
        self.states: dict[str, dict[str, int]] = defaultdict(dict)
        self.state_names: dict[int, str] = {}
        rows = Region.objects.filter(level__in=[RegionLevel.COUNTRY, RegionLevel.ADMIN1])
        for region in rows.order_by("id").only("id", "level", "country", "name", "code"):
            country = str(region.country)
            if region.level == RegionLevel.COUNTRY:
                self.countries.setdefault(country, region.id)
                continue
            self.state_names[region.id] = region.name
            for key in (region.name, *_translations(region)):
                if key:
                    self.states[country].setdefault(slugify(key), region.id)

    def state(self, country: str, names: tuple[str, ...]) -> int | None:
        for name in names:
            if found := self.states.get(country, {}).get(slugify(name)):
                return found
        return None


def _translations(region: Region) -> list[str]:
    return [getattr(region, f"name_{code}", "") for code in ("es", "pt", "fr", "en")]


def _point_arrays(rows: list[tuple[int, Row]]):
    return [i for i, _row in rows], [row.xy[0] for _i, row in rows], [row.xy[1] for _i, row in rows]


def drop_pieces() -> None:
    """Drop the tables an import made (region pieces, hidden listings' points)."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS import_region_piece, import_hidden_point")


def check_regions(rows: list[Row]) -> None:
    """Reject a point outside the country or state its row declares (naming a swap of lat
    and lng when the swapped point falls inside); fill a missing country from the point."""
    if not rows:
        return  # nothing to check nor to write: no pieces of boundaries needed
    boundaries = Boundaries()
    located = [(i, row) for i, row in enumerate(rows) if row.ok and row.point is not None]
    # (row, region id, its name, "country" or "state", tolerance)
    outside: list[tuple[int, int, str, str, int]] = []
    with connection.cursor() as cursor:
        cursor.execute(PIECES_SQL)
        for batch in batched(located, BATCH):
            cursor.execute(CONTAINING_SQL, _point_arrays(batch))
            countries: dict[int, list[str]] = defaultdict(list)
            states: dict[int, list[int]] = defaultdict(list)
            for i, level, country, region in cursor.fetchall():
                if level == RegionLevel.COUNTRY:
                    countries[i].append(country)
                else:
                    states[i].append(region)
            for i, _row in batch:
                found = sorted(set(countries[i]))
                outside.extend(_compare(rows[i], i, found, set(states[i]), boundaries))
        # A row may need two checks, its country's and its state's. Within the tolerance of
        # the state it declares, a point is in that state's country (the finer states hold
        # islands the generalised countries leave out); outside it, the row is rejected, with
        # the country's reason when the point is far from the country too.
        verdicts: dict[int, dict[str, tuple[bool, bool, str]]] = defaultdict(dict)
        for batch in batched(outside, BATCH):
            items = list(range(len(batch)))
            xs = [rows[item[0]].xy[0] for item in batch]
            ys = [rows[item[0]].xy[1] for item in batch]
            regions, metres = [item[1] for item in batch], [item[4] for item in batch]
            cursor.execute(OUTSIDE_SQL, [items, regions, xs, ys, metres])
            for k, near, swapped_inside in cursor.fetchall():
                i, _region, name, level, _tolerance = batch[k]
                verdicts[i][level] = (near, swapped_inside, name)
    for i, checked in sorted(verdicts.items()):
        deciding = checked.get("state") or checked["country"]
        if deciding[0]:
            continue
        level = "country" if not checked.get("country", (True,))[0] else "state"
        _near, swapped, name = checked[level]
        rows[i].reject(_outside(rows[i], name, level, swapped=swapped))


def _outside(row: Row, name: str, level: str, *, swapped: bool) -> str:
    """Why a point outside the country or state its row declares is rejected."""
    values = {"lat": row.point.y, "lng": row.point.x, "region": name}
    if level == "country" and swapped:
        message = _(
            "Lat and lng look swapped: the point (lat %(lat)s, lng %(lng)s) is outside "
            "%(region)s, the country the row gives, and the swapped point is inside."
        )
    elif level == "country":
        message = _(
            "The point (lat %(lat)s, lng %(lng)s) is outside %(region)s, the country the row gives."
        )
    elif swapped:
        message = _(
            "Lat and lng look swapped: the point (lat %(lat)s, lng %(lng)s) is outside "
            "%(region)s, the state or province the row gives, and the swapped point is inside."
        )
    else:
        message = _(
            "The point (lat %(lat)s, lng %(lng)s) is outside %(region)s, the state or province "
            "the row gives."
        )
    return message % values


def _compare(row: Row, i: int, countries: list, states: set, boundaries: Boundaries) -> list:
    """The checks one row still needs, (row, region, its name, level, tolerance) each: the
    state it declares when the point is not inside it, and the country when the point is
    outside both."""
    declared = row.fields["country"]
    if not declared:
        if not countries:
            row.reject(_("The row gives no country, and the point is in no country Tejido knows."))
            return []
        row.fields["country"] = declared = countries[0]
        row.warnings.append(
            # Translators: %(country)s is a country code (MX, US...).
            _("The country %(country)s was taken from the point.") % {"country": declared}
        )
    elif declared not in boundaries.countries:
        row.warnings.append(
            _("Tejido has no boundary of %(country)s: the point was not checked.")
            % {"country": declared}
        )
    state = None
    if row.admin1_names and boundaries.states.get(declared):
        state = boundaries.state(declared, row.admin1_names)
        if state is None:
            row.warnings.append(
                _("“%(state)s” is not a state or province of %(country)s.")
                % {"state": row.fields["admin1"], "country": declared}
            )
    if state is not None and state in states:
        return []  # inside its state, so inside its country (Puerto Rico, an island)
    needed = []
    if declared in boundaries.countries and declared not in countries:
        # Outside the generalised outline (an island, a coast, across a land border): the
        # country is checked with its tolerance, and the state all the same.
        needed.append((i, boundaries.countries[declared], declared, "country", COUNTRY_TOLERANCE_M))
    if state is not None:
        needed.append((i, state, boundaries.state_names[state], "state", STATE_TOLERANCE_M))
    return needed


# --- Duplicates -----------------------------------------------------------------------------


def trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams of a text: each word, lower-cased and padded with two spaces
    before and one after."""
    words = "".join(c if c.isalnum() else " " for c in text.lower()).split()
    return {f"  {word} "[k : k + 3] for word in words for k in range(len(word) + 1)}


def similarity(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lat2 = math.radians(a[1]), math.radians(b[1])
    dlat, dlng = lat2 - lat1, math.radians(b[0] - a[0])
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlng / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def flag_duplicates(rows: list[Row]) -> None:
    """Warn about rows with a similar name within 1 km of an existing listing of the same
    kind (rows that create one) or of an earlier row of the file (the rule of
    `directory.duplicates`)."""
    new = [(i, row) for i, row in enumerate(rows) if row.ok and row.point and not row.listing_id]
    with connection.cursor() as cursor:
        if new:
            cursor.execute(HIDDEN_POINTS_SQL)
        for batch in batched(new, BATCH):
            ids, xs, ys = _point_arrays(batch)
            parameters = {
                "ids": ids,
                "names": [row.name for _i, row in batch],
                "kinds": [row.fields["kind"] for _i, row in batch],
                "xs": xs,
                "ys": ys,
                "radius_deg": RADIUS_DEG,
                "half_cell": HALF_CELL_DEG,
                "similarity": DUPLICATE_SIMILARITY,
                "metres": DUPLICATE_RADIUS_M,
            }
            cursor.execute(DUPLICATES_SQL, parameters)
            seen = set()
            for i, slug, score in cursor.fetchall():
                if i not in seen:
                    seen.add(i)
                    rows[i].warnings.append(
                        _(
                            # Translators: %(slug)s names a listing in its address; the
                            # similarity of the names is from 0 to 1.
                            "This may be a duplicate of the listing %(slug)s (name "
                            "similarity %(similarity).2f)."
                        )
                        % {"slug": slug, "similarity": score}
                    )
    _flag_duplicates_in_file(rows)


def _flag_duplicates_in_file(rows: list[Row]) -> None:
    cell = DUPLICATE_RADIUS_M / 111_000  # degrees of latitude per cell
    grid: dict[tuple[int, int], list[tuple[Row, set[str]]]] = defaultdict(list)
    for row in rows:
        if not row.ok or row.point is None:
            continue
        grams = trigrams(name_core(row.name))
        x, y = row.xy
        cy, cx = int(y // cell), int(x // cell)
        # Cells are narrower east-west away from the equator: look further along x.
        reach = math.ceil(1 / max(math.cos(math.radians(y)), 0.05))
        neighbours = (
            entry
            for dy in (-1, 0, 1)
            for dx in range(-reach, reach + 1)
            for entry in grid.get((cy + dy, cx + dx), ())
        )
        for other, other_grams in neighbours:
            if (
                other.fields["kind"] == row.fields["kind"]
                and similarity(grams, other_grams) >= DUPLICATE_SIMILARITY
                and _metres(row.xy, other.xy) <= DUPLICATE_RADIUS_M
            ):
                row.warnings.append(
                    _("This may be a duplicate of line %(line)s.") % {"line": other.line}
                )
                break
        grid[(cy, cx)].append((row, grams))

"""Gaps (DESIGN.md §1, journey 4): populated places of the gazetteer inside a region that
no public listing of a kind is near.

A gap is a city of the gazetteer (`Place`, kind city) of at least `min_population` people,
inside the region's boundary, with no public listing of `kind` whose public point lies within
`distance_km` of it. Public points only (DESIGN.md §6): a hidden listing has none and serves no
place on a map, which is what the organizer needs to see.

One SQL statement: the places come from the region's boundary through the GiST index on
`directory_place.point`; the test "no listing near" is `NOT EXISTS (... ST_DWithin(public_geog,
place::geography, metres))`, which the GiST index on `public_geog` (listing_public_geog_gist)
answers with one index probe per place. The nearest public listing of the kind (up to
NEAREST_LIMIT_KM) is found by a KNN walk of the same index. At most `limit` places come back,
largest first; `total` counts them all (a region has at most a few thousand cities).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from .choices import ListingKind
from .models import Region

#: Bounds of what an organizer may ask for (validated by the pages before they come here).
MIN_POPULATION = 15_000
MAX_POPULATION = 10_000_000
MIN_DISTANCE_KM = 1
MAX_DISTANCE_KM = 500
DEFAULT_POPULATION = 50_000
DEFAULT_DISTANCE_KM = 25
#: At most this many places in one answer.
MAX_GAPS = 500
#: The nearest listing is looked for this far at most (beyond: "more than ... km").
NEAREST_LIMIT_KM = 1000

GAPS_SQL = """
WITH gap AS (
    SELECT p.id, p.name, p.admin1_name, p.country, p.population, p.point,
           count(*) OVER () AS total
    FROM directory_place p
    WHERE p.kind = 'city'
      AND p.population >= %(min_population)s
      AND ST_Intersects(p.point, (SELECT geom FROM directory_region WHERE id = %(region)s))
      AND NOT EXISTS (
        SELECT 1 FROM directory_listing l
        WHERE l.kind = %(kind)s
          AND l.status = 'published'
          AND l.emergency_hidden_at IS NULL AND NOT l.hidden_by_reports
          AND ST_DWithin(l.public_geog, p.point::geography, %(metres)s, false)
      )
    ORDER BY p.population DESC, p.id
    LIMIT %(limit)s
)
SELECT gap.id, gap.name, gap.admin1_name, gap.country, gap.population,
       ST_X(gap.point), ST_Y(gap.point), nearest.metres, gap.total
FROM gap
LEFT JOIN LATERAL (
    SELECT l.public_geog <-> gap.point::geography AS metres
    FROM directory_listing l
    WHERE l.kind = %(kind)s
      AND l.status = 'published'
      AND l.emergency_hidden_at IS NULL AND NOT l.hidden_by_reports
      AND ST_DWithin(l.public_geog, gap.point::geography, %(nearest_limit)s, false)
    ORDER BY l.public_geog <-> gap.point::geography
    LIMIT 1
) AS nearest ON true
ORDER BY gap.population DESC, gap.id
"""


@dataclass(frozen=True)
class Gap:
    id: int
    name: str
    admin1_name: str
    country: str
    population: int
    lng: float
    lat: float
    #: Kilometres to the nearest public listing of the kind, None if farther than
    #: NEAREST_LIMIT_KM (or none at all).
    nearest_km: float | None


@dataclass(frozen=True)
class GapsResult:
    gaps: list[Gap]
    #: All the places that are gaps (the list holds at most `limit` of them).
    total: int


def gaps_statement(
    region: Region, *, kind: str, min_population: int, distance_km: float, limit: int = MAX_GAPS
) -> tuple[str, dict]:
    """The SQL and parameters of `find_gaps` (for EXPLAIN in tests and the benchmark)."""
    if kind not in ListingKind.values:
        raise ValueError(f"unknown listing kind {kind!r}")
    if not MIN_POPULATION <= min_population <= MAX_POPULATION:
        raise ValueError(f"min_population out of bounds: {min_population!r}")
    if not MIN_DISTANCE_KM <= distance_km <= MAX_DISTANCE_KM:
        raise ValueError(f"distance_km out of bounds: {distance_km!r}")
    if not 1 <= limit <= MAX_GAPS:
        raise ValueError(f"limit out of bounds: {limit!r}")
    return GAPS_SQL, {
        "region": region.pk,
        "kind": kind,
        "min_population": int(min_population),
        "metres": float(distance_km) * 1000,
        "nearest_limit": NEAREST_LIMIT_KM * 1000,
        "limit": int(limit),
    }


def find_gaps(
    region: Region, *, kind: str, min_population: int, distance_km: float, limit: int = MAX_GAPS
) -> GapsResult:
    """Cities of at least `min_population` inside `region` with no public listing of `kind`
    within `distance_km`, most populous first (ties by id); one statement."""
    sql, params = gaps_statement(
        region, kind=kind, min_population=min_population, distance_km=distance_km, limit=limit
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    gaps = [
        Gap(
            id=row[0],
            name=row[1],
            admin1_name=row[2],
            country=str(row[3]),
            population=row[4],
            lng=row[5],
            lat=row[6],
            nearest_km=None if row[7] is None else row[7] / 1000,
        )
        for row in rows
    ]
    return GapsResult(gaps=gaps, total=rows[0][8] if rows else 0)

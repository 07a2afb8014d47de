"""Location privacy (DESIGN.md §6): the public form of a listing's location.

The true point never leaves the server. The public point is the true point (`exact`), the
centre of the fixed 0.01° (`area`) or 0.1° (`region`) grid cell holding it, or nothing
(`hidden`). Fixed cells, never random jitter: averaging repeated jittered draws reveals the
truth, a cell centre reveals nothing more however often it is read. PostgreSQL derives the
stored `Listing.public_point` with the same arithmetic (`directory.geo.GridCellCentre`).
"""

import math

from django.contrib.gis.geos import Point

from .choices import LocationPrecision
from .geo import SRID

#: Grid cells per degree for each precision that publishes a cell centre.
CELLS_PER_DEGREE = {LocationPrecision.AREA: 100, LocationPrecision.REGION: 10}

#: Address parts shown to the public at each precision; the rest stays with the leads.
PUBLIC_ADDRESS_FIELDS = {
    LocationPrecision.EXACT: ("street_address", "locality", "admin1", "postal_code", "country"),
    LocationPrecision.AREA: ("locality", "admin1", "postal_code", "country"),
    LocationPrecision.REGION: ("locality", "admin1", "country"),
    LocationPrecision.HIDDEN: ("admin1", "country"),
}


def grid_cell_centre(lng: float, lat: float, cells_per_degree: int) -> tuple[float, float]:
    """Centre of the fixed grid cell holding (lng, lat); the same operations as the SQL."""
    k = cells_per_degree
    x = (min(math.floor(lng * k), 180 * k - 1) + 0.5) / k
    y = (min(math.floor(lat * k), 90 * k - 1) + 0.5) / k
    return x, y


def public_point(point: Point | None, precision: str) -> Point | None:
    """The public form of `point` at `precision` (what PostgreSQL stores as public_point)."""
    if point is None or precision == LocationPrecision.HIDDEN:
        return None
    if precision == LocationPrecision.EXACT:
        return Point(point.x, point.y, srid=SRID)
    x, y = grid_cell_centre(point.x, point.y, CELLS_PER_DEGREE[LocationPrecision(precision)])
    return Point(x, y, srid=SRID)


def cell_size_degrees(precision: str) -> float | None:
    """Width of the published cell in degrees (0 for exact, None for hidden)."""
    if precision == LocationPrecision.EXACT:
        return 0.0
    if precision == LocationPrecision.HIDDEN:
        return None
    return 1 / CELLS_PER_DEGREE[LocationPrecision(precision)]


def public_distance_km(metres: float, precision: str) -> float:
    """Distance to a public point as published: whole km unless the listing is exact
    (DESIGN.md §6; the API's `distance_km` and the pages use the same rule)."""
    km = metres / 1000
    return round(km, 2) if precision == LocationPrecision.EXACT else float(round(km))

"""Mapbox Vector Tiles of public listings, built by PostGIS (DESIGN.md §3, §5, §7;
docs/decisions/0011-vector-tiles.md).

Contract (the map page builds on it):

- ``GET /api/v1/tiles/{z}/{x}/{y}.pbf?v=<version>&kind=...`` (z 0..20; also ``category``,
  ``need``, ``access``), ``application/vnd.mapbox-vector-tile``; an empty tile is an empty
  200 body.
- ``GET /api/v1/tiles/version`` answers ``{"version": "<string>"}``; a tile URL with the
  current ``v`` is cached for a year (immutable), other URLs for a minute, with an ETag.
- Layer ``cells``: Point features with ``count``, ``cooperative``, ``mutual_aid`` and
  ``community_project``, at the centroid of the public points they count. Zooms 0..9
  always; above, wherever a tile would hold more than ``FEATURE_CAP`` listings.
- Layer ``listings``: Point features with ``id``, ``slug``, ``kind`` and ``category`` (the
  first of the listing's category slugs, or absent) at the public point, from zoom 10.

Only public points of public listings (``Listing.objects.public()``) reach a tile. The SQL
is in migrations ``mapping/0002`` and ``0003`` (docs/decisions/0013-incremental-tile-cells.md):
PostgreSQL triggers keep the map's rows, the pre-aggregated cells and the version current in
every writing transaction; this module builds tiles, answers the version, rebuilds
everything (``refresh``: repairs) and lets ended needs drop out (``expire_needs``: daily).
"""

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from directory.models import Category

MAX_ZOOM = 20
#: Zooms served as counts per grid cell whatever the tile holds.
AGGREGATE_MAX_ZOOM = 9
#: Listings at most in a point tile; a tile that would hold more is served as cells.
FEATURE_CAP = 2000
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"


@dataclass(frozen=True)
class TileFilters:
    """The map's filters (validated by `directory.filters.TileFilterSet`)."""

    kinds: tuple[str, ...] = ()
    category: Category | None = None
    need: str = ""
    access: tuple[str, ...] = ()


def in_range(z: int, x: int, y: int) -> bool:
    """Whether z/x/y names a tile of the Web Mercator pyramid up to MAX_ZOOM."""
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def tile_statement(z: int, x: int, y: int, filters: TileFilters) -> tuple[str, list]:
    """The SQL building tile z/x/y and its parameters."""
    return (
        "SELECT mapping_tile(%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [
            z,
            x,
            y,
            list(filters.kinds) or None,
            filters.category.path if filters.category is not None else None,
            filters.need or None,
            list(filters.access) or None,
            timezone.localdate(),
            FEATURE_CAP,
        ],
    )


def tile(z: int, x: int, y: int, filters: TileFilters = TileFilters()) -> bytes:
    """Tile z/x/y as MVT bytes (b"" when nothing is in it)."""
    sql, params = tile_statement(z, x, y, filters)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        (body,) = cursor.fetchone()
    return bytes(body or b"")


def version() -> str:
    """The data version: it changes with every change a tile shows (in the same commit)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM mapping_tile_state")
        (value,) = cursor.fetchone()
    return str(value)


def refresh() -> None:
    """Rebuild the map's rows and cells from the listings and bump the version (repairs;
    writes keep them current on their own). Tiles wait for it to commit."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT mapping_tile_rebuild()")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE mapping_tile_point")
        cursor.execute("ANALYZE mapping_tile_cell")


def expire_needs(today=None) -> int:
    """Let needs that ended before `today` drop out of the stored counts (a cheap no-op once
    done for the day); until then, tiles filtered by need are counted live. Returns the
    listings recomputed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT mapping_tile_expire_needs(%s)", [today or timezone.localdate()])
        (count,) = cursor.fetchone()
    return count

"""Mapbox Vector Tiles of public listings, built by PostGIS (DESIGN.md §3, §5, §7;
docs/decisions/0011-vector-tiles.md).

Contract (the map page builds on it):

- ``GET /api/v1/tiles/{z}/{x}/{y}.pbf?v=<version>&kind=...`` (z 0..20; also ``category``,
  ``need``, ``access``), ``application/vnd.mapbox-vector-tile``; an empty tile is an empty
  200 body.
- ``GET /api/v1/tiles/version`` answers ``{"version": "<string>"}``; a tile URL with the
  current ``v`` is cached for a year (immutable), other URLs for a minute, with an ETag.
- Layer ``cells``: Point features with ``count``, ``cooperative``, ``mutual_aid`` and
  ``community_project``, one per cell of the tile's 8 x 8 grid (cells of level z + 3, 32 px
  apart) that holds listings, at the centroid of the public points it counts drawn into the
  middle of its cell (``MARGIN_PX`` from its sides: two counts are at least 22 px apart; a
  cell of one listing is at its point); its MVT
  feature id is the cell's key ``(cy << (z + 3)) + cx``. Zooms 0..9 every such cell; from
  zoom 10 the cells of two listings or more.
- Layer ``listings`` (zoom 10 up): a cell holding a single listing is that listing, a Point
  feature with ``id``, ``slug``, ``kind`` and ``category`` (the first of the listing's
  category slugs, or absent) at its public point.
- A tile also carries the features of the cells around it that lie within ``BUFFER_PX`` of
  its edge, so that a canvas draws the parts of its neighbours' symbols that overlap it: a
  client summing features over several tiles counts each cell key and listing id once.

Only public points of public listings (``Listing.objects.public()``) reach a tile. The SQL
is in migrations ``mapping/0002``, ``0004`` and ``0005``
(docs/decisions/0013-incremental-tile-cells.md, 0014-legible-map.md,
0021-access-pair-cells.md: two access facts are stored like one):
PostgreSQL triggers keep the map's rows, the pre-aggregated cells and the version current in
every writing transaction; this module builds tiles, answers the version, rebuilds
everything (``refresh``: repairs) and lets ended needs drop out (``expire_needs``: daily).
"""

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from directory.models import Category

MAX_ZOOM = 20
#: Zooms served as counts per grid cell only (a lone listing is a cell of one).
AGGREGATE_MAX_ZOOM = 9
#: Cells per side of a tile: 8, one per 32 px of a 256 px tile.
GRID = 8
#: Pixels around a tile whose features it also carries (migration 0004): the largest
#: symbol's radius with its ring (static/js/fullmap.js).
BUFFER_PX = 12
#: A count is drawn at least this far from the sides of its 32 px cell.
MARGIN_PX = 11
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
        "SELECT mapping_tile(%s, %s, %s, %s, %s, %s, %s, %s)",
        [
            z,
            x,
            y,
            list(filters.kinds) or None,
            filters.category.path if filters.category is not None else None,
            filters.need or None,
            list(filters.access) or None,
            timezone.localdate(),
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

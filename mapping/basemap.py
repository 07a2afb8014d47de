"""Tejido's own basemap: Mapbox Vector Tiles of land, boundaries and place names, built by
PostGIS from the regions and the gazetteer (DESIGN.md §5; docs/decisions/0022-own-basemap.md).

Contract (``static/js/basemap.js`` builds on it):

- ``GET /api/v1/tiles/basemap/{z}/{x}/{y}.pbf?lang=es&v=<version>`` (z 0..MAX_ZOOM),
  ``application/vnd.mapbox-vector-tile``. ``lang`` is one of the site's languages (without
  it, the request's language, with ``Vary: Accept-Language``).
- ``GET /api/v1/tiles/basemap/version`` answers ``{"version": "<string>"}``; a tile URL with
  the current ``v`` is cached for a year (immutable), other URLs for a minute, with an ETag
  (as the listing tiles, `mapping.views`).
- Layer ``land``: one MultiPolygon, the union of the countries. The water is what is left:
  the map's background.
- Layer ``boundaries``: one MultiLineString per ``level``: ``country`` (borders between
  countries, not coasts) at every zoom, ``admin1`` (states, provinces) from zoom 3,
  ``admin2`` (counties) from zoom 7; each level's lines on its own outer edge are left out.
- Layer ``places``: Point features with ``name`` (in ``lang`` where the data has it: country
  names in es/pt/fr/en; cities carry the gazetteer's name), ``kind`` (``country`` or
  ``city``), ``rank`` (1: the largest country or the most populous city) and ``tier`` (1-5:
  the size class, for the lettering). Countries at zoom 0-6 from their size; cities from
  their population: 5M from zoom 3, 1M from 5, 200k from 7, 50k from 9, all from 10. A tile
  carries the places up to 128 px around it (a label reaching into it is drawn there too).

The shapes are stored simplified for each zoom band (one pixel of tolerance) and cut into
pieces of at most 256 vertices, with a GiST index on (band, geom): a tile is one indexed
query (migration ``mapping/0006``). They are rebuilt by ``refresh()``: ``manage.py
refresh_basemap``, and on their own whenever regions or the gazetteer are loaded
(``directory.importers.boundaries_changed``).
"""

import functools

from django.conf import settings
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.templatetags.static import static

from .tiles import MEDIA_TYPE

__all__ = ["MAX_ZOOM", "MEDIA_TYPE", "client_config", "in_range", "refresh"]

#: Tiles are served up to the maps' last zoom (Leaflet's maxZoom 19 everywhere).
MAX_ZOOM = 19
TILES_PATH = "/api/v1/tiles/basemap/{z}/{x}/{y}.pbf"
VERSION_PATH = "/api/v1/tiles/basemap/version"
#: The script that draws either basemap (and the vector tiles' library it needs).
BASEMAP_JS = "js/basemap.js"
VECTORGRID_JS = "vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js"


def languages() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def in_range(z: int, x: int, y: int) -> bool:
    """Whether z/x/y names a tile of the Web Mercator pyramid up to MAX_ZOOM."""
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def tile(z: int, x: int, y: int, lang: str) -> bytes:
    """Basemap tile z/x/y with its names in `lang`, as MVT bytes (b"" when empty)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT mapping_basemap_tile(%s, %s, %s, %s)", [z, x, y, lang])
        (body,) = cursor.fetchone()
    return bytes(body or b"")


def version() -> str:
    """Changes with every rebuild of the basemap."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM mapping_basemap_state")
        (value,) = cursor.fetchone()
    return str(value)


def refresh() -> str:
    """Rebuild the basemap from the regions and the gazetteer (a few seconds for the demo's
    boundaries); tiles keep the previous shapes until it commits. Returns the new version."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT mapping_basemap_rebuild()")
        (value,) = cursor.fetchone()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE mapping_basemap_shape")
        cursor.execute("ANALYZE mapping_basemap_label")
    return str(value)


def client_config() -> dict:
    """What `static/js/basemap.js` needs: a configured raster tile server (``url``, with its
    ``attribution``), or Tejido's own vector basemap (``url`` empty)."""
    if settings.TILE_URL:
        return {"url": settings.TILE_URL, "attribution": settings.TILE_ATTRIBUTION}
    return {
        "url": "",
        "attribution": attribution(),
        "tiles": TILES_PATH,
        "version": VERSION_PATH,
    }


@functools.cache
def attribution() -> str:
    """The own basemap's sources, as the markup of jinja2/mapping/_basemap_attribution.html."""
    return render_to_string("mapping/_basemap_attribution.html").strip()


def scripts() -> list[str]:
    """The local scripts a page loads, after Leaflet, to draw the basemap (Leaflet.VectorGrid
    only for the vector basemap)."""
    return [*([] if settings.TILE_URL else [static(VECTORGRID_JS)]), static(BASEMAP_JS)]

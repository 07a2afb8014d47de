"""Small maps built with folium (DESIGN.md §5): one page of results, or one listing's place.

The basemap is drawn by ``static/js/basemap.js`` as on every other map (Tejido's own vector
tiles, or a configured ``TILE_URL``). Every asset comes from Tejido's own static files:
folium's class-wide CDN lists are replaced on each map instance (never on the class, which
other code shares). No user text passes through folium: its Popup runs ``${...}`` and its
Tooltip does not escape.

The results map is one folium map per height, built once per process and reused
(docs/decisions/0012): its script draws the points of the JSON data block next to it (escaped
like ``json_script``) with ``TejidoMaps.draw`` (``static/js/maps.js``), which places one circle
per point coloured by kind, fits the map to them and builds the popups with ``textContent``.
A page pays for the data block, not for folium. The place map is built per listing.

A builder returns a :class:`RenderedMap` (or ``None`` when there is nothing to show); the
template ``mapping/_map.html`` renders it::

    {% include "mapping/_map.html" with map=results_map %}
    {# a second map on the same page: its assets are already there #}
    {% include "mapping/_map.html" with map=other_map skip_assets=True %}

The include puts ``nonce="{{ request.csp_nonce }}"`` on the map's inline script, so the page
needs the ``request`` context processor and django-csp's middleware (both configured).
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import folium
from branca.element import CssLink, JavascriptLink, MacroElement
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from directory.choices import ListingKind, LocationPrecision, NeedKind
from directory.privacy import CELLS_PER_DEGREE, cell_size_degrees
from jinja2 import Template

from . import basemap

__all__ = ["KIND_COLOURS", "MapAssets", "RenderedMap", "place_map", "results_map"]

#: Marker colour for each listing kind (Okabe-Ito: told apart with the common colour-vision
#: deficiencies); any other kind (a need's kind, say) gets OTHER_COLOUR.
KIND_COLOURS = {
    ListingKind.COOPERATIVE: "#0072B2",
    ListingKind.MUTUAL_AID: "#D55E00",
    ListingKind.COMMUNITY_PROJECT: "#009E73",
}
OTHER_COLOUR = "#6F4E99"
#: Outline of a published grid cell and of the selected place.
CELL_COLOUR = "#8a2c0d"

#: Leaflet from npm (package.json), served by STATICFILES_DIRS; our own glue after it.
LEAFLET_JS = "vendor/leaflet/leaflet.js"
LEAFLET_CSS = "vendor/leaflet/leaflet.css"
MAPS_JS = "js/maps.js"
MAPS_CSS = "css/maps.css"

#: The name of each listing kind, then of each need kind (lazy: translated when shown).
_KIND_LABELS = {**dict(NeedKind.choices), **dict(ListingKind.choices)}
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20]")
_HEIGHT = re.compile(r"^\d{1,4}(\.\d{1,3})?(px|rem|em|vh)$")


@dataclass(frozen=True)
class MapAssets:
    """Local stylesheet and script URLs a map needs (from ``static()``), in load order.

    Iterating yields every URL, stylesheets first."""

    css: tuple[str, ...] = ()
    js: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[str]:
        yield from self.css
        yield from self.js


@dataclass(frozen=True)
class RenderedMap:
    """A map ready for a page.

    ``html``: the map's markup (folium's map element, the points' JSON data block, a key to
    the colours); ``script``: JavaScript to place in ``<script nonce=...>`` after the assets
    have loaded (it holds no user text); ``assets``: a :class:`MapAssets`."""

    html: SafeString
    script: SafeString
    assets: MapAssets = field(default_factory=MapAssets)
    name: str = ""


def results_map(points: Iterable[Mapping], *, height: str = "320px") -> RenderedMap | None:
    """A map of one page of search results or needs.

    ``points``: dicts with ``lat``, ``lng`` (the public point), ``name``, ``url`` (a
    same-site path such as ``/en/listings/slug/``; anything else is dropped and the popup shows
    the name without a link), ``kind`` (a listing kind, or any other value for the neutral
    colour) and optionally ``label`` (a line under the name, e.g. "Cooperative · 2 km";
    defaults to the kind's name). Points with no coordinates (hidden listings) are left out.
    The points go to the map's JSON data block, in order; the browser draws one circle per
    point, coloured by kind, and fits the map to them. Returns None when no point has
    coordinates. ``height``: a CSS length (px, rem, em, vh).
    """
    data, kinds, labels = [], [], {}
    for point in points:
        lat, lng = point.get("lat"), point.get("lng")
        if lat is None or lng is None:
            continue
        kind = str(point.get("kind") or "")
        label = point.get("label")
        if not label and kind not in labels:
            labels[kind] = _kind_label(kind)
        data.append(
            {
                "lat": _coordinate(lat, 90),
                "lng": _coordinate(lng, 180),
                "colour": _colour(kind),
                "name": str(point.get("name") or ""),
                "url": _same_site_path(point.get("url")),
                "label": str(label) if label else labels[kind],
            }
        )
        if kind not in kinds:
            kinds.append(kind)
    if not data:
        return None

    shell = _results_shell(height, settings.TILE_URL, settings.TILE_ATTRIBUTION, static(MAPS_JS))
    name = f"map_{uuid.uuid4().hex}"  # each map of a page its own element id
    html = _element(
        modifier="results",
        label=_("Map of these results"),
        element=mark_safe(shell.html.replace(shell.name, name)),  # an element id, no user text
        points=data,
        points_id=f"{name}-points",
        key=[(_colour(kind), _kind_label(kind)) for kind in kinds],
    )
    script = mark_safe(shell.script.replace(shell.name, name))
    return RenderedMap(html=html, script=script, assets=shell.assets, name=name)


#: How a result is drawn (Leaflet circleMarker options; the fill colour is the point's kind)
#: and how the map fits them (fitBounds options).
MARKER_STYLE = {"radius": 10, "weight": 3, "color": "#ffffff", "opacity": 1, "fillOpacity": 0.9}
FIT = {"padding": [32, 32], "maxZoom": 15}


class _DrawPoints(MacroElement):
    """Draws the points of the map's data block (``TejidoMaps.draw``): placed before the
    tile layer, so the map has its final view before it asks for any tile."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "TejidoMaps.draw({{ this._parent.get_name() }}, "
        "{{ (this._parent.get_name() ~ '-points')|tojson }}, "
        "{{ this.style|tojson }}, {{ this.fit|tojson }});"
        "{% endmacro %}"
    )

    def __init__(self):
        super().__init__()
        self._name = "DrawPoints"
        self.style, self.fit = MARKER_STYLE, FIT


@dataclass(frozen=True)
class _Built:
    """A folium map rendered: its element, its script, its assets and its name."""

    html: str
    script: str
    assets: MapAssets
    name: str


@lru_cache(maxsize=16)
def _results_shell(height: str, tile_url: str, attribution: str, maps_js: str) -> _Built:
    """The results map without its points, for one height (the arguments after it are the
    settings it is built from, so that a change of them builds it again)."""
    m = _new_map((15.0, -75.0), zoom=2, tiles=False)  # the view is the points' (maps.js)
    _DrawPoints().add_to(m)
    _add_tiles(m)
    return _build(m, height=height)


def place_map(lat: float, lng: float, *, precision: str) -> RenderedMap | None:
    """A map of one listing's public location.

    ``lat``/``lng``: the listing's public point (never the true point of a non-exact
    listing). ``precision``: the listing's ``location_precision``. ``exact`` shows a marker
    on the point; ``area`` and ``region`` show the published grid cell (0.01° or 0.1°,
    ``directory.privacy``) holding the point as a rectangle and put no marker anywhere; the
    map is drawn from the cell alone, so whatever point inside it is passed, the page is the
    same. ``hidden`` (or no point) gives None: such a listing has no map.
    """
    if lat is None or lng is None or precision == LocationPrecision.HIDDEN:
        return None
    lat, lng = _coordinate(lat, 90), _coordinate(lng, 180)
    if precision == LocationPrecision.EXACT:
        m = _new_map((lat, lng), zoom=16)
        folium.Marker(
            location=(lat, lng), alt=_("The place"), keyboard=False, interactive=False
        ).add_to(m)
        label = _("Map of the place")
    elif precision in CELLS_PER_DEGREE:
        size = cell_size_degrees(precision)
        k = CELLS_PER_DEGREE[LocationPrecision(precision)]
        south = min(math.floor(lat * k), 90 * k - 1) / k
        west = min(math.floor(lng * k), 180 * k - 1) / k
        bounds = [[south, west], [round(south + size, 6), round(west + size, 6)]]
        m = _new_map((round(south + size / 2, 6), round(west + size / 2, 6)), zoom=13)
        folium.Rectangle(
            bounds=bounds,
            color=CELL_COLOUR,
            weight=3,
            fill=True,
            fill_color=CELL_COLOUR,
            fill_opacity=0.15,
            interactive=False,
        ).add_to(m)
        m.fit_bounds(bounds, padding=(32, 32))
        label = _("Map of the area the place is in (its exact location is not published)")
    else:
        raise ValueError(f"unknown location precision {precision!r}")
    return _render(m, height="240px", label=label, modifier="place")


# --- building blocks ---------------------------------------------------------------------


def _new_map(location: tuple[float, float], *, zoom: int, tiles: bool = True) -> folium.Map:
    m = folium.Map(
        location=location,
        zoom_start=zoom,
        tiles=None,
        width="100%",
        height="100%",
        scroll_wheel_zoom=False,  # a small map in a page must not trap the page's scrolling
    )
    if tiles:
        _add_tiles(m)
    # folium's lists are shared by the class (and add_js_link changes them there): set ours
    # on this instance only.
    m.default_js = [("leaflet", static(LEAFLET_JS))]
    m.default_css = [("leaflet_css", static(LEAFLET_CSS))]
    return m


class _Basemap(MacroElement):
    """The basemap (``TejidoBasemap.add``, ``static/js/basemap.js``): Tejido's own vector
    basemap, or the raster tiles of a configured ``TILE_URL``; the same script as every
    other map of the site."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "TejidoBasemap.add({{ this._parent.get_name() }}, {{ this.config|tojson }}, "
        "{{ this.options|tojson }});"
        "{% endmacro %}"
    )

    def __init__(self):
        super().__init__()
        self._name = "Basemap"
        self.config = basemap.client_config()
        # The names below the points and cells (the overlay pane, 400), not over them.
        self.options = {"labelsZIndex": 390}


def _add_tiles(m: folium.Map) -> None:
    _Basemap().add_to(m)


def _render(m: folium.Map, *, height: str, label: str, modifier: str) -> RenderedMap:
    built = _build(m, height=height)
    html = _element(
        modifier=modifier, label=label, element=mark_safe(built.html)
    )  # folium's element: an id, no user text
    return RenderedMap(
        html=html, script=mark_safe(built.script), assets=built.assets, name=built.name
    )


def _build(m: folium.Map, *, height: str) -> _Built:
    """Renders ``m`` with folium: its element, its script (run once the assets have loaded,
    wrapped so that its variables stay local) and its local assets."""
    if not _HEIGHT.match(height):
        raise ValueError(f"height must be a CSS length such as '320px', not {height!r}")
    for element in _walk(m):  # plugins carry their own CDN lists: none is kept
        if element is not m and hasattr(element, "default_js"):
            element.default_js, element.default_css = [], []
    root = m.get_root()
    root.render()

    css, js = [], []
    for child in root.header._children.values():
        if isinstance(child, JavascriptLink):
            js.append(_local(child.url))
        elif isinstance(child, CssLink):
            css.append(_local(child.url))
    assets = MapAssets(css=(*css, static(MAPS_CSS)), js=(*js, *basemap.scripts(), static(MAPS_JS)))

    name = m.get_name()
    inner = root.script.render()
    script = f"TejidoMaps.prepare({_js(name)}, {_js(height)});\n(function () {{\n{inner}\n}})();\n"
    lowered = script.lower()
    if "</script" in lowered or "<!--" in lowered or "javascript:" in lowered:
        raise ImproperlyConfigured("a map's script must not hold markup")  # tiles settings?
    return _Built(html=root.html.render(), script=script, assets=assets, name=name)


def _walk(element) -> Iterator:
    yield element
    for child in element._children.values():
        yield from _walk(child)


def _local(url: str) -> str:
    """A map asset URL, refused unless it is served by Tejido itself."""
    if not url.startswith("/") or url.startswith("//") or "http" in url.lower():
        raise ImproperlyConfigured(f"map asset {url!r} is not a local static file")
    return url


def _same_site_path(url) -> str | None:
    if not isinstance(url, str) or not url.startswith("/") or url[1:2] in ("/", "\\"):
        return None
    if _CONTROL_OR_SPACE.search(url):
        return None
    return url


def _coordinate(value, limit: int) -> float:
    number = float(value)
    if not math.isfinite(number) or abs(number) > limit:
        raise ValueError(f"coordinate out of range: {value!r}")
    return number


def _colour(kind: str) -> str:
    return KIND_COLOURS.get(kind, OTHER_COLOUR)


def _kind_label(kind: str) -> str:
    label = _KIND_LABELS.get(kind)
    return str(label) if label is not None else _("Other")


def _js(value) -> str:
    """JSON that can sit inside <script> (the escapes of Django's `json_script`, by
    `str.replace`: `str.translate` with a mapping costs ~10 µs a kilobyte)."""
    text = json.dumps(value, cls=DjangoJSONEncoder)
    return text.replace(">", "\\u003E").replace("<", "\\u003C").replace("&", "\\u0026")


def _element(**context) -> SafeString:
    """The map's element (jinja2/mapping/_map_element.html)."""
    return mark_safe(render_to_string("mapping/_map_element.html", context))  # escaped there

"""The small maps: local assets only, no user text through folium, privacy of the cell,
and the Content-Security-Policy they run under."""

import json
import os
import re
import subprocess
import sys
from unittest import mock

import folium
import pytest
from django.conf import settings
from django.test import override_settings

from directory.choices import ListingKind, LocationPrecision
from directory.privacy import grid_cell_centre
from mapping.maps import KIND_COLOURS, OTHER_COLOUR, MapAssets, place_map, results_map

from . import HOSTILE_NAME, map_page

ASSET_ATTRIBUTE = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*\"([^\"]*)\"", re.I)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)


def points(n=3, **extra):
    return [
        {
            "lat": round(19.40 + n_ / 100, 6),
            "lng": round(-99.10 - n_ / 100, 6),
            "name": f"Listing {n_}",
            "url": f"/en/listings/listing-{n_}/",
            "kind": list(ListingKind.values)[n_ % 3],
            **extra,
        }
        for n_ in range(n)
    ]


def all_maps():
    return [
        results_map(points(5)),
        place_map(19.43261, -99.13321, precision=LocationPrecision.EXACT),
        place_map(19.43261, -99.13321, precision=LocationPrecision.AREA),
        place_map(19.43261, -99.13321, precision=LocationPrecision.REGION),
    ]


def data_block(rendered):
    match = re.search(
        r'<script id="[^"]+-points" type="application/json">(.*?)</script>', rendered.html, re.S
    )
    return json.loads(match.group(1))


# --- assets ---------------------------------------------------------------------------------


def test_every_map_loads_only_local_leaflet_and_its_own_glue():
    for rendered in all_maps():
        assert rendered.assets == MapAssets(
            css=("/static/vendor/leaflet/leaflet.css", "/static/css/maps.css"),
            js=(
                "/static/vendor/leaflet/leaflet.js",
                "/static/vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js",
                "/static/js/basemap.js",
                "/static/js/maps.js",
            ),
        )
        assert not [url for url in rendered.assets if "http" in url or url.startswith("//")]


def test_no_rendered_map_page_has_an_http_asset():
    body = map_page(all_maps()).content.decode()
    urls = ASSET_ATTRIBUTE.findall(body)
    assert "/static/vendor/leaflet/leaflet.js" in urls
    assert "/static/vendor/leaflet/leaflet.css" in urls
    assert [url for url in urls if "http" in url] == []
    for name in ("jquery", "bootstrap", "awesome-markers", "fontawesome", "cdn"):
        assert name not in body.lower()


def test_building_maps_leaves_folium_class_lists_unchanged():
    js_before, css_before = list(folium.Map.default_js), list(folium.Map.default_css)
    mixin_js, mixin_css = (
        list(folium.elements.JSCSSMixin.default_js),
        list(folium.elements.JSCSSMixin.default_css),
    )
    all_maps()
    assert folium.Map.default_js == js_before
    assert folium.Map.default_css == css_before
    assert folium.Map.default_js is folium.folium._default_js
    assert folium.elements.JSCSSMixin.default_js == mixin_js == []
    assert folium.elements.JSCSSMixin.default_css == mixin_css == []
    # and a plain folium map still gets folium's own defaults: nothing leaked either way
    assert folium.Map().default_js[0][0] == "leaflet"
    assert len(folium.Map().default_js) == 4


def test_the_shipped_leaflet_is_the_pinned_one():
    package = json.loads((settings.BASE_DIR / "package.json").read_text())
    shipped = json.loads(
        (settings.BASE_DIR / "node_modules" / "leaflet" / "package.json").read_text()
    )
    assert package["dependencies"]["leaflet"] == shipped["version"] == "1.9.4"


# --- the results map ------------------------------------------------------------------------


def test_results_map_hands_every_point_to_the_browser_coloured_by_kind_in_order():
    rendered = results_map(points(4))
    cooperative, mutual_aid, project = (KIND_COLOURS[kind] for kind in ListingKind)
    assert [(p["lat"], p["lng"], p["colour"], p["label"]) for p in data_block(rendered)] == [
        (19.40, -99.10, cooperative, "Cooperative"),
        (19.41, -99.11, mutual_aid, "Mutual aid"),
        (19.42, -99.12, project, "Community project"),
        (19.43, -99.13, cooperative, "Cooperative"),
    ]
    assert [(p["name"], p["url"]) for p in data_block(rendered)] == [
        (f"Listing {n}", f"/en/listings/listing-{n}/") for n in range(4)
    ]
    # a key tells the colours apart in words
    assert rendered.html.count("<li>") == 3
    for kind in ListingKind:
        assert f'fill="{KIND_COLOURS[kind]}"' in rendered.html
        assert str(kind.label) in rendered.html


def test_results_map_script_draws_its_own_data_block_before_any_tile_and_no_marker_of_folium():
    rendered = results_map(points(3))
    call = r'TejidoMaps\.draw\((map_\w{32}), "(map_\w{32}-points)", (\{.*?\}), (\{.*?\})\);'
    draw = re.search(call, rendered.script)
    assert draw.group(1) == rendered.name
    assert draw.group(2) == f"{rendered.name}-points"
    assert f'id="{rendered.name}-points"' in rendered.html
    assert f'id="{rendered.name}"' in rendered.html
    assert json.loads(draw.group(3)) == {
        "radius": 10,
        "weight": 3,
        "color": "#ffffff",
        "opacity": 1,
        "fillOpacity": 0.9,
    }
    assert json.loads(draw.group(4)) == {"padding": [32, 32], "maxZoom": 15}
    assert rendered.script.count("TejidoMaps.draw(") == 1
    assert rendered.script.index("TejidoMaps.draw(") < rendered.script.index("TejidoBasemap.add(")
    # the points are in the data block only: folium draws no marker and fits to nothing
    for call in ("L.circleMarker(", "L.marker(", ".fitBounds(", "19.41", "99.11"):
        assert call not in rendered.script


def test_results_map_is_built_by_folium_once_per_height_with_a_fresh_id_each_time():
    first = results_map(points(2), height="21rem")
    with mock.patch.object(folium, "Map", side_effect=AssertionError("folium per request")):
        second = results_map(points(3), height="21rem")
    assert first.name != second.name
    assert first.name not in second.html and first.name not in second.script
    assert second.script.count(second.name) == first.script.count(first.name) >= 3
    assert [p["name"] for p in data_block(second)] == ["Listing 0", "Listing 1", "Listing 2"]
    assert second.assets == first.assets


def test_results_map_keeps_user_text_out_of_folium_and_escapes_it_as_data():
    rendered = results_map(points(1, name=HOSTILE_NAME, label=f"2 km · {HOSTILE_NAME}"))
    assert "alert" not in rendered.script
    assert "bindPopup" not in rendered.script and "bindTooltip" not in rendered.script
    assert "<img" not in rendered.html
    assert rendered.html.count("</script>") == 1  # the data block's own end
    assert "\\u003Cimg src=x onerror=alert(1)\\u003E" in rendered.html
    assert data_block(rendered)[0]["name"] == HOSTILE_NAME
    assert data_block(rendered)[0]["label"] == f"2 km · {HOSTILE_NAME}"


@pytest.mark.parametrize(
    "url",
    [
        "https://elsewhere.example/x",
        "//elsewhere.example/x",
        "/\\elsewhere.example/x",
        "javascript:alert(1)",
        " /en/x",
        "/en/\nx",
        None,
        42,
    ],
)
def test_results_map_links_only_to_paths_on_this_site(url):
    rendered = results_map(points(1, url=url))
    assert data_block(rendered)[0]["url"] is None
    assert "javascript:" not in rendered.html.lower()


def test_results_map_leaves_out_points_without_coordinates_and_gives_none_for_no_point():
    hidden = {"lat": None, "lng": None, "name": "Hidden", "url": "/en/listings/h/", "kind": "x"}
    rendered = results_map([hidden, *points(2)])
    assert [p["name"] for p in data_block(rendered)] == ["Listing 0", "Listing 1"]
    assert "Hidden" not in rendered.html and "Hidden" not in rendered.script
    assert results_map([hidden]) is None
    assert results_map([]) is None


def test_results_map_gives_other_kinds_the_neutral_colour_and_their_own_name():
    rendered = results_map(points(1, kind="volunteers"))
    assert data_block(rendered)[0]["colour"] == OTHER_COLOUR
    assert data_block(rendered)[0]["label"] == "Volunteers"
    assert data_block(results_map(points(1, kind="zzz")))[0]["label"] == "Other"


def test_results_map_takes_a_css_height_and_refuses_anything_else():
    rendered = results_map(points(1), height="24rem")
    assert f'TejidoMaps.prepare("{rendered.name}", "24rem");' in rendered.script
    for bad in ("320", "1px; background: red", '1px"); alert(1); ("', "calc(1px)"):
        with pytest.raises(ValueError, match="CSS length"):
            results_map(points(1), height=bad)


def test_results_map_refuses_coordinates_off_the_earth():
    with pytest.raises(ValueError, match="out of range"):
        results_map(points(1, lat=91))
    with pytest.raises(ValueError, match="out of range"):
        results_map(points(1, lng=float("nan")))


# --- the place map --------------------------------------------------------------------------


def test_place_map_of_an_exact_listing_is_a_marker_on_its_point():
    rendered = place_map(19.43261, -99.13321, precision=LocationPrecision.EXACT)
    assert re.findall(r"L\.marker\(\s*(\[.*?\])", rendered.script) == ["[19.43261, -99.13321]"]
    assert "L.rectangle(" not in rendered.script
    assert "L.circleMarker(" not in rendered.script


@pytest.mark.parametrize(
    ("precision", "bounds"),
    [
        (LocationPrecision.AREA, [[19.43, -99.14], [19.44, -99.13]]),
        (LocationPrecision.REGION, [[19.4, -99.2], [19.5, -99.1]]),
    ],
)
def test_place_map_of_an_area_or_region_listing_is_its_cell_and_no_marker(precision, bounds):
    lng, lat = grid_cell_centre(-99.13321, 19.43261, 100 if precision == "area" else 10)
    for given in ((lat, lng), (19.43261, -99.13321)):  # the public point, or a careless caller
        rendered = place_map(*given, precision=precision)
        rectangle = re.search(r"L\.rectangle\(\s*(\[\[.*?\]\])", rendered.script, re.S).group(1)
        assert json.loads(rectangle) == bounds
        assert "L.marker(" not in rendered.script
        assert "L.circleMarker(" not in rendered.script
        assert "19.43261" not in rendered.script and "99.13321" not in rendered.script
        assert "not published" in rendered.html


def test_place_map_draws_the_same_map_for_every_point_of_a_cell():
    def stripped(rendered):
        return re.sub(r"_[0-9a-f]{32}", "", rendered.script)

    first = place_map(19.4301, -99.1399, precision=LocationPrecision.AREA)
    second = place_map(19.4399, -99.1301, precision=LocationPrecision.AREA)
    assert stripped(first) == stripped(second)


def test_place_map_of_a_hidden_listing_is_none():
    assert place_map(19.4, -99.1, precision=LocationPrecision.HIDDEN) is None
    assert place_map(None, None, precision=LocationPrecision.AREA) is None
    with pytest.raises(ValueError, match="precision"):
        place_map(19.4, -99.1, precision="fuzzy")


# --- tiles and CSP --------------------------------------------------------------------------


BASEMAP_CALL = re.compile(r"TejidoBasemap\.add\((map_[0-9a-f]+), (\{.*?\}), (\{.*?\})\);")


def basemap_config(rendered) -> dict:
    (match,) = BASEMAP_CALL.findall(rendered.script)
    assert match[0] == rendered.name
    assert json.loads(match[2]) == {"labelsZIndex": 390}  # names under the points
    return json.loads(match[1])


def test_every_map_draws_tejidos_own_basemap_by_default():
    assert settings.TILE_URL == ""
    for rendered in all_maps():
        config = basemap_config(rendered)
        assert config["url"] == ""
        assert config["tiles"] == "/api/v1/tiles/basemap/{z}/{x}/{y}.pbf"
        assert config["version"] == "/api/v1/tiles/basemap/version"
        for source in ("Natural Earth", "US Census", "INEGI", "GeoNames", "CC BY 4.0"):
            assert source in config["attribution"]
        assert "L.tileLayer" not in rendered.script
        assert "openstreetmap" not in rendered.script


@override_settings(
    TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png", TILE_ATTRIBUTION="Example tiles"
)
def test_a_configured_tile_url_keeps_the_raster_basemap():
    rendered = results_map(points(1))
    assert basemap_config(rendered) == {
        "url": "https://tiles.example.org/{z}/{x}/{y}.png",
        "attribution": "Example tiles",
    }
    # basemap.js draws it with L.tileLayer; VectorGrid is not loaded for it
    assert "/static/js/basemap.js" in rendered.assets.js
    assert not [url for url in rendered.assets.js if "vectorgrid" in url]
    assert "openstreetmap" not in rendered.script
    with override_settings(TILE_URL="https://other.example.org/{z}/{x}/{y}.png"):
        assert "other.example.org" in results_map(points(1)).script


def test_csp_names_no_other_host_with_the_own_basemap():
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert settings.TILE_URL == ""
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["connect-src"] == ["'self'"]
    others = [
        source
        for sources in directives.values()
        for source in sources
        if "http" in str(source) or "*" in str(source)
    ]
    assert others == []
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-inline'" not in directives["style-src"]


def test_csp_allows_images_from_a_configured_tile_host_only():
    """The policy is built when the settings load: read in a process with TILE_URL set."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps({k: [str(s) for s in v] for k, v in "
        "settings.CONTENT_SECURITY_POLICY['DIRECTIVES'].items()}))"
    )
    env = {
        **os.environ,
        "TILE_URL": "https://{s}.tiles.example.org/{z}/{x}/{y}.png",
        "DJANGO_SETTINGS_MODULE": "tejido.settings.test",
    }
    output = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    directives = json.loads(output.strip().splitlines()[-1])
    assert directives["img-src"] == ["'self'", "data:", "https://*.tiles.example.org"]
    others = [
        source
        for name, sources in directives.items()
        if name != "img-src"
        for source in sources
        if "http" in source or "*" in source
    ]
    assert others == []


def test_map_markup_has_no_inline_handlers_styles_or_javascript_urls():
    for rendered in all_maps():
        assert EVENT_HANDLER.search(rendered.html) is None
        assert " style=" not in rendered.html and "<style" not in rendered.html
        assert "javascript:" not in rendered.html.lower()
        assert "javascript:" not in rendered.script.lower()
        assert "</script" not in rendered.script.lower()
        assert "$(" not in rendered.script  # nothing needs jQuery


def test_map_include_gives_the_inline_script_the_responses_csp_nonce():
    response = map_page(all_maps())
    header = response["Content-Security-Policy"]
    nonce = re.search(r"script-src 'self' 'nonce-([A-Za-z0-9+/=]+)'", header).group(1)
    body = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)([^>]*)>", body)
    assert len(inline) == 4
    assert inline == [f' nonce="{nonce}"'] * 4
    # the assets once, before the first map's script, even with four maps on the page
    assert body.count('src="/static/vendor/leaflet/leaflet.js"') == 1
    assert body.count('src="/static/js/maps.js"') == 1
    assert body.index("/static/js/maps.js") < body.index("TejidoMaps.prepare")


def test_map_include_renders_nothing_without_a_map():
    body = map_page([None]).content.decode()
    assert "<script" not in body and "leaflet" not in body


@pytest.mark.django_db
def test_pages_are_served_with_a_content_security_policy(client):
    response = client.get("/en/")
    assert response.status_code == 200
    header = response["Content-Security-Policy"]
    assert "default-src 'self'" in header
    assert "object-src 'none'" in header
    assert "frame-ancestors 'none'" in header
    assert "img-src 'self' data:;" in header or header.endswith("img-src 'self' data:")
    assert re.search(r"script-src 'self'( 'nonce-[A-Za-z0-9+/=]+')?(;|$)", header)
    # every nonce the page uses is the header's; a page with a map has one
    body = response.content.decode()
    header_nonces = set(re.findall(r"'nonce-([A-Za-z0-9+/=]+)'", header))
    page_nonces = set(re.findall(r'nonce="([^"]*)"', body))
    assert page_nonces <= header_nonces
    assert len(header_nonces) <= 1
    if "tejido-map" in body:
        assert len(header_nonces) == 1 and page_nonces == header_nonces

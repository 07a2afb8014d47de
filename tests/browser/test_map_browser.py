"""The full map, its embed and the regional maps in a real browser, at 390 px and 1280 px:
vector tiles drawn on canvas, popups built as text from the public detail (a hostile name
raises no dialog), nothing fetched from another host (the basemap is Tejido's own)."""

import pytest
from django.contrib.gis.geos import Point

from directory import services, stats
from directory.choices import ListingKind, LocationPrecision, RegionLevel
from mapping import tiles
from tests.browser.helpers import shots_dir
from tests.factories import ListingFactory, NeedFactory, PlaceFactory, RegionFactory, box

HOSTILE = "<img src=x onerror=alert(1)> ${alert(1)} `"
WHERE = (-99.13321, 19.43261)


def shot(page, name: str) -> None:
    page.screenshot(path=str(shots_dir() / f"{name}.png"), full_page=True, animations="disabled")


def painted_pixels(page) -> int:
    """Pixels drawn on the vector tiles' canvases."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('#fullmap canvas')).reduce((n, c) => {
            if (!c.width || !c.height) return n;
            const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            for (let i = 3; i < data.length; i += 4) if (data[i]) n++;
            return n;
        }, 0)"""
    )


@pytest.fixture
def directory_data(committed_db):
    mexico = RegionFactory(
        slug="mx",
        name_en="Mexico",
        name_es="México",
        level=RegionLevel.COUNTRY,
        geom=box(-118, 14, -86, 33),
    )
    RegionFactory(
        slug="mx-cdmx", name_en="Ciudad de México", parent=mexico, geom=box(-100, 19, -98.5, 20)
    )
    RegionFactory(slug="mx-pue", name_en="Puebla", parent=mexico, geom=box(-98.5, 18, -97, 20))
    hostile = ListingFactory(
        name=HOSTILE,
        slug="hostile",
        kind=ListingKind.COOPERATIVE,
        summary_es="`${alert(2)}` </script><script>alert(3)</script>",
        location=Point(*WHERE, srid=4326),
        location_precision=LocationPrecision.EXACT,
    )
    NeedFactory(listing=hostile)
    for n, (lng, lat, kind) in enumerate(
        [
            (-99.15, 19.42, "mutual_aid"),
            (-98.2, 19.04, "community_project"),
            (-99.1, 19.5, "mutual_aid"),
        ]
    ):
        ListingFactory(name=f"Lugar {n}", kind=kind, location=Point(lng, lat, srid=4326))
    from directory.models import Listing

    for listing in Listing.objects.all():
        services.listing_refresh_derived(listing)
    PlaceFactory(
        name="Tehuacán",
        admin1_name="Puebla",
        country="MX",
        point=Point(-97.39, 18.46, srid=4326),
        population=300_000,
    )
    stats.refresh()
    tiles.refresh()
    return hostile


@pytest.mark.parametrize("device", ["phone", "desktop"], indirect=True)
def test_full_map_draws_tiles_and_shows_a_hostile_name_as_text(site, device, directory_data):
    page = site.page
    with page.expect_response(lambda r: ".pbf" in r.url and r.status == 200):
        site.visit("/map/")
    page.wait_for_function("() => document.getElementById('fullmap').tejidoMap")
    page.wait_for_timeout(600)
    assert painted_pixels(page) > 0, "the cells of the low zoom are drawn"
    # Tiles repeat their neighbours' features near their edges: the map counts each once.
    page.wait_for_function("() => document.getElementById('fullmap').tejidoTotal() === 4")
    assert page.locator("[data-map-total]").inner_text().endswith(": 4")
    # The list of what is in view, from the API, with the name as text.
    page.wait_for_function(
        "() => document.querySelector('[data-in-view] a') && "
        "document.querySelector('#in-view-title').textContent.includes('part of the map')"
    )
    assert HOSTILE in page.locator("[data-in-view]").inner_text()
    shot(page, f"fullmap-{device}")

    # Close in: the listing's own point, then a click on it opens its popup.
    with page.expect_response(lambda r: "/16/" in r.url and ".pbf" in r.url):
        page.evaluate(
            "() => document.getElementById('fullmap').tejidoMap"
            f".setView([{WHERE[1]}, {WHERE[0]}], 16, {{animate: false}})"
        )
    page.wait_for_timeout(600)
    page.evaluate("() => document.getElementById('fullmap').scrollIntoView({block: 'center'})")
    point = page.evaluate(
        f"() => {{ const m = document.getElementById('fullmap').tejidoMap;"
        f" const p = m.latLngToContainerPoint([{WHERE[1]}, {WHERE[0]}]);"
        " const r = m.getContainer().getBoundingClientRect();"
        " return [r.left + p.x, r.top + p.y]; }"
    )
    page.mouse.click(point[0], point[1])
    name = page.locator(".leaflet-popup .map-popup__name")
    name.wait_for()
    assert name.inner_text() == HOSTILE
    assert name.get_attribute("href") == "/en/listings/hostile/"
    assert page.locator(".leaflet-popup img").count() == 0
    assert page.locator(".leaflet-popup script").count() == 0
    assert "${alert(2)}" in page.locator(".leaflet-popup .map-popup__summary").inner_text()
    shot(page, f"fullmap-popup-{device}")
    assert site.guard.dialogs == []


@pytest.mark.parametrize("device", ["phone", "desktop"], indirect=True)
def test_embed_takes_the_filters_and_has_no_chrome(site, device, directory_data):
    page = site.page
    with page.expect_response(lambda r: ".pbf" in r.url and "kind=cooperative" in r.url):
        site.visit("/embed/map/?kind=cooperative")
    assert page.locator(".site-header").count() == 0
    page.wait_for_timeout(800)
    assert painted_pixels(page) > 0
    assert page.locator("input[data-kind]").count() == 1
    shot(page, f"fullmap-embed-{device}")


@pytest.mark.parametrize("device", ["phone", "desktop"], indirect=True)
def test_regional_maps_draw_areas_and_gaps(site, device, directory_data):
    page = site.visit("/regions/")
    assert page.get_by_role("link", name="Mexico", exact=True).is_visible()
    # The index's map: the country shaded, its key, and its states once zoomed in.
    page.wait_for_selector("#regionmap.is-ready")
    # Below STATES_FROM_ZOOM only countries (the fitted zoom depends on the viewport).
    page.evaluate("() => document.getElementById('regionmap').tejidoMap.setView([20, -100], 3)")
    page.wait_for_function(
        "() => document.querySelectorAll('#regionmap .leaflet-overlay-pane path').length === 1"
    )
    assert page.locator("#regionmap-key .choropleth-key li").count() >= 2
    shot(page, f"fullmap-regions-{device}")
    page.evaluate("() => document.getElementById('regionmap').tejidoMap.setView([19.3, -98.5], 6)")
    page.wait_for_function(
        "() => document.querySelectorAll('#regionmap .leaflet-overlay-pane path').length === 3"
    )
    shot(page, f"fullmap-regions-states-{device}")
    # A click on a state opens its page.
    box = page.locator("#regionmap").bounding_box()
    point = page.evaluate(
        "() => { const m = document.getElementById('regionmap').tejidoMap;"
        " const p = m.latLngToContainerPoint([19.0, -97.75]); return [p.x, p.y]; }"
    )
    with page.expect_navigation():
        page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    assert page.url.endswith("/regions/mx-pue/")
    page = site.visit("/regions/mx/?gap_kind=mutual_aid&min_population=15000&distance_km=25")
    page.wait_for_function("() => document.getElementById('regionmap').tejidoMap")
    assert page.locator("#regionmap .leaflet-overlay-pane path").count() >= 3
    assert page.locator("#regionmap .gap-marker").count() == 1
    assert page.get_by_role("row", name="Tehuacán").is_visible()
    shot(page, f"fullmap-region-{device}")


def test_a_country_with_islands_past_the_antimeridian_does_not_stretch_the_view(
    site, device, committed_db
):
    """The United States' Aleutians lie past 180°: fitted to the whole outline, the regions
    index and the country's page would show the whole world. They fit its largest part."""
    from django.contrib.gis.geos import MultiPolygon, Polygon

    states = Polygon.from_bbox((-124, 25, -67, 49))
    aleutians = Polygon.from_bbox((172, 51, 179.9, 53))
    us = RegionFactory(
        slug="us",
        name_en="United States",
        level=RegionLevel.COUNTRY,
        geom=MultiPolygon(states, aleutians, srid=4326),
    )
    RegionFactory(slug="us-ca", name_en="California", parent=us, geom=box(-124, 32, -114, 42))
    listing = ListingFactory(name="Cocina", location=Point(-118.2, 34.0, srid=4326))
    services.listing_refresh_derived(listing)
    stats.refresh()
    view = (
        "() => { const m = document.getElementById('regionmap').tejidoMap;"
        " const b = m.getBounds(); return [m.getZoom(), b.getWest(), b.getEast()]; }"
    )
    for path in ("/regions/", "/regions/us/"):
        page = site.visit(path)
        page.wait_for_function("() => document.getElementById('regionmap').tejidoMap")
        page.wait_for_timeout(300)  # the index's areas arrive by fetch
        zoom, west, east = page.evaluate(view)
        assert east - west < 200, (path, zoom, west, east)  # not the whole world
        assert west <= -118.2 <= east, (path, west, east)

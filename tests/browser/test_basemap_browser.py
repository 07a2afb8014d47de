"""Tejido's own basemap in a real browser (TILE_URL empty, the default): the full map, its
embed, a region page and a results map draw the land, the borders and the names from
/api/v1/tiles/basemap/, with no request leaving 127.0.0.1 and no console error, at 390 px
and 1280 px."""

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection

from directory import services, stats
from directory.choices import ListingKind, LocationPrecision, RegionLevel
from directory.models import Listing
from mapping import basemap, tiles
from tests.browser.helpers import shoot
from tests.factories import ListingFactory, PlaceFactory, RegionFactory, UserFactory, box

WHERE = (-99.13321, 19.43261)


@pytest.fixture
def basemap_data(committed_db):
    mexico = RegionFactory(
        slug="mx",
        code="MX",
        name_en="Mexico",
        name_es="México",
        name_fr="Mexique",
        name_pt="México",
        level=RegionLevel.COUNTRY,
        geom=box(-118, 14, -86, 32),
    )
    RegionFactory(
        slug="us",
        code="US",
        name_en="United States",
        name_es="Estados Unidos",
        level=RegionLevel.COUNTRY,
        geom=box(-125, 32, -66, 49),
    )
    RegionFactory(
        slug="mx-cdmx", name_en="Ciudad de México", parent=mexico, geom=box(-100, 19, -98.5, 20)
    )
    RegionFactory(slug="mx-pue", name_en="Puebla", parent=mexico, geom=box(-98.5, 18, -97, 20))
    for name, lng, lat, population in (
        ("Ciudad de México", *WHERE, 9_209_944),
        ("Puebla", -98.20, 19.04, 1_434_062),
        ("Toluca", -99.66, 19.29, 489_333),
    ):
        PlaceFactory(
            name=name, country="MX", point=Point(lng, lat, srid=4326), population=population
        )
    for n, (lng, lat) in enumerate([(-99.15, 19.42), (-99.1, 19.5), (-98.2, 19.04)]):
        ListingFactory(
            name=f"Cocina {n}",
            kind=ListingKind.MUTUAL_AID,
            location=Point(lng, lat, srid=4326),
            location_precision=LocationPrecision.EXACT,
        )
    for listing in Listing.objects.all():
        services.listing_refresh_derived(listing)
    stats.refresh()
    tiles.refresh()
    basemap.refresh()
    yield
    with connection.cursor() as cursor:  # not model tables: committed_db leaves them
        cursor.execute("DELETE FROM mapping_basemap_shape")
        cursor.execute("DELETE FROM mapping_basemap_label")


@pytest.fixture
def requests(site):
    """Every URL the page asks for (the guard aborts and reports any other host)."""
    seen = []
    site.page.on("request", lambda request: seen.append(request.url))
    return seen


def basemap_pixels(page, within: str) -> dict:
    """Pixels drawn on the basemap's canvases inside `within`: shapes, and names."""
    return page.evaluate(
        """(within) => {
            const count = (selector) => Array.from(document.querySelectorAll(selector))
              .reduce((n, c) => {
                if (!c.width || !c.height) return n;
                const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                for (let i = 3; i < data.length; i += 4) if (data[i]) n++;
                return n;
              }, 0);
            return {
              shapes: count(within + ' .leaflet-tejidoBasemap-pane canvas'),
              names: count(within + ' canvas.tejido-basemap-labels'),
            };
        }""",
        within,
    )


def wait_for_basemap(page, within: str, *, names: bool = True) -> None:
    page.wait_for_function(
        """([within, names]) => {
            const canvases = document.querySelectorAll(
              within + ' .leaflet-tejidoBasemap-pane canvas');
            const label = document.querySelector(within + ' canvas.tejido-basemap-labels');
            return canvases.length > 0 && (!names || (label && Number(label.dataset.written) > 0));
        }""",
        arg=[within, names],
    )
    page.wait_for_timeout(400)
    drawn = basemap_pixels(page, within)
    assert drawn["shapes"] > 1000, drawn
    if names:
        assert drawn["names"] > 50, drawn


def assert_own_basemap(site, requests, lang="en") -> None:
    assert settings.TILE_URL == ""
    asked = [url for url in requests if "/api/v1/tiles/basemap/" in url and ".pbf" in url]
    assert asked, "basemap tiles were requested"
    assert all(f"lang={lang}" in url and "v=" in url for url in asked)
    assert all(url.startswith(site.base_url) for url in requests if url.startswith("http"))
    assert site.guard.foreign == [] and site.guard.tiles == []
    assert site.guard.console_errors == [] and site.guard.page_errors == []


@pytest.mark.parametrize("device", ["phone", "desktop"], indirect=True)
def test_full_map_draws_the_own_basemap(site, device, basemap_data, requests):
    page = site.visit("/map/")
    wait_for_basemap(page, "#fullmap")
    assert_own_basemap(site, requests)
    water = page.evaluate(
        "() => getComputedStyle(document.getElementById('fullmap')).backgroundColor"
    )
    assert water == "rgb(185, 205, 217)"
    attribution = page.locator("#fullmap .leaflet-control-attribution").inner_text()
    for source in ("Natural Earth", "US Census", "INEGI", "GeoNames", "CC BY 4.0"):
        assert source in attribution
    # The names never take a click: the listings under them still answer (their own tests).
    assert (
        page.evaluate(
            "() => getComputedStyle(document.querySelector('.leaflet-tejidoBasemapLabels-pane'))"
            ".pointerEvents"
        )
        == "none"
    )
    shoot(page, f"basemap-fullmap-{device}")
    page.evaluate(
        "() => document.getElementById('fullmap').tejidoMap"
        f".setView([{WHERE[1]}, {WHERE[0]}], 8, {{animate: false}})"
    )
    page.wait_for_function(
        "() => Number(document.querySelector('canvas.tejido-basemap-labels').dataset.written) >= 3"
    )
    wait_for_basemap(page, "#fullmap")
    assert_own_basemap(site, requests)
    shoot(page, f"basemap-fullmap-z8-{device}")


@pytest.mark.parametrize("device", ["phone", "desktop"], indirect=True)
def test_names_come_in_the_pages_language(site, device, basemap_data, requests):
    page = site.visit("/map/", lang="es")
    wait_for_basemap(page, "#fullmap")
    assert_own_basemap(site, requests, lang="es")


@pytest.mark.parametrize("device", ["phone", "desktop"], indirect=True)
def test_embed_draws_the_own_basemap(site, device, basemap_data, requests):
    page = site.visit("/embed/map/?kind=mutual_aid")
    wait_for_basemap(page, "#fullmap")
    assert_own_basemap(site, requests)
    shoot(page, f"basemap-embed-{device}")


@pytest.mark.parametrize("device", ["phone", "desktop"], indirect=True)
def test_region_page_draws_the_own_basemap_under_its_areas(site, device, basemap_data, requests):
    page = site.visit("/regions/mx/")
    wait_for_basemap(page, "#regionmap")
    assert_own_basemap(site, requests)
    assert page.locator("#regionmap .leaflet-overlay-pane path").count() >= 2
    shoot(page, f"basemap-region-{device}")


@pytest.mark.parametrize("device", ["phone", "desktop"], indirect=True)
def test_results_map_draws_the_own_basemap(site, device, basemap_data, requests):
    page = site.visit("/listings/")
    if device == "phone":  # behind its "Map" toggle on a phone
        page.locator(".map-toggle__summary").click()
    page.wait_for_selector(".tejido-map--results.is-ready")
    wait_for_basemap(page, ".tejido-map--results")
    assert_own_basemap(site, requests)
    assert page.locator(".tejido-map--results path.leaflet-interactive").count() == 3
    shoot(page, f"basemap-results-{device}")


@pytest.mark.parametrize("device", ["phone", "desktop"], indirect=True)
def test_point_picker_draws_the_own_basemap_and_a_tap_still_picks(open_as, device, basemap_data):
    lead = UserFactory()
    EmailAddress.objects.create(user=lead, email=lead.email, verified=True, primary=True)
    site = open_as(lead, device)
    requests = []
    site.page.on("request", lambda request: requests.append(request.url))
    page = site.visit("/dashboard/listings/new/")
    page.locator("#point-picker").scroll_into_view_if_needed()
    wait_for_basemap(page, "#point-picker", names=False)
    assert_own_basemap(site, requests)
    box = page.locator(".point-picker__map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.locator("#id_latitude").input_value() != ""
    shoot(page, f"basemap-point-picker-{device}")

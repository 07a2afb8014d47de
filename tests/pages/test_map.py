"""The full map `/map/` and its embeddable version `/embed/map/`: no points in the HTML (only
the tile layer), the API's filters with bad input next to its field, the list for readers
without the map, and the framing rules (only the embed may be framed by other sites)."""

import json
import re

import pytest
from django.contrib.gis.geos import Point
from django.utils import translation

from directory.choices import ListingKind, ListingStatus, LocationPrecision
from tests.factories import CategoryFactory, ListingFactory

pytestmark = pytest.mark.django_db

HOSTILE = "<img src=x onerror=alert(1)> ${alert(1)} `tick`"


def body(response) -> str:
    return response.content.decode()


def config(response) -> dict:
    found = re.search(
        r'<script id="fullmap-config" type="application/json">(.*?)</script>', body(response)
    )
    assert found, "the page has no map configuration"
    return json.loads(found.group(1))


def listed_names(response) -> list[str]:
    block = re.search(r'<ul class="in-view__list" data-in-view>(.*?)</ul>', body(response), re.S)
    return re.findall(r'<li><a href="[^"]+"[^>]*>(.*?)</a>', block.group(1))


def frame_ancestors(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    return next(
        part.strip() for part in policy.split(";") if part.strip().startswith("frame-ancestors")
    )


@pytest.fixture
def listings():
    food = CategoryFactory(slug="food", name_en="Food")
    coop = ListingFactory(
        name="Cooperativa Textil",
        kind=ListingKind.COOPERATIVE,
        location=Point(-99.13321, 19.43261, srid=4326),
        location_precision=LocationPrecision.EXACT,
    )
    aid = ListingFactory(
        name="Despensa Solidaria",
        kind=ListingKind.MUTUAL_AID,
        location=Point(-98.20612, 19.04138, srid=4326),
        location_precision=LocationPrecision.AREA,
        access=["free"],
    )
    aid.categories.set([food])
    ListingFactory(name="Borrador Privado", status=ListingStatus.PENDING)
    return {"coop": coop, "aid": aid}


@pytest.mark.parametrize("lang", ["es", "en"])
def test_map_page_speaks_the_prefix_language(client, listings, lang):
    response = client.get(f"/{lang}/map/")
    assert response.status_code == 200
    html = body(response)
    assert f'<html lang="{lang}">' in html
    with translation.override(lang):
        heading = translation.gettext("Map of co-operatives, mutual aid and community projects")
        key = translation.gettext("Key")
    assert f'<h1 class="page-title">{heading}</h1>' in html
    assert f'<h2 id="legend-title">{key}</h2>' in html
    assert config(response)["page"] == f"/{lang}/listings/__slug__/"
    assert config(response)["language"] == lang


def test_map_page_carries_no_points_only_the_tile_layer(client, listings):
    response = client.get("/en/map/")
    html = body(response)
    # Names for readers without the map, but not a coordinate of any listing.
    assert listed_names(response) == ["Cooperativa Textil", "Despensa Solidaria"]
    for coordinate in ("-99.13", "19.43", "-98.2", "19.04", "-98.205", "19.045"):
        assert coordinate not in html
    settings = config(response)
    assert settings["tiles"] == "/api/v1/tiles/{z}/{x}/{y}.pbf"
    assert settings["version"] == "/api/v1/tiles/version"
    assert settings["filters"] == ""
    assert settings["kinds"] == ["cooperative", "mutual_aid", "community_project"]
    assert settings["colours"] == {
        "cooperative": "#0072B2",
        "mutual_aid": "#D55E00",
        "community_project": "#009E73",
    }


def test_map_assets_are_all_served_by_tejido(client, listings):
    html = body(client.get("/en/map/"))
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert "/static/vendor/leaflet/leaflet.js" in sources
    assert "/static/vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js" in sources
    assert "/static/js/fullmap.js" in sources
    assert all(source.startswith("/static/") for source in sources), sources
    assert "unpkg" not in html and "cdn" not in html.lower()


def test_vectorgrid_is_served_from_the_static_files(client):
    from django.contrib.staticfiles import finders

    found = finders.find("vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js")
    assert found and found.endswith(
        "node_modules/leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js"
    )


def test_filters_narrow_the_list_and_the_tiles(client, listings):
    response = client.get("/en/map/?kind=mutual_aid&category=food&access=free&utm_source=x")
    assert response.status_code == 200
    assert listed_names(response) == ["Despensa Solidaria"]
    settings = config(response)
    assert settings["filters"] == "kind=mutual_aid&category=food&access=free"
    assert settings["kinds"] == ["mutual_aid"]
    html = body(response)
    assert 'id="layer-mutual_aid"' in html and 'id="layer-cooperative"' not in html
    assert re.search(r'<input type="checkbox" name="kind" value="mutual_aid"[^>]* checked', html)


def test_comma_separated_kinds_are_the_apis_too(client, listings):
    response = client.get("/en/map/?kind=cooperative,mutual_aid")
    assert response.status_code == 200
    assert config(response)["filters"] == "kind=cooperative,mutual_aid"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (
            "kind=spaceship",
            "kind",
            "Select a valid choice. spaceship is not one of the available choices.",
        ),
        (
            "need=wishes",
            "need",
            "Select a valid choice. wishes is not one of the available choices.",
        ),
        (
            "access=teleport",
            "access",
            "Select a valid choice. teleport is not one of the available choices.",
        ),
        ("category=nowhere", "category", "There is no category “nowhere”."),
    ],
)
def test_bad_filters_come_back_next_to_their_field(client, listings, query, field, message):
    response = client.get(f"/en/map/?{query}")
    assert response.status_code == 400
    html = body(response)
    assert (
        f'<p class="field-error" id="id_{field}_error">'
        f'<span class="visually-hidden">Error:</span> {message}</p>' in html
    )
    assert 'class="error-summary"' in html
    assert config(response)["filters"] == ""


@pytest.mark.parametrize(
    "query",
    [
        "kind=%3Cscript%3E",
        "category=" + "x" * 500,
        "need=%00",
        "access=,,,",
        "kind=&kind=coop",
        "category=%F0%9F%92%A9",
    ],
)
def test_strange_input_never_breaks_the_map(client, listings, query):
    for path in ("/en/map/", "/en/embed/map/"):
        response = client.get(f"{path}?{query}")
        assert response.status_code in (200, 400)
        assert "<script>" not in body(response)


def test_bad_filters_in_spanish_are_in_spanish(client, listings):
    response = client.get("/es/map/?kind=spaceship")
    assert response.status_code == 400
    with translation.override("es"):
        expected = translation.gettext("There is a problem")
    assert expected in body(response)


def test_a_hostile_name_is_text_in_the_list(client):
    ListingFactory(name=HOSTILE)
    for path in ("/en/map/", "/en/embed/map/"):
        html = body(client.get(path))
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt; ${alert(1)} `tick`" in html


def test_only_the_embed_may_be_framed_by_other_sites(client, listings):
    page = client.get("/en/map/")
    assert frame_ancestors(page) == "frame-ancestors 'none'"
    assert page.headers["X-Frame-Options"] == "DENY"

    embed = client.get("/en/embed/map/?kind=cooperative")
    assert embed.status_code == 200
    assert frame_ancestors(embed) == "frame-ancestors *"
    assert "X-Frame-Options" not in embed.headers
    # The rest of the policy is the site's.
    assert "script-src 'self'" in embed.headers["Content-Security-Policy"]
    assert "object-src 'none'" in embed.headers["Content-Security-Policy"]

    for other in ("/en/", "/en/listings/", "/en/regions/"):
        response = client.get(other)
        assert frame_ancestors(response) == "frame-ancestors 'none'", other
        assert response.headers["X-Frame-Options"] == "DENY", other


def test_embed_has_no_site_chrome_and_takes_the_same_filters(client, listings):
    response = client.get("/es/embed/map/?kind=cooperative")
    html = body(response)
    assert '<html lang="es">' in html
    assert 'class="site-header"' not in html and 'class="site-footer"' not in html
    assert listed_names(response) == ["Cooperativa Textil"]
    settings = config(response)
    assert settings["embedded"] is True
    assert settings["filters"] == "kind=cooperative"
    # The way out to the whole map keeps the filters and opens outside the frame.
    assert '<a href="/es/map/?kind=cooperative" target="_blank" rel="noopener">' in html


def test_bad_filters_on_the_embed_say_so(client, listings):
    response = client.get("/en/embed/map/?kind=spaceship")
    assert response.status_code == 400
    assert "spaceship is not one of the available choices" in body(response)
    assert frame_ancestors(response) == "frame-ancestors *"


def test_map_pages_refuse_writes(client):
    assert client.post("/en/map/").status_code == 405
    assert client.post("/en/embed/map/").status_code == 405


def test_map_page_query_budget(client, listings, django_assert_max_num_queries):
    ListingFactory.create_batch(30)
    with django_assert_max_num_queries(3):
        assert client.get("/en/map/").status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get("/en/map/?kind=mutual_aid&category=food").status_code == 200


def test_more_than_the_list_holds_says_how_many_more(client):
    ListingFactory.create_batch(53)
    response = client.get("/en/map/")
    assert len(listed_names(response)) == 50
    assert "3 more." in body(response)

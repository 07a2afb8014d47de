"""Content negotiation as real clients do it (GDAL sends `Accept: text/plain, application/json`),
OPTIONS and HEAD on every API path."""

import pytest
from django.contrib.gis.geos import Point

from tests.factories import ListingFactory, NeedFactory, PlaceFactory, RegionFactory

pytestmark = pytest.mark.django_db

GDAL_ACCEPT = "text/plain, application/json"
# Accept headers every path must take: none at all, anything, GDAL's, plain JSON.
USUAL_ACCEPTS = [None, "*/*", GDAL_ACCEPT, "application/json"]


@pytest.fixture
def data():
    listing = ListingFactory(slug="panaderia", location=Point(-99.2, 19.5, srid=4326))
    need = NeedFactory(listing=listing)
    RegionFactory(slug="cdmx")
    PlaceFactory(name="Santa Ana", ascii_name="santa ana")
    return {"listing": listing, "need": need}


def get(api, url, accept=None, method="get"):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    return getattr(api, method)(url, **headers)


# What each path sends when the client names no format: its own type, never a 406.
DEFAULT_TYPES = {
    "/api/v1/listings/": "application/json",
    "/api/v1/listings/panaderia/": "application/json",
    "/api/v1/listings/export.geojson": "application/geo+json",
    "/api/v1/listings/export.csv": "text/csv; charset=utf-8",
    "/api/v1/places/?q=santa": "application/json",
}


@pytest.mark.parametrize("accept", USUAL_ACCEPTS)
@pytest.mark.parametrize("url", DEFAULT_TYPES)
def test_usual_accept_headers_get_the_paths_own_type(api, data, url, accept):
    response = get(api, url, accept)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == DEFAULT_TYPES[url]


@pytest.mark.parametrize("accept", USUAL_ACCEPTS)
@pytest.mark.parametrize(
    ("url", "geojson_type"),
    [
        ("/api/v1/listings/?format=geojson", "FeatureCollection"),
        ("/api/v1/listings/panaderia/?format=geojson", "Feature"),
        ("/api/v1/places/?q=santa&format=geojson", "FeatureCollection"),
        ("/api/v1/listings/export.geojson", "FeatureCollection"),
    ],
)
def test_a_client_of_json_gets_the_geojson_it_asked_for(api, data, url, geojson_type, accept):
    response = get(api, url, accept)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    assert response.json()["type"] == geojson_type


def test_accept_geojson_alone_chooses_geojson(api, data):
    response = get(api, "/api/v1/listings/", "application/geo+json")
    assert response["Content-Type"] == "application/geo+json"
    assert response.json()["type"] == "FeatureCollection"


def test_qualities_rank_the_offered_types(api, data):
    preferred = get(api, "/api/v1/listings/", "application/json;q=0.4, application/geo+json;q=0.9")
    assert preferred["Content-Type"] == "application/geo+json"
    refused = get(api, "/api/v1/listings/?limit=1", "application/geo+json;q=0, */*;q=0.1")
    assert refused["Content-Type"] == "application/json"
    # GeoJSON is JSON: a client of JSON that refuses plain JSON still takes it.
    family = get(api, "/api/v1/listings/", "application/json, application/geo+json;q=0")
    assert family["Content-Type"] == "application/json"


def test_an_explicit_format_wins_over_accept(api, data):
    assert get(api, "/api/v1/listings/export.csv", "image/png")["Content-Type"].startswith(
        "text/csv"
    )
    response = get(api, "/api/v1/listings/?format=geojson", "image/png")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"


def test_an_unknown_format_is_a_400_naming_the_parameter(api, data):
    response = api.get("/api/v1/listings/?format=xml")
    assert response.status_code == 400
    assert "json, geojson" in response.json()["errors"]["format"][0]
    assert api.get("/api/v1/listings/export.csv?format=geojson").status_code == 400


@pytest.mark.parametrize(
    ("url", "offered"),
    [
        ("/api/v1/listings/", ["application/json", "application/geo+json"]),
        ("/api/v1/categories/", ["application/json"]),
        ("/api/v1/docs/", ["text/html"]),
    ],
)
def test_406_only_when_nothing_offered_is_acceptable_and_it_names_the_offer(
    api, data, url, offered
):
    response = get(api, url, "image/png")
    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    [message] = response.json()["errors"]["detail"]
    assert all(media_type in message for media_type in offered)


def test_refusing_everything_is_a_406(api, data):
    assert get(api, "/api/v1/listings/", "*/*;q=0").status_code == 406


# Every API path, with the methods it allows.
PATHS = {
    "/api/v1/listings/": {"GET", "HEAD", "POST", "OPTIONS"},
    "/api/v1/listings/panaderia/": {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"},
    "/api/v1/listings/panaderia/needs/": {"GET", "HEAD", "POST", "OPTIONS"},
    "/api/v1/listings/export.geojson": {"GET", "HEAD", "OPTIONS"},
    "/api/v1/listings/export.csv": {"GET", "HEAD", "OPTIONS"},
    "/api/v1/needs/": {"GET", "HEAD", "OPTIONS"},
    "/api/v1/needs/{need}/": {"GET", "HEAD", "PATCH", "DELETE", "OPTIONS"},
    "/api/v1/categories/": {"GET", "HEAD", "OPTIONS"},
    "/api/v1/regions/": {"GET", "HEAD", "OPTIONS"},
    "/api/v1/regions/cdmx/": {"GET", "HEAD", "OPTIONS"},
    "/api/v1/regions/cdmx/stats/": {"GET", "HEAD", "OPTIONS"},
    "/api/v1/places/?q=santa": {"GET", "HEAD", "OPTIONS"},
    "/api/v1/reports/": {"POST", "OPTIONS"},
    "/api/v1/auth/token/": {"POST", "OPTIONS"},
    "/api/v1/schema/": {"GET", "HEAD", "OPTIONS"},
    "/api/v1/docs/": {"GET", "HEAD", "OPTIONS"},
    "/api/v1/redoc/": {"GET", "HEAD", "OPTIONS"},
}


def path(url, data):
    return url.format(need=data["need"].pk)


@pytest.mark.parametrize("accept", [None, GDAL_ACCEPT, "image/png"])
@pytest.mark.parametrize("url", PATHS)
def test_options_answers_the_allowed_methods(api, data, url, accept):
    response = get(api, path(url, data), accept, method="options")
    assert response.status_code == 200, response.content
    allowed = {method.strip() for method in response["Allow"].split(",")}
    assert allowed == PATHS[url]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body["methods"]) == PATHS[url] and body["schema"] == "/api/v1/schema/"


@pytest.mark.parametrize("url", [url for url, methods in PATHS.items() if "GET" in methods])
def test_head_answers_like_get_without_a_body(api, data, url):
    got = api.get(path(url, data))
    assert got.status_code == 200
    response = api.head(path(url, data))
    assert response.status_code == 200
    assert response.content == b""
    assert response["Content-Type"] == got["Content-Type"]

"""OGC API - Features at /ogc/: landing page, conformance, collections, items with paging,
bbox, datetime and the listing filters, single features, HTML pages, public data only; and
GDAL's OAPIF driver (what QGIS uses) reading it from a real server."""

import os
import re
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.utils import timezone

from directory.models import Listing, Need
from tests.factories import ListingFactory, NeedFactory, RegionFactory, box

pytestmark = pytest.mark.django_db

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
GDAL_ACCEPT = "application/geo+json, application/json"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

#: True points of the non-exact listings: to three decimals (rounded or cut) they differ
#: from the centres of their cells, so finding them in a response means a leak.
AREA_TRUE = (-99.14167, 19.42833)
HIDDEN_TRUE = (-99.27771, 19.31113)


def secrets(lng: float, lat: float) -> list[str]:
    """The true coordinates to three decimals, rounded and cut."""
    return [
        *(f"{value:.3f}" for value in (lng, lat)),
        *(str(value)[: str(value).index(".") + 4] for value in (lng, lat)),
    ]


SECRETS = secrets(*AREA_TRUE) + secrets(*HIDDEN_TRUE)


@pytest.fixture(autouse=True)
def _fresh_extents():
    """Extents are cached for a few seconds; each test measures its own data."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def directory():
    """Four exact co-operatives, an area mutual-aid program, a hidden co-operative, a
    pending listing; needs (current, closed, ended), and two regions."""
    exact = [
        ListingFactory(slug=f"coop-{number}", location=Point(-99.0 - number, 19.0, srid=4326))
        for number in range(4)
    ]
    area = ListingFactory(
        slug="area",
        kind="mutual_aid",
        location=Point(*AREA_TRUE, srid=4326),
        location_precision="area",
    )
    hidden = ListingFactory(
        slug="hidden",
        location=Point(*HIDDEN_TRUE, srid=4326),
        location_precision="hidden",
        street_address="Calle Secreta 1",
    )
    ListingFactory(slug="pending", status="pending", location=Point(-98.5, 19.5, srid=4326))
    needs = {
        "exact": NeedFactory(listing=exact[0], kind="food"),
        "area": NeedFactory(listing=area),
        "hidden": NeedFactory(listing=hidden),
    }
    NeedFactory(listing=exact[1], status="closed")
    NeedFactory(
        listing=exact[1],
        starts_on=timezone.localdate() - timedelta(days=30),
        ends_on=timezone.localdate() - timedelta(days=1),
    )
    RegionFactory(slug="mx-cdmx", level="admin1", country="MX", geom=box(-99.4, 19.0, -98.9, 19.6))
    RegionFactory(slug="mx", level="country", country="MX", geom=box(-118, 14, -86, 33))
    return {"exact": exact, "area": area, "hidden": hidden, "needs": needs}


def get(client, path: str, accept: str = GDAL_ACCEPT, **params):
    return client.get(path, params, HTTP_ACCEPT=accept)


def rels(document: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for item in document["links"]:
        found.setdefault(item["rel"], []).append(item)
    return found


def error_names(response) -> set[str]:
    assert response["Content-Type"].startswith("application/json")
    return set(response.json()["errors"])


# --- landing page, conformance, collections ------------------------------------------


def test_landing_page_links_to_the_api_description_conformance_and_data(client):
    response = get(client, "/ogc/", accept="application/json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    links = rels(response.json())
    assert links["self"][0]["href"] == "http://testserver/ogc/?f=json"
    assert links["alternate"][0]["type"] == "text/html"
    assert links["service-desc"][0]["href"] == "http://testserver/ogc/api"
    assert links["service-desc"][0]["type"].startswith("application/vnd.oai.openapi+json")
    assert links["conformance"][0]["href"] == "http://testserver/ogc/conformance"
    assert links["data"][0]["href"] == "http://testserver/ogc/collections"


def test_conformance_lists_core_geojson_html_and_openapi(client):
    response = get(client, "/ogc/conformance")
    assert response.status_code == 200
    assert response.json()["conformsTo"] == CONFORMANCE


def test_collections_describe_listings_needs_and_regions_with_public_extents(
    client, directory, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):  # one extent per collection
        response = get(client, "/ogc/collections")
    collections = {c["id"]: c for c in response.json()["collections"]}
    assert list(collections) == ["listings", "needs", "regions"]
    listings = collections["listings"]
    assert listings["itemType"] == "feature"
    assert listings["crs"] == ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"]
    # Public points only (whole degrees): the pending listing at -98.5 does not widen it.
    assert listings["extent"]["spatial"]["bbox"] == [[-102.0, 19.0, -99.0, 20.0]]
    first, last = listings["extent"]["temporal"]["interval"][0]
    assert first <= last
    assert "temporal" not in collections["regions"]["extent"]
    assert collections["regions"]["extent"]["spatial"]["bbox"] == [[-118.0, 14.0, -86.0, 33.0]]
    items = [link for link in rels(listings)["items"] if link["type"] == "application/geo+json"]
    assert items[0]["href"] == "http://testserver/ogc/collections/listings/items?f=json"


def test_one_collection_and_its_queryables(client, directory):
    response = get(client, "/ogc/collections/needs")
    assert response.status_code == 200
    assert response.json()["id"] == "needs"
    queryables = get(
        client, "/ogc/collections/listings/queryables", accept="application/schema+json"
    )
    assert queryables["Content-Type"] == "application/schema+json"
    schema = queryables.json()
    assert schema["type"] == "object"
    assert schema["properties"]["kind"]["items"]["enum"] == [
        "cooperative",
        "mutual_aid",
        "community_project",
    ]
    assert {"category", "q", "bbox", "updated_since", "datetime"} <= set(schema["properties"])
    assert "skill" in get(client, "/ogc/collections/needs/queryables").json()["properties"]


# --- items -----------------------------------------------------------------------------


def test_items_are_geojson_with_counts_time_stamp_and_links(client, directory):
    response = get(client, "/ogc/collections/listings/items")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == body["numberReturned"] == 6  # not the pending one
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["timeStamp"])
    links = rels(body)
    assert links["self"][0]["type"] == "application/geo+json"
    assert links["collection"][0]["href"] == "http://testserver/ogc/collections/listings"
    assert "next" not in links and "prev" not in links
    by_slug = {f["properties"]["slug"]: f for f in body["features"]}
    assert by_slug["coop-0"]["geometry"] == {"type": "Point", "coordinates": [-99.0, 19.0]}
    assert by_slug["coop-0"]["properties"]["kind"] == "cooperative"
    assert by_slug["hidden"]["geometry"] is None  # listed, without a location


def test_paging_follows_next_links_to_the_end(client, directory):
    url, seen, pages = "/ogc/collections/listings/items?limit=4", [], []
    while url:
        body = client.get(url, HTTP_ACCEPT=GDAL_ACCEPT).json()
        assert body["numberMatched"] == 6
        pages.append(body["numberReturned"])
        seen += [feature["id"] for feature in body["features"]]
        following = rels(body).get("next")
        url = following[0]["href"] if following else None
    assert pages == [4, 2]
    assert sorted(seen) == sorted(set(seen))
    assert set(seen) == set(Listing.objects.public().values_list("id", flat=True))
    second = get(client, "/ogc/collections/listings/items", limit=4, offset=4).json()
    previous = rels(second)["prev"][0]["href"]
    assert "offset" not in previous and "limit=4" in previous
    beyond = get(client, "/ogc/collections/listings/items", offset=50).json()
    assert beyond["numberReturned"] == 0 and beyond["numberMatched"] == 6


def test_a_larger_limit_than_allowed_is_lowered(client, directory):
    body = get(client, "/ogc/collections/listings/items", limit=1_000_000).json()
    assert body["numberReturned"] == 6


def test_bbox_keeps_public_points_inside(client, directory):
    body = get(client, "/ogc/collections/listings/items", bbox="-100.5,18.5,-99.5,19.5").json()
    assert [f["properties"]["slug"] for f in body["features"]] == ["coop-1"]
    assert body["numberMatched"] == 1
    # The area listing is found by its cell's centre only.
    cell = get(client, "/ogc/collections/listings/items", bbox="-99.146,19.424,-99.144,19.426")
    assert [f["properties"]["slug"] for f in cell.json()["features"]] == ["area"]


def test_kind_and_other_listing_filters(client, directory):
    body = get(client, "/ogc/collections/listings/items", kind="cooperative").json()
    assert body["numberMatched"] == 5
    assert {f["properties"]["kind"] for f in body["features"]} == {"cooperative"}
    body = get(client, "/ogc/collections/listings/items", kind="mutual_aid", need="volunteers")
    assert [f["properties"]["slug"] for f in body.json()["features"]] == ["area"]


def test_datetime_filters_listings_by_last_change(client, directory):
    old = datetime(2024, 3, 1, 12, tzinfo=UTC)
    Listing.objects.filter(slug="coop-0").update(updated_at=old)
    Listing.objects.filter(slug="coop-1").update(updated_at=old + timedelta(days=30))

    def slugs(value: str) -> list[str]:
        body = get(client, "/ogc/collections/listings/items", datetime=value).json()
        return sorted(f["properties"]["slug"] for f in body["features"])

    assert slugs("2024-03-01") == ["coop-0"]
    assert slugs("2024-03-01T12:00:00Z") == ["coop-0"]
    assert slugs("../2024-04-15T00:00:00Z") == ["coop-0", "coop-1"]
    assert slugs("2024-03-02T00:00:00Z/2024-04-15T00:00:00Z") == ["coop-1"]
    assert len(slugs("2024-03-02/..")) == 5
    assert slugs("2020-01-01/2020-12-31") == []


def test_datetime_filters_needs_by_their_span(client, directory):
    today = timezone.localdate()
    Need.objects.filter(pk=directory["needs"]["exact"].pk).update(
        starts_on=today + timedelta(days=10), ends_on=today + timedelta(days=20)
    )

    def count(value: str) -> int:
        return get(client, "/ogc/collections/needs/items", datetime=value).json()["numberMatched"]

    assert get(client, "/ogc/collections/needs/items").json()["numberMatched"] == 3
    assert count(f"{today + timedelta(days=12)}") == 3
    assert count(f"../{today + timedelta(days=5)}") == 2
    assert count(f"{today + timedelta(days=25)}/..") == 2


def test_needs_are_current_needs_of_public_listings_at_their_public_point(client, directory):
    body = get(client, "/ogc/collections/needs/items").json()
    by_listing = {f["properties"]["listing"]["slug"]: f for f in body["features"]}
    assert set(by_listing) == {"coop-0", "area", "hidden"}
    assert by_listing["coop-0"]["geometry"]["coordinates"] == [-99.0, 19.0]
    assert by_listing["area"]["geometry"]["coordinates"] == [-99.145, 19.425]
    assert by_listing["hidden"]["geometry"] is None
    food = get(client, "/ogc/collections/needs/items", kind="food").json()
    assert [f["properties"]["kind"] for f in food["features"]] == ["food"]


def test_regions_carry_simplified_boundaries(client, directory):
    body = get(client, "/ogc/collections/regions/items", level="admin1").json()
    assert body["numberMatched"] == 1
    (region,) = body["features"]
    assert region["id"] == "mx-cdmx"
    assert region["geometry"]["type"] == "MultiPolygon"
    inside = get(client, "/ogc/collections/regions/items", bbox="-117,30,-116,31").json()
    assert [f["id"] for f in inside["features"]] == ["mx"]
    one = get(client, "/ogc/collections/regions/items/mx")
    assert one.status_code == 200 and one.json()["properties"]["level"] == "country"


def test_one_feature_by_its_id(client, directory):
    listing = directory["exact"][0]
    response = get(client, f"/ogc/collections/listings/items/{listing.pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    feature = response.json()
    assert feature["id"] == listing.pk and feature["properties"]["slug"] == "coop-0"
    assert "collection" in rels(feature)
    need = directory["needs"]["exact"]
    assert get(client, f"/ogc/collections/needs/items/{need.pk}").json()["id"] == need.pk


def test_items_of_unpublished_or_closed_things_are_not_found(client, directory):
    pending = Listing.objects.get(slug="pending")
    closed = Need.objects.get(status="closed")
    for path in (
        f"/ogc/collections/listings/items/{pending.pk}",
        f"/ogc/collections/needs/items/{closed.pk}",
        "/ogc/collections/listings/items/coop-0",
        "/ogc/collections/listings/items/99999999999999999999999",
        "/ogc/collections/regions/items/nowhere",
        "/ogc/collections/nothing",
        "/ogc/collections/nothing/items",
    ):
        response = get(client, path)
        assert response.status_code == 404, path
        assert error_names(response) == {"detail"}


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "10,2,3,4"}, "bbox"),
        ({"limit": "0"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"datetime": "yesterday"}, "datetime"),
        ({"datetime": "../.."}, "datetime"),
        ({"datetime": "2024-05-01/2024-04-01"}, "datetime"),
        ({"datetime": "2024-13-45T00:00:00Z"}, "datetime"),
        ({"colour": "red"}, "colour"),
        ({"kind": "bakery"}, "kind"),
        ({"f": "xml"}, "f"),
        ({"crs": "http://www.opengis.net/def/crs/EPSG/0/3857"}, "crs"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(client, params, name):
    response = client.get("/ogc/collections/listings/items", params, HTTP_ACCEPT=GDAL_ACCEPT)
    assert response.status_code == 400
    assert name in error_names(response)


def test_other_documents_ignore_the_filters_that_gdal_repeats_on_every_request(client):
    for path in ("/ogc/", "/ogc/conformance", "/ogc/collections", "/ogc/collections/regions"):
        assert client.get(path, {"kind": "cooperative"}).status_code == 200
        response = client.get(path, {"f": "pdf"})
        assert response.status_code == 400 and error_names(response) == {"f"}


def test_datetime_of_a_collection_without_time_is_400(client):
    response = client.get("/ogc/collections/regions/items", {"datetime": "2024-01-01"})
    assert response.status_code == 400 and error_names(response) == {"datetime"}


# --- formats ---------------------------------------------------------------------------


def test_html_for_browsers_and_with_f_html(client, directory):
    listing = directory["exact"][0]
    for path in (
        "/ogc/",
        "/ogc/conformance",
        "/ogc/collections",
        "/ogc/collections/listings",
        "/ogc/collections/listings/queryables",
        "/ogc/collections/listings/items",
        "/ogc/collections/needs/items",
        "/ogc/collections/regions/items",
        f"/ogc/collections/listings/items/{listing.pk}",
        "/ogc/collections/regions/items/mx",
    ):
        response = get(client, path, accept=BROWSER_ACCEPT)
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith("text/html"), path
        assert b"<h1>" in response.content
    page = get(client, "/ogc/collections/listings/items", accept="application/json", f="html")
    assert page["Content-Type"].startswith("text/html")
    assert "Cooperativa Número".encode() in page.content
    assert get(client, "/ogc/", accept=BROWSER_ACCEPT, f="json").json()["links"]


def test_json_without_accept_and_for_gis_clients(client, directory):
    assert client.get("/ogc/collections")["Content-Type"] == "application/json"
    items = client.get("/ogc/collections/listings/items", HTTP_ACCEPT="*/*")
    assert items["Content-Type"] == "application/geo+json"
    wants_json = client.get("/ogc/", HTTP_ACCEPT="text/html;q=0.5, application/json")
    assert wants_json["Content-Type"] == "application/json"


# --- privacy and budgets ---------------------------------------------------------------


def test_true_points_of_area_and_hidden_listings_appear_in_no_response(client, directory):
    area, hidden = directory["area"], directory["hidden"]
    paths = [
        "/ogc/collections",
        "/ogc/collections/listings",
        "/ogc/collections/needs",
        "/ogc/collections/listings/items",
        "/ogc/collections/listings/items?bbox=-99.3,19.3,-99.1,19.5",
        "/ogc/collections/listings/items?lat=19.43&lng=-99.13&radius_km=5",
        "/ogc/collections/needs/items",
        f"/ogc/collections/listings/items/{area.pk}",
        f"/ogc/collections/listings/items/{hidden.pk}",
        f"/ogc/collections/needs/items/{directory['needs']['area'].pk}",
        f"/ogc/collections/needs/items/{directory['needs']['hidden'].pk}",
    ]
    for path in paths:
        for accept in (GDAL_ACCEPT, BROWSER_ACCEPT):
            response = client.get(path, HTTP_ACCEPT=accept)
            assert response.status_code == 200, path
            text = response.content.decode()
            for secret in SECRETS:
                assert secret not in text, (path, accept, secret)
            assert "Calle Secreta" not in text


def test_items_pages_cost_one_statement_whatever_their_size(
    client, directory, django_assert_max_num_queries
):
    for number in range(20):
        ListingFactory(location=Point(-100 + number / 10, 20, srid=4326))
    for limit in (2, 100):
        with django_assert_max_num_queries(1):  # the page and its bounded count
            get(client, "/ogc/collections/listings/items", limit=limit)
        with django_assert_max_num_queries(1):
            get(client, "/ogc/collections/needs/items", limit=limit)
        with django_assert_max_num_queries(2):  # the count, then the page
            get(client, "/ogc/collections/regions/items", limit=limit)
        with django_assert_max_num_queries(2):  # with an end of time: count, then page
            get(client, "/ogc/collections/listings/items", limit=limit, datetime="../2100-01-01")
        with django_assert_max_num_queries(2):  # needs with a time: count, then page
            get(client, "/ogc/collections/needs/items", limit=limit, datetime="2000-01-01/..")
    with django_assert_max_num_queries(1):
        get(client, f"/ogc/collections/listings/items/{directory['exact'][0].pk}")
    with django_assert_max_num_queries(1):
        get(client, "/ogc/collections/listings/items", accept=BROWSER_ACCEPT, limit=100)


# --- GDAL ------------------------------------------------------------------------------


def gdal(*arguments: str) -> str:
    """ogrinfo with no proxy or network setting but a timeout (the server is local)."""
    result = subprocess.run(
        ["ogrinfo", "-ro", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": os.environ["PATH"], "GDAL_HTTP_TIMEOUT": "20", "CPL_CURL_VERBOSE": "NO"},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.django_db(transaction=True)
def test_gdal_reads_the_collections_and_counts_features(live_server):
    for number in range(12):
        ListingFactory(location=Point(-99 - number / 10, 19.4, srid=4326))
    ListingFactory(kind="mutual_aid", location_precision="hidden")
    ListingFactory(status="pending")
    NeedFactory(listing=ListingFactory(location=Point(-98, 19, srid=4326)))
    RegionFactory(slug="mx-cdmx")
    source = f"OAPIF:http://127.0.0.1:{live_server.thread.port}/ogc"

    listed = gdal("-so", source)
    layers = re.findall(r"^\d+: (\w+)", listed, re.MULTILINE)
    assert layers == ["listings", "needs", "regions"]

    summary = gdal("-al", "-so", source, "listings")
    # 12 co-operatives, the listing of the need and a hidden one (no geometry); not the
    # pending one.
    assert re.search(r"^Feature Count: 14$", summary, re.MULTILINE), summary
    assert "Layer name: listings" in summary
    # A connection's parameters are sent with every request: a filtered layer.
    filtered = gdal("-al", "-so", f"{source}?kind=mutual_aid", "listings")
    assert re.search(r"^Feature Count: 1$", filtered, re.MULTILINE), filtered
    needs = gdal("-al", "-so", source, "needs")
    assert re.search(r"^Feature Count: 1$", needs, re.MULTILINE), needs

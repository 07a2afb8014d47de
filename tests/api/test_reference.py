"""Categories, regions and their statistics, the gazetteer, reports, throttles."""

import pytest
from django.contrib.gis.geos import Point
from django.core.cache import cache

from api import throttles
from directory import services, stats
from directory.models import Listing
from tests.factories import (
    CategoryFactory,
    ListingFactory,
    NeedFactory,
    PlaceFactory,
    RegionFactory,
    box,
)

pytestmark = pytest.mark.django_db


def test_categories_come_as_a_tree_with_four_languages(api):
    food = CategoryFactory(
        slug="food",
        name_en="Food",
        name_es="Alimentación",
        name_pt="Alimentação",
        name_fr="Alimentation",
    )
    CategoryFactory(slug="kitchens", parent=food)
    body = api.get("/api/v1/categories/").json()
    assert [c["slug"] for c in body["results"]] == ["food", "kitchens"]
    assert body["results"][0]["name"] == {
        "es": "Alimentación",
        "pt": "Alimentação",
        "fr": "Alimentation",
        "en": "Food",
    }
    assert body["results"][1]["parent"] == "food" and body["results"][1]["depth"] == 2


def test_regions_list_filter_and_detail_with_outline(api):
    mexico = RegionFactory(
        slug="mx",
        level="country",
        code="MX",
        country="MX",
        name_es="México",
        geom=box(-118, 14, -86, 33),
    )
    RegionFactory(slug="mx-oaxaca", level="admin1", country="MX", parent=mexico)
    RegionFactory(slug="us-ca", level="admin1", country="US")
    body = api.get("/api/v1/regions/?level=admin1&country=MX").json()
    assert [r["slug"] for r in body["results"]] == ["mx-oaxaca"]
    assert body["results"][0]["parent"] == "mx"
    detail = api.get("/api/v1/regions/mx/").json()
    assert detail["geometry"]["type"] == "MultiPolygon" and detail["name"]["es"] == "México"
    feature = api.get("/api/v1/regions/mx/?format=geojson").json()
    assert feature["type"] == "Feature" and feature["properties"]["slug"] == "mx"
    assert api.get("/api/v1/regions/?format=geojson").status_code == 400


def test_region_stats_count_public_listings_and_needs_per_sub_region(
    api, django_assert_max_num_queries
):
    mexico = RegionFactory(slug="mx", level="country", geom=box(-118, 14, -86, 33))
    oaxaca = RegionFactory(slug="mx-oaxaca", parent=mexico, geom=box(-98.6, 15.6, -93.8, 18.7))
    RegionFactory(slug="mx-cdmx", parent=mexico, geom=box(-99.4, 19.0, -98.9, 19.6))
    food = CategoryFactory(slug="food")
    kitchens = CategoryFactory(slug="kitchens", parent=food)
    coop = services.listing_create(
        listing=ListingFactory.build(
            slug="a", kind="cooperative", location=Point(-96.7, 17.1, srid=4326)
        ),
        categories=[kitchens],
    )
    NeedFactory(listing=coop, kind="food")
    NeedFactory(listing=coop, kind="money")
    services.listing_create(
        listing=ListingFactory.build(
            slug="b", kind="mutual_aid", location=Point(-99.1, 19.4, srid=4326)
        )
    )
    services.listing_create(
        listing=ListingFactory.build(
            slug="c", kind="mutual_aid", status="pending", location=Point(-96.7, 17.1, srid=4326)
        )
    )
    stats.refresh()
    with django_assert_max_num_queries(4):
        body = api.get("/api/v1/regions/mx/stats/").json()
    assert body["listings"] == {
        "total": 2,
        "by_kind": {"cooperative": 1, "mutual_aid": 1},
        "by_category": {"food": 1, "kitchens": 1},
    }
    assert body["open_needs"] == {"total": 2, "by_kind": {"food": 1, "money": 1}}
    by_slug = {r["slug"]: r for r in body["sub_regions"]}
    assert by_slug["mx-oaxaca"]["listings"]["total"] == 1
    assert by_slug["mx-cdmx"]["listings"]["by_kind"] == {"mutual_aid": 1}
    assert oaxaca.pk


def test_region_stats_follow_changes_after_commit(api, django_capture_on_commit_callbacks):
    RegionFactory(slug="mx", level="country", geom=box(-118, 14, -86, 33))
    with django_capture_on_commit_callbacks(execute=True):
        listing = services.listing_create(
            listing=ListingFactory.build(slug="a", location=Point(-99.1, 19.4, srid=4326))
        )
    assert api.get("/api/v1/regions/mx/stats/").json()["listings"]["total"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.listing_archive(listing=listing, by=None)
    assert api.get("/api/v1/regions/mx/stats/").json()["listings"]["total"] == 0
    assert Listing.objects.get().status == "archived"


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("Santa Ana", "Santa Ana"),
        ("santa ana, ca", "Santa Ana"),
        ("Cap-Haitien", "Cap-Haïtien"),
        ("ciudad juarez", "Ciudad Juárez"),
        ("Ciudad Juarex", "Ciudad Juárez"),
    ],
)
def test_places_are_found_by_name_ignoring_accents_case_and_typos(api, query, first):
    PlaceFactory(
        name="Santa Ana", ascii_name="santa ana", admin1="CA", country="US", population=310_000
    )
    PlaceFactory(
        name="Santa Ana", ascii_name="santa ana", admin1="01", country="SV", population=176_000
    )
    PlaceFactory(
        name="Cap-Haïtien", ascii_name="cap haitien", admin1="09", country="HT", population=134_000
    )
    PlaceFactory(
        name="Ciudad Juárez",
        ascii_name="ciudad juarez",
        admin1="06",
        country="MX",
        population=1_500_000,
    )
    results = api.get("/api/v1/places/", {"q": query}).json()["results"]
    assert results[0]["name"] == first


def test_places_find_us_zip_codes(api):
    PlaceFactory(kind="postal_code", name="Santa Ana", ascii_name="santa ana", postal_code="92701")
    PlaceFactory(kind="postal_code", name="Santa Ana", ascii_name="santa ana", postal_code="92703")
    body = api.get("/api/v1/places/?q=9270").json()
    assert [p["postal_code"] for p in body["results"]] == ["92701", "92703"]
    assert api.get("/api/v1/places/?q=santa&limit=21").status_code == 400


def test_a_listing_page_costs_a_bounded_number_of_queries(api, django_assert_max_num_queries):
    listing = ListingFactory(slug="olla")
    for _ in range(5):
        NeedFactory(listing=listing)
    # row, listing, opening hours, contacts, needs (+ their count-free page)
    with django_assert_max_num_queries(6):
        assert api.get("/api/v1/listings/olla/").status_code == 200


@pytest.fixture
def tight_throttles(monkeypatch):
    cache.clear()
    for throttle in (throttles.AnonThrottle, throttles.ProximityThrottle, throttles.WriteThrottle):
        monkeypatch.setattr(
            throttle,
            "THROTTLE_RATES",
            {"anon": "8/min", "proximity": "3/min", "writes": "2/min", "user": "8/min"},
        )
    yield
    cache.clear()


def test_proximity_queries_are_throttled_with_retry_after(api, tight_throttles):
    codes = [api.get("/api/v1/listings/?lat=19.4&lng=-99.1").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = api.get("/api/v1/listings/?lat=19.4&lng=-99.1")
    assert int(response["Retry-After"]) > 0
    assert "detail" in response.json()["errors"]
    assert api.get("/api/v1/listings/").status_code == 200  # other reads go on


def test_anonymous_reads_and_writes_are_throttled(api, tight_throttles):
    listing = ListingFactory()
    codes = [
        api.post(
            "/api/v1/reports/", {"listing": listing.slug, "reason": "spam"}, format="json"
        ).status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]
    codes = [api.get("/api/v1/categories/").status_code for _ in range(9)]
    assert 429 in codes

"""Every filter of GET /api/v1/listings/, alone and combined, against hand-computed answers
on real PostGIS (DESIGN.md §3)."""

from datetime import time, timedelta
from time import sleep

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from directory import services
from directory.models import Listing, OpeningPeriod
from tests.factories import CategoryFactory, ListingFactory, NeedFactory, RegionFactory, box

pytestmark = pytest.mark.django_db


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


def at(lng, lat):
    return Point(lng, lat, srid=4326)


def test_kind_accepts_repeats_and_comma_lists(api):
    ListingFactory(slug="coop", kind="cooperative")
    ListingFactory(slug="aid", kind="mutual_aid")
    ListingFactory(slug="project", kind="community_project")
    assert set(slugs(api.get("/api/v1/listings/?kind=cooperative"))) == {"coop"}
    assert set(slugs(api.get("/api/v1/listings/?kind=cooperative,mutual_aid"))) == {"coop", "aid"}
    assert set(slugs(api.get("/api/v1/listings/?kind=cooperative&kind=community_project"))) == {
        "coop",
        "project",
    }


def test_category_includes_its_descendants(api):
    food = CategoryFactory(slug="food")
    kitchens = CategoryFactory(slug="kitchens", parent=food)
    food.refresh_from_db()
    housing = CategoryFactory(slug="housing")
    ListingFactory(slug="a").categories.add(food)
    ListingFactory(slug="b").categories.add(kitchens)
    ListingFactory(slug="c").categories.add(housing)
    assert set(slugs(api.get("/api/v1/listings/?category=food"))) == {"a", "b"}
    assert set(slugs(api.get("/api/v1/listings/?category=kitchens"))) == {"b"}
    response = api.get("/api/v1/listings/?category=nope")
    assert response.status_code == 400 and "category" in response.json()["errors"]


def test_need_means_a_current_open_need_of_that_kind(api):
    today = timezone.localdate()
    NeedFactory(listing=ListingFactory(slug="food"), kind="food")
    NeedFactory(
        listing=ListingFactory(slug="expired"),
        kind="food",
        starts_on=today - timedelta(days=9),
        ends_on=today - timedelta(days=1),
    )
    NeedFactory(listing=ListingFactory(slug="fulfilled"), kind="food", status="fulfilled")
    NeedFactory(listing=ListingFactory(slug="money"), kind="money")
    assert slugs(api.get("/api/v1/listings/?need=food")) == ["food"]


def test_language_access_country_verified_and_freshness(api):
    now = timezone.now()
    ListingFactory(
        slug="a",
        languages=["es", "nah"],
        access=["free", "walk_in"],
        country="MX",
        verified_on=now.date(),
        last_confirmed_at=now - timedelta(days=10),
    )
    ListingFactory(
        slug="b",
        languages=["en"],
        access=["free"],
        country="US",
        last_confirmed_at=now - timedelta(days=200),
    )
    assert slugs(api.get("/api/v1/listings/?language=nah")) == ["a"]
    assert set(slugs(api.get("/api/v1/listings/?access=free"))) == {"a", "b"}
    assert slugs(api.get("/api/v1/listings/?access=free,walk_in")) == ["a"]
    assert slugs(api.get("/api/v1/listings/?country=US")) == ["b"]
    assert slugs(api.get("/api/v1/listings/?verified=true")) == ["a"]
    assert set(slugs(api.get("/api/v1/listings/?verified=false"))) == {"a", "b"}
    assert slugs(api.get("/api/v1/listings/?confirmed_within_days=90")) == ["a"]


def test_region_uses_the_region_membership(api):
    oaxaca = RegionFactory(slug="mx-oaxaca", geom=box(-98.6, 15.6, -93.8, 18.7))
    inside = services.listing_create(
        listing=ListingFactory.build(slug="in", location=at(-96.72, 17.06))
    )
    services.listing_create(listing=ListingFactory.build(slug="out", location=at(-99.13, 19.43)))
    assert list(inside.regions.all()) == [oaxaca]
    assert slugs(api.get("/api/v1/listings/?region=mx-oaxaca")) == ["in"]
    assert api.get("/api/v1/listings/?region=atlantis").status_code == 400


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("cocina", {"kitchen"}),  # the word itself
        ("COCINAS", {"kitchen"}),  # case and Spanish plural (stemming)
        ("cafe", {"cafe"}),  # accent folded: Café
        ("moradias", {"moradia"}),  # Portuguese stemming
        ("logement", {"logement"}),  # French content
        ("Cooperatva Tejedoras", {"weavers"}),  # a typo in the name (trigram)
        ('"cocina comunitaria"', {"kitchen"}),  # a phrase
        ("zzzzqx", set()),
    ],
)
def test_q_searches_every_language_ignoring_accents_case_and_small_typos(api, query, expected):
    ListingFactory(
        slug="kitchen", name="Olla Común", summary_es="Una cocina comunitaria en el barrio."
    )
    ListingFactory(slug="cafe", name="Café La Esperanza", summary_es="")
    ListingFactory(
        slug="moradia",
        name="Teto Para Todos",
        original_language="pt",
        summary_es="",
        summary_pt="Luta por moradia digna.",
    )
    ListingFactory(
        slug="logement",
        name="Solidarité Nord",
        original_language="fr",
        summary_es="",
        description_fr="Entraide pour le logement et l'alimentation.",
    )
    ListingFactory(slug="weavers", name="Cooperativa Tejedoras de Oaxaca", summary_es="Textiles.")
    assert set(slugs(api.get("/api/v1/listings/", {"q": query}))) == expected


def test_q_tries_names_with_typos_only_when_its_words_match_nothing(
    api, django_assert_max_num_queries
):
    ListingFactory(slug="kitchen", name="Olla Común", summary_es="Una cocina comunitaria.")
    # "cocina" is within typo distance of this name, but listings have the word itself.
    ListingFactory(slug="typo", name="Cocinna Popular", summary_es="Comida.")
    with django_assert_max_num_queries(1):
        assert slugs(api.get("/api/v1/listings/", {"q": "cocina"})) == ["kitchen"]
    with django_assert_max_num_queries(2):  # no listing has the word: names with typos
        assert slugs(api.get("/api/v1/listings/", {"q": "kocinna"})) == ["typo"]
    # The same in the exports, where the layer's statement follows one look for the words.
    layer = api.get("/api/v1/listings/export.geojson", {"q": "kocinna"}).json()
    assert [f["properties"]["slug"] for f in layer["features"]] == ["typo"]
    layer = api.get("/api/v1/listings/export.geojson", {"q": "cocina"}).json()
    assert [f["properties"]["slug"] for f in layer["features"]] == ["kitchen"]


def test_open_now_uses_the_listing_time_zone_and_overnight_hours(api):
    def local_now(tz):
        with connection.cursor() as cursor:
            cursor.execute("SELECT (now() AT TIME ZONE %s)", [tz])
            return cursor.fetchone()[0]

    tz = "America/Mexico_City"
    now = local_now(tz)
    if now.time() >= time(23, 59, 57):  # let the local day turn before the requests
        sleep(4)
        now = local_now(tz)
    weekday = now.isoweekday()
    yesterday = (weekday - 2) % 7 + 1
    open_day = ListingFactory(slug="open", timezone=tz)
    OpeningPeriod.objects.create(
        listing=open_day, weekday=weekday, opens=time(0, 0), closes=time(23, 59)
    )
    closed = ListingFactory(slug="closed", timezone=tz)
    OpeningPeriod.objects.create(
        listing=closed, weekday=(weekday % 7) + 1, opens=time(0, 0), closes=time(23, 59)
    )
    overnight = ListingFactory(slug="overnight", timezone=tz)
    # Opens yesterday at 23:59 and runs until 23:58 today (closes < opens: past midnight).
    OpeningPeriod.objects.create(
        listing=overnight, weekday=yesterday, opens=time(23, 59), closes=time(23, 58)
    )
    ListingFactory(slug="no-hours", timezone=tz)
    ListingFactory(slug="no-timezone", timezone="")
    # "open" closes at 23:59 and "overnight" at 23:58 (closing times are exclusive).
    expected = {"open"} if now.time() < time(23, 59) else set()
    if now.time() < time(23, 58):
        expected.add("overnight")
    assert set(slugs(api.get("/api/v1/listings/?open_now=true"))) == expected
    items = api.get("/api/v1/listings/?kind=cooperative").json()["results"]
    assert {i["slug"] for i in items if i["open_now"]} == expected


def test_updated_since_takes_iso_8601(api):
    old = ListingFactory(slug="old")
    Listing.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=30))
    ListingFactory(slug="new")
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert slugs(api.get("/api/v1/listings/", {"updated_since": since})) == ["new"]
    assert api.get("/api/v1/listings/?updated_since=yesterday").status_code == 400


def test_bbox_keeps_public_points_inside_the_box(api):
    ListingFactory(slug="cdmx", location=at(-99.13, 19.43))
    ListingFactory(slug="gdl", location=at(-103.35, 20.67))
    ListingFactory(slug="hidden", location=at(-99.14, 19.42), location_precision="hidden")
    assert slugs(api.get("/api/v1/listings/?bbox=-99.5,19,-98.5,20")) == ["cdmx"]
    assert set(slugs(api.get("/api/v1/listings/?bbox=-104,19,-98.5,21"))) == {"cdmx", "gdl"}


def test_near_me_orders_by_postgis_distance_and_carries_distance_km(api):
    here = at(-117.8678, 33.7456)  # Santa Ana, CA
    points = {
        "a": at(-117.80, 33.70),
        "b": at(-117.95, 33.80),
        "c": at(-117.87, 33.75),
        "d": at(-118.24, 34.05),
        "e": at(-117.16, 32.72),
        "f": at(-117.90, 33.60),
    }
    for slug, point in points.items():
        ListingFactory(slug=slug, location=point, location_precision="exact")
    response = api.get("/api/v1/listings/?lat=33.7456&lng=-117.8678&radius_km=200")
    results = response.json()["results"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT slug, ST_Distance(public_point::geography, %s::geography, false) AS d "
            "FROM directory_listing "
            "WHERE ST_DWithin(public_point::geography, %s::geography, 200000, false) "
            "ORDER BY d, id",
            [here.ewkt, here.ewkt],
        )
        expected = cursor.fetchall()
    assert [r["slug"] for r in results] == [slug for slug, _d in expected]
    for item, (_slug, metres) in zip(results, expected, strict=True):
        assert item["distance_km"] == round(metres / 1000, 2)
    within_25 = slugs(api.get("/api/v1/listings/?lat=33.7456&lng=-117.8678"))
    assert set(within_25) == {s for s, d in expected if d <= 25_000}


def test_distance_of_non_exact_listings_is_whole_km_from_the_public_point(api):
    ListingFactory(slug="area", location=at(-117.8311, 33.7123), location_precision="area")
    item = api.get("/api/v1/listings/?lat=33.7456&lng=-117.8678").json()["results"][0]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Distance(ST_SetSRID(ST_MakePoint(-117.835, 33.715), 4326)::geography, "
            "ST_SetSRID(ST_MakePoint(-117.8678, 33.7456), 4326)::geography, false)"
        )
        metres = cursor.fetchone()[0]
    assert item["distance_km"] == float(round(metres / 1000))
    assert item["location"] == {"type": "Point", "coordinates": [-117.835, 33.715]}


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("name", ["alpha", "beta", "gamma"]),
        ("-created_at", ["gamma", "beta", "alpha"]),
        ("-updated_at", ["beta", "alpha", "gamma"]),
    ],
)
def test_ordering(api, ordering, expected):
    now = timezone.now()
    for n, (slug, name) in enumerate([("alpha", "Alpha"), ("beta", "Beta"), ("gamma", "Gamma")]):
        listing = ListingFactory(slug=slug, name=name)
        Listing.objects.filter(pk=listing.pk).update(
            created_at=now - timedelta(days=10 - n),
            updated_at=now - timedelta(days={0: 5, 1: 1, 2: 9}[n]),
        )
    assert slugs(api.get(f"/api/v1/listings/?ordering={ordering}")) == expected


def test_ties_in_distance_break_by_id_so_pages_are_stable(api):
    first = [
        ListingFactory(slug=f"same-{n}", location=at(-99.1331, 19.4326), location_precision="area")
        for n in range(7)
    ]
    page_one = slugs(api.get("/api/v1/listings/?lat=19.43&lng=-99.13&limit=4"))
    page_two = slugs(api.get("/api/v1/listings/?lat=19.43&lng=-99.13&limit=4&offset=4"))
    assert page_one + page_two == [listing.slug for listing in first]


def test_every_filter_at_once(api):
    food = CategoryFactory(slug="food")
    RegionFactory(slug="mx-cdmx", geom=box(-99.4, 19.0, -98.9, 19.6))
    match = services.listing_create(
        listing=ListingFactory.build(
            slug="match",
            kind="mutual_aid",
            location=at(-99.14, 19.42),
            languages=["es", "nah"],
            access=["free"],
            summary_es="Cocina comunitaria",
            verified_on=timezone.localdate(),
        ),
        categories=[food],
    )
    NeedFactory(listing=match, kind="food")
    services.listing_create(
        listing=ListingFactory.build(
            slug="other-kind",
            kind="cooperative",
            location=at(-99.14, 19.42),
            languages=["es", "nah"],
            access=["free"],
            summary_es="Cocina comunitaria",
        ),
        categories=[food],
    )
    response = api.get(
        "/api/v1/listings/?kind=mutual_aid&category=food&need=food&language=nah&access=free"
        "&country=MX&region=mx-cdmx&q=cocina&verified=true&confirmed_within_days=30"
        "&lat=19.43&lng=-99.13&radius_km=5&bbox=-99.5,19,-98.5,20&ordering=distance&limit=10"
    )
    assert slugs(response) == ["match"]
    assert response.json()["results"][0]["need_kinds"] == ["food"]


def test_pagination_links_and_counts(api):
    for n in range(5):
        ListingFactory(slug=f"l{n}", name=f"L{n}")
    body = api.get("/api/v1/listings/?limit=2&offset=2").json()
    assert body["count"] == 5 and len(body["results"]) == 2
    assert "offset=4" in body["next"] and "limit=2" in body["previous"]
    assert api.get("/api/v1/listings/?limit=2&offset=4").json()["next"] is None


def test_counts_are_exact_up_to_a_bound_past_the_page(api, monkeypatch):
    from api import pagination

    monkeypatch.setattr(pagination, "COUNT_AHEAD", 3)
    for n in range(10):
        ListingFactory(slug=f"l{n}", name=f"L{n}")
    body = api.get("/api/v1/listings/?limit=2").json()
    assert (body["count"], body["count_exact"]) == (5, False)
    assert "offset=2" in body["next"]
    body = api.get("/api/v1/listings/?limit=2&offset=6").json()
    assert (body["count"], body["count_exact"]) == (10, True)
    assert [item["slug"] for item in body["results"]] == ["l6", "l7"]
    body = api.get("/api/v1/listings/?limit=5&offset=8").json()
    assert (body["count"], body["count_exact"], body["next"]) == (10, True, None)


def test_geojson_by_format_or_accept_is_a_feature_collection(api):
    ListingFactory(slug="a", location=at(-99.13, 19.43), location_precision="exact")
    ListingFactory(slug="h", location_precision="hidden")
    for response in (
        api.get("/api/v1/listings/?format=geojson"),
        api.get("/api/v1/listings/", HTTP_ACCEPT="application/geo+json"),
    ):
        assert response["Content-Type"] == "application/geo+json"
        body = response.json()
        assert body["type"] == "FeatureCollection" and body["count"] == 2
        features = {f["properties"]["slug"]: f for f in body["features"]}
        assert features["a"]["geometry"] == {"type": "Point", "coordinates": [-99.13, 19.43]}
        assert features["h"]["geometry"] is None
    detail = api.get("/api/v1/listings/a/?format=geojson").json()
    assert detail["type"] == "Feature" and detail["properties"]["slug"] == "a"


def test_list_query_count_does_not_grow_with_page_size(api, django_assert_max_num_queries):
    for n in range(30):
        listing = ListingFactory(slug=f"l{n}")
        NeedFactory(listing=listing)
        listing.categories.add(CategoryFactory(slug=f"c{n}"))
    # One statement: the bounded count, the page's distance bound (nearest first) and the
    # page with its categories, needs and opening hours.
    for limit in (1, 30):
        with django_assert_max_num_queries(1):
            assert len(api.get(f"/api/v1/listings/?limit={limit}").json()["results"]) == limit
        with django_assert_max_num_queries(1):
            body = api.get(f"/api/v1/listings/?limit={limit}&lat=19.4&lng=-99.1").json()
            assert len(body["results"]) == limit
        with django_assert_max_num_queries(1):
            body = api.get(f"/api/v1/needs/?limit={limit}&lat=19.4&lng=-99.1").json()
            assert len(body["results"]) == limit

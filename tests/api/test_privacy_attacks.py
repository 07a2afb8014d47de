"""The location-privacy defence tested as an attack (DESIGN.md §6): trilateration, bbox
edge bisection, radius threshold probing and repeated reads learn the public cell centre
and nothing finer about a non-exact listing's true point."""

import math

import pytest
from django.contrib.gis.geos import Point

from directory.models import Listing
from tests.factories import ListingFactory

pytestmark = pytest.mark.django_db

# Two true points in the same 0.01° cell (centre -117.865, 33.745), near opposite corners.
CELL_CENTRE = (-117.865, 33.745)
TRUE_A = (-117.8696, 33.7404)
TRUE_B = (-117.8604, 33.7496)
VOLATILE = {"id", "url", "updated_at", "created_at", "last_confirmed_at"}


def listing_at(lng, lat, precision="area"):
    Listing.objects.all().delete()
    return ListingFactory(
        slug="secret",
        name="Unión de Inquilinos",
        location=Point(lng, lat, srid=4326),
        location_precision=precision,
    )


def probes():
    """Query strings an attacker might send: rings of points, shrinking boxes, radii."""
    queries = []
    for ring_km in (0.3, 1, 3, 10):
        for angle in range(0, 360, 45):
            dlat = ring_km / 111.2 * math.sin(math.radians(angle))
            dlng = (
                ring_km / (111.2 * math.cos(math.radians(33.745))) * math.cos(math.radians(angle))
            )
            queries.append(f"lat={33.745 + dlat:.6f}&lng={-117.865 + dlng:.6f}&radius_km=20")
    for half in (0.1, 0.01, 0.006, 0.0049, 0.003, 0.001):
        queries.append(f"bbox={-117.865 - half},{33.745 - half},{-117.865 + half},{33.745 + half}")
        queries.append(
            f"bbox={TRUE_A[0] - half},{TRUE_A[1] - half},{TRUE_A[0] + half},{TRUE_A[1] + half}"
        )
    for radius in (0.01, 0.1, 0.3, 0.5, 0.7, 1, 2):
        queries.append(f"lat={TRUE_A[1]}&lng={TRUE_A[0]}&radius_km={radius}")
        queries.append(f"lat={TRUE_B[1]}&lng={TRUE_B[0]}&radius_km={radius}")
    return queries


def observe(api, query):
    body = api.get(f"/api/v1/listings/?{query}").json()
    return [{k: v for k, v in item.items() if k not in VOLATILE} for item in body["results"]]


@pytest.mark.parametrize("precision", ["area", "region"])
def test_every_probe_answers_the_same_wherever_the_true_point_lies_in_its_cell(api, precision):
    listing_at(*TRUE_A, precision)
    seen_a = [observe(api, q) for q in probes()]
    listing_at(*TRUE_B, precision)
    seen_b = [observe(api, q) for q in probes()]
    assert seen_a == seen_b
    assert any(seen_a), "the probes must find the listing at all"
    detail = api.get("/api/v1/listings/secret/?format=geojson").json()
    assert "true_location" not in detail["properties"]


def test_bbox_bisection_converges_on_the_cell_centre_not_the_true_point(api):
    listing_at(*TRUE_A)
    low, high = -117.9, -117.8  # the west edge of the box, moved until the listing drops out
    for _ in range(40):
        middle = (low + high) / 2
        found = observe(api, f"bbox={middle},33.7,-117.7,33.8")
        low, high = (middle, high) if found else (low, middle)
    assert abs(low - CELL_CENTRE[0]) < 1e-6
    assert abs(low - TRUE_A[0]) > 0.004


def test_radius_probing_measures_the_distance_to_the_cell_centre(api):
    listing_at(*TRUE_A)
    probe = (33.80, -117.80)
    low, high = 0.001, 50.0
    for _ in range(40):
        middle = (low + high) / 2
        found = observe(api, f"lat={probe[0]}&lng={probe[1]}&radius_km={middle}")
        low, high = (low, middle) if found else (middle, high)
    to_centre = haversine_km(probe, (CELL_CENTRE[1], CELL_CENTRE[0]))
    to_true = haversine_km(probe, (TRUE_A[1], TRUE_A[0]))
    assert abs(high - to_centre) < 0.01
    assert abs(high - to_true) > 0.3


def test_trilateration_from_many_points_recovers_at_best_the_cell_centre(api):
    listing_at(*TRUE_A)
    observations = []
    for angle in range(0, 360, 20):
        lat = 33.745 + 0.05 * math.sin(math.radians(angle))
        lng = -117.865 + 0.05 * math.cos(math.radians(angle))
        item = observe(api, f"lat={lat}&lng={lng}&radius_km=30")[0]
        observations.append(((lat, lng), item["distance_km"]))
        assert item["distance_km"] == round(item["distance_km"])  # whole km only
    best = min(
        (
            (lat, lng)
            for lat in frange(33.73, 33.76, 0.0005)
            for lng in frange(-117.88, -117.85, 0.0005)
        ),
        key=lambda guess: sum((round(haversine_km(guess, at)) - d) ** 2 for at, d in observations),
    )
    error_km = haversine_km(best, (TRUE_A[1], TRUE_A[0]))
    assert error_km > 0.2, "the rounded distances must not pin down the true point"


def test_repeated_reads_give_identical_answers(api):
    listing_at(*TRUE_A)
    answers = {api.get("/api/v1/listings/?lat=33.75&lng=-117.87").content for _ in range(20)}
    assert len(answers) == 1


def test_hidden_listings_never_appear_in_spatial_answers(api):
    listing_at(*TRUE_A, "hidden")
    assert observe(api, "lat=33.7404&lng=-117.8696&radius_km=1") == []
    assert observe(api, "bbox=-118,33,-117,34") == []
    [item] = observe(api, "country=MX")
    assert item["location"] is None and item["address"] == {"country": "MX"}


def test_nothing_public_carries_the_true_coordinates(api):
    listing_at(*TRUE_A)
    for path in (
        "/api/v1/listings/",
        "/api/v1/listings/secret/",
        "/api/v1/listings/?format=geojson",
        "/api/v1/listings/secret/?format=geojson",
        "/api/v1/needs/?lat=33.74&lng=-117.87",
    ):
        text = api.get(path).content.decode()
        for coordinate in ("-117.8696", "33.7404", "117.869", "33.740"):
            assert coordinate not in text, (path, coordinate)


def frange(start, stop, step):
    value = start
    while value <= stop:
        yield value
        value += step


def haversine_km(a, b):
    (lat1, lng1), (lat2, lng2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))

"""The public point is derived from the true point by fixed grid cells (DESIGN.md §6)."""

import math
import random

import pytest
from django.contrib.gis.geos import Point
from hypothesis import given
from hypothesis import strategies as st

from directory.choices import LocationPrecision
from directory.models import Listing
from directory.privacy import (
    PUBLIC_ADDRESS_FIELDS,
    cell_size_degrees,
    grid_cell_centre,
    public_point,
)
from tests.factories import ListingFactory

longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)
latitudes = st.floats(min_value=-90, max_value=90, allow_nan=False)


@given(longitudes, latitudes, st.sampled_from([10, 100]))
def test_cell_centre_lies_within_half_a_cell_of_the_true_point(lng, lat, k):
    x, y = grid_cell_centre(lng, lat, k)
    half = 0.5 / k
    assert abs(x - lng) <= half + 1e-9
    assert abs(y - lat) <= half + 1e-9
    assert -180 < x < 180 and -90 < y < 90


@given(longitudes, latitudes, st.sampled_from([10, 100]))
def test_every_point_of_a_cell_publishes_the_same_centre(lng, lat, k):
    """Reading again, or moving inside the cell, tells nothing more: no jitter to average."""
    x, y = grid_cell_centre(lng, lat, k)
    inner = 0.45 / k  # stay inside the cell, away from its edges
    assert grid_cell_centre(x + inner, y - inner, k) == (x, y)
    assert grid_cell_centre(x - inner, y + inner, k) == (x, y)
    assert grid_cell_centre(lng, lat, k) == (x, y)


def test_exact_publishes_the_true_point_and_hidden_nothing():
    true = Point(-117.86783, 33.74557, srid=4326)
    assert public_point(true, LocationPrecision.EXACT).coords == true.coords
    assert public_point(true, LocationPrecision.HIDDEN) is None
    assert public_point(None, LocationPrecision.AREA) is None


@pytest.mark.parametrize(
    ("precision", "expected"),
    [
        (LocationPrecision.EXACT, (-117.86783, 33.74557)),
        (LocationPrecision.AREA, (-117.865, 33.745)),
        (LocationPrecision.REGION, (-117.85, 33.75)),
        (LocationPrecision.HIDDEN, None),
    ],
)
@pytest.mark.django_db
def test_database_stores_the_public_point_for_each_precision(precision, expected):
    listing = ListingFactory(
        location=Point(-117.86783, 33.74557, srid=4326), location_precision=precision
    )
    listing.refresh_from_db()
    if expected is None:
        assert listing.public_point is None
    else:
        assert listing.public_point.coords == pytest.approx(expected, abs=1e-12)


@pytest.mark.django_db
def test_public_point_follows_changes_of_location_and_precision():
    listing = ListingFactory(location_precision=LocationPrecision.EXACT)
    listing.location_precision = LocationPrecision.REGION
    listing.location = Point(-58.37723, -34.61315, srid=4326)
    listing.save()
    listing.refresh_from_db()
    assert listing.public_point.coords == pytest.approx((-58.35, -34.65), abs=1e-12)
    Listing.objects.filter(pk=listing.pk).update(location_precision=LocationPrecision.HIDDEN)
    listing.refresh_from_db()
    assert listing.public_point is None


@pytest.mark.django_db
def test_database_and_python_agree_to_the_bit_on_many_points():
    """Random points plus the awkward ones: cell edges, the antimeridian, the poles."""
    rng = random.Random(6)
    coords = [(rng.uniform(-180, 180), rng.uniform(-90, 90)) for _ in range(400)]
    coords += [(-180, -90), (180, 90), (0, 0), (-0.0, -0.0), (0.29, 0.57), (-99.13, 19.43)]
    coords += [(i / 100, -i / 10) for i in range(-50, 50)]
    precisions = [LocationPrecision.AREA, LocationPrecision.REGION]
    listings = [
        ListingFactory.build(
            slug=f"p{i}",
            location=Point(x, y, srid=4326),
            location_precision=precisions[i % 2],
        )
        for i, (x, y) in enumerate(coords)
    ]
    Listing.objects.bulk_create(listings)
    stored = Listing.objects.filter(slug__startswith="p").values_list(
        "location", "location_precision", "public_point"
    )
    assert len(stored) == len(coords)
    for location, precision, point in stored:
        assert point.coords == public_point(location, precision).coords
        size = cell_size_degrees(precision)
        assert math.floor(point.x / size) == math.floor(location.x / size) or abs(location.x) == 180


def test_address_published_shrinks_with_precision():
    exact, area, region, hidden = (set(PUBLIC_ADDRESS_FIELDS[p]) for p in LocationPrecision.values)
    assert "street_address" in exact
    assert "street_address" not in area | region | hidden
    assert hidden < region < area < exact

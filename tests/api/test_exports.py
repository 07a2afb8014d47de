"""GeoJSON layer and CSV exports take the listing filters and carry public data only."""

import csv
import io

import pytest
from django.contrib.gis.geos import Point

from tests.factories import ListingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listings():
    ListingFactory(
        slug="exact",
        kind="cooperative",
        location=Point(-99.31, 19.61, srid=4326),
        location_precision="exact",
    )
    ListingFactory(
        slug="area",
        kind="mutual_aid",
        location=Point(-99.1331, 19.4326, srid=4326),
        location_precision="area",
    )
    ListingFactory(
        slug="hidden",
        kind="mutual_aid",
        location_precision="hidden",
        street_address="Calle Secreta 1",
    )
    ListingFactory(
        slug="formula", name='=HYPERLINK("http://evil")', location=Point(-99.2, 19.5, srid=4326)
    )


def test_geojson_layer_is_a_feature_collection_of_public_points(
    api, listings, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):  # features and truncation in one statement
        response = api.get("/api/v1/listings/export.geojson?kind=mutual_aid")
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection" and body["truncated"] is False
    [feature] = body["features"]  # the hidden listing has no point to map
    assert feature["properties"]["slug"] == "area"
    assert feature["geometry"] == {"type": "Point", "coordinates": [-99.135, 19.435]}


def test_geojson_layer_says_when_it_is_truncated(api, listings):
    body = api.get("/api/v1/listings/export.geojson?limit=1").json()
    assert body["truncated"] is True and len(body["features"]) == 1
    every = api.get("/api/v1/listings/export.geojson").json()
    exactly = api.get(f"/api/v1/listings/export.geojson?limit={len(every['features'])}").json()
    assert exactly["truncated"] is False and exactly["features"] == every["features"]
    assert api.get("/api/v1/listings/export.geojson?limit=10001").status_code == 400
    assert api.get("/api/v1/listings/export.geojson?lat=95&lng=0").status_code == 400


def test_csv_export_is_public_and_defused(api, listings):
    response = api.get("/api/v1/listings/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    rows = {row["slug"]: row for row in csv.DictReader(io.StringIO(text))}
    assert set(rows) == {"exact", "area", "hidden", "formula"}
    assert (rows["area"]["lat"], rows["area"]["lng"]) == ("19.435", "-99.135")
    assert rows["hidden"]["lat"] == "" and "Secreta" not in text
    assert rows["formula"]["name"].startswith("'=")  # not run as a formula by spreadsheets
    assert "19.4326" not in text and "-99.1331" not in text


def test_geojson_layer_escapes_names_and_keeps_coordinates(api):
    name = 'Co-op "La Unión" \\ <script>alert(1)</script>\n新'
    ListingFactory(
        slug="odd",
        name=name,
        location=Point(-99.1234567, 19.7654321, srid=4326),
        location_precision="exact",
    )
    body = api.get("/api/v1/listings/export.geojson").json()
    [feature] = body["features"]
    assert feature["properties"]["name"] == name
    assert feature["geometry"]["coordinates"] == [-99.123457, 19.765432]

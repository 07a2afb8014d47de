"""GDAL (what QGIS and ogr2ogr use) opens the GeoJSON and CSV exports and the GeoJSON list
from a real server: it sends `Accept: text/plain, application/json`."""

import os
import re
import subprocess
import urllib.request

import pytest
from django.contrib.gis.geos import Point

from tests.factories import ListingFactory

pytestmark = pytest.mark.django_db(transaction=True)

GDAL_ENV = {
    **os.environ,
    "no_proxy": "*",
    "NO_PROXY": "*",
    "GDAL_HTTP_TIMEOUT": "10",
}


@pytest.fixture
def listings():
    """Four co-operatives (one without a public point) and a mutual-aid program."""
    for number in range(3):
        ListingFactory(location=Point(-99.1 - number / 10, 19.4, srid=4326))
    ListingFactory(location_precision="hidden")
    ListingFactory(kind="mutual_aid", location=Point(-99.5, 19.4, srid=4326))


def feature_count(source: str) -> int:
    result = subprocess.run(
        ["ogrinfo", "-ro", "-so", "-al", source],
        capture_output=True,
        text=True,
        timeout=30,
        env=GDAL_ENV,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return int(re.search(r"^Feature Count: (\d+)$", result.stdout, re.MULTILINE).group(1))


def test_gdal_opens_the_geojson_export(live_server, listings):
    url = f"{live_server.url}/api/v1/listings/export.geojson"
    assert feature_count(url) == 4  # a map layer: points only
    assert feature_count(f"{url}?kind=cooperative") == 3


def test_gdal_opens_the_geojson_list(live_server, listings):
    url = f"{live_server.url}/api/v1/listings/?format=geojson"
    assert feature_count(url) == 5  # the hidden listing is a feature without geometry
    assert feature_count(f"{url}&kind=cooperative") == 4


def test_gdal_opens_the_csv_export(live_server, listings):
    url = f"{live_server.url}/api/v1/listings/export.csv"
    # GDAL reads CSV over HTTP through /vsicurl/; `CSV:` names the driver when the URL
    # does not end in .csv (a query string).
    assert feature_count(f"/vsicurl/{url}") == 5
    assert feature_count(f"CSV:/vsicurl/{url}?kind=cooperative") == 4


def test_head_sends_no_body_from_the_real_server(live_server, listings):
    for path, media_type in [
        ("/api/v1/listings/export.csv", "text/csv"),
        ("/api/v1/listings/", "application/json"),
    ]:
        request = urllib.request.Request(f"{live_server.url}{path}", method="HEAD")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith(media_type)
            assert response.read() == b""

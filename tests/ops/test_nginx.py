"""Debian's nginx with deploy/nginx/tejido.conf in front of gunicorn: a tile asked twice is
a cache HIT, a signed-in page never is, and an emergency hide is not undone by the cache
(the tile version moves)."""

import json
import shutil

import mapbox_vector_tile
import pytest
from django.test import Client

from directory.services import listing_emergency_hide
from tests.factories import ListingFactory, MembershipFactory, UserFactory

from .servers import NGINX, get, gunicorn, nginx

pytestmark = pytest.mark.skipif(
    shutil.which(NGINX) is None, reason="nginx is not installed (scripts/setup.sh installs it)"
)

#: The tile of zoom 12 holding Mexico City's centre (a point tile).
TILE = "/api/v1/tiles/12/920/1822.pbf"


def slugs_in(body: bytes) -> set[str]:
    layers = mapbox_vector_tile.decode(body) if body else {}
    return {f["properties"]["slug"] for f in layers.get("listings", {}).get("features", [])}


def version(url: str) -> str:
    status, headers, body = get(f"{url}/api/v1/tiles/version")
    assert status == 200 and headers.get("X-Cache-Status", "") == ""  # never cached
    return json.loads(body)["version"]


@pytest.fixture
def stack(transactional_db, tmp_path):
    log = tmp_path / "gunicorn.log"
    try:
        with gunicorn(workers=2, log=log) as (app, _), nginx(tmp_path / "nginx", app) as web:
            yield web
    finally:
        print(log.read_text()[-3000:])
        errors = tmp_path / "nginx" / "error.log"
        if errors.exists():
            print(errors.read_text()[-3000:])


def test_tiles_are_cached_pages_for_signed_in_people_never_and_a_hide_moves_the_version(stack):
    lead = UserFactory(username="lead")
    listing = ListingFactory(slug="panaderia")
    ListingFactory(slug="comedor", location="POINT(-99.14 19.44)")
    MembershipFactory(listing=listing, user=lead)
    web = stack

    v1 = version(web)
    first = get(f"{web}{TILE}?v={v1}")
    second = get(f"{web}{TILE}?v={v1}")
    assert first[0] == second[0] == 200
    assert first[1]["X-Cache-Status"] == "MISS" and second[1]["X-Cache-Status"] == "HIT"
    assert second[1]["Cache-Control"] == "public, max-age=31536000, immutable"
    assert {"panaderia", "comedor"} <= slugs_in(second[2])
    status, headers, _ = get(f"{web}/static/css/map.css")
    assert status == 200 and headers["Cache-Control"] == "public, max-age=31536000, immutable"

    # A visitor's page is cached briefly; a signed-in person's never.
    visitor = [get(f"{web}/en/needs/")[1]["X-Cache-Status"] for _ in range(2)]
    assert visitor == ["MISS", "HIT"]
    browser = Client()
    browser.force_login(lead)
    cookie = {"Cookie": f"sessionid={browser.cookies['sessionid'].value}"}
    statuses = [get(f"{web}/en/needs/", cookie) for _ in range(3)]
    assert [s for s, _, _ in statuses] == [200] * 3
    assert {h["X-Cache-Status"] for _, h, _ in statuses} == {"BYPASS"}

    # An emergency hide moves the version: the map's next tile URL is new, and fresh.
    listing_emergency_hide(listing=listing, by=lead, reason="raid")
    v2 = version(web)
    assert v2 != v1
    fresh = get(f"{web}{TILE}?v={v2}")
    assert fresh[1]["X-Cache-Status"] == "MISS"
    assert slugs_in(fresh[2]) == {"comedor"}

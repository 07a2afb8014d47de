"""Light pages: with `Save-Data: on` or the "Text only" switch, every public page comes
without script and without map (the maps' data left out, not hidden); a results page of 20
weighs under 60 KB over the wire with what it loads, a listing page under 30 KB."""

import gzip
import re
from datetime import time

import pytest
from django.contrib.gis.geos import Point
from django.contrib.staticfiles import finders

from directory.choices import AccessFact, ContactKind, ListingKind
from directory.demo import load_categories
from directory.models import Category, OpeningPeriod
from directory.stats import refresh
from tests.factories import ContactFactory, ListingFactory, NeedFactory, PlaceFactory, RegionFactory

pytestmark = pytest.mark.django_db

SAVE_DATA = {"HTTP_SAVE_DATA": "on", "HTTP_ACCEPT_ENCODING": "gzip"}


@pytest.fixture
def twenty(db):
    """Twenty food banks around Santa Ana with what a card shows: hours, access, a need."""
    load_categories()
    PlaceFactory()
    food = Category.objects.get(slug="food-banks")
    listings = []
    for n in range(20):
        listing = ListingFactory(
            name=f"Despensa Comunitaria Número {n:02d}",
            kind=ListingKind.MUTUAL_AID,
            location=Point(-117.8678 + 0.002 * n, 33.7456, srid=4326),
            location_precision="exact",
            street_address=f"{100 + n} Main St",
            locality="Santa Ana",
            admin1="CA",
            country="US",
            timezone="America/Los_Angeles",
            access=[AccessFact.FREE, AccessFact.WALK_IN],
            summary_es="Despensa de comida gratuita cada semana, sin preguntas.",
            languages=["es", "en"],
        )
        listing.categories.add(food)
        OpeningPeriod.objects.bulk_create(
            OpeningPeriod(listing=listing, weekday=d, opens=time(9), closes=time(17))
            for d in range(1, 6)
        )
        ContactFactory(listing=listing, kind=ContactKind.PHONE, value="+17145550100")
        NeedFactory(listing=listing)
        listings.append(listing)
    return listings


def public_pages(listing) -> list[str]:
    region = RegionFactory(slug="us-california", name_en="California", country="US")
    refresh()
    return [
        "/en/",
        "/en/listings/?near=Santa+Ana%2C+CA",
        f"/en/listings/{listing.slug}/",
        "/en/needs/",
        "/en/map/",
        "/en/embed/map/",
        "/en/regions/",
        f"/en/regions/{region.slug}/",
        "/en/sheets/",
    ]


def body_of(response) -> str:
    content = response.content
    if response.get("Content-Encoding") == "gzip":
        content = gzip.decompress(content)
    return content.decode()


def test_no_public_page_sends_script_or_map_with_save_data(client, twenty):
    for path in public_pages(twenty[0]):
        response = client.get(path, **SAVE_DATA)
        assert response.status_code == 200, path
        body = body_of(response)
        assert "<script" not in body, path
        assert "leaflet" not in body.lower(), path
        assert 'class="results-map"' not in body and 'class="listing-map"' not in body, path
        assert "Save-Data" in response["Vary"], path


def test_the_same_pages_have_their_maps_without_save_data(client, twenty):
    results = body_of(client.get("/en/listings/?near=Santa+Ana%2C+CA"))
    listing = body_of(client.get(f"/en/listings/{twenty[0].slug}/"))

    assert 'class="results-map"' in results and "<script" in results
    assert 'class="listing-map"' in listing


def test_the_text_only_switch_is_remembered_and_undone(client, twenty):
    switch = client.get("/en/text-only/?on=1&next=/en/listings/%3Fnear%3DSanta%2BAna")
    assert switch.status_code == 302 and switch["Location"] == "/en/listings/?near=Santa+Ana"
    assert "<script" not in body_of(client.get("/en/listings/?near=Santa+Ana%2C+CA"))
    assert "Full version (maps)" in body_of(client.get("/en/"))

    client.get("/en/text-only/?on=0&next=/en/")
    assert "<script" in body_of(client.get("/en/"))


def test_the_switch_goes_back_to_this_site_only(client, twenty):
    response = client.get("/en/text-only/?on=1&next=https://elsewhere.example/")

    assert response["Location"] == "/en/"


def wire_size(client, path) -> int:
    """Bytes over the wire: the gzip page, and its stylesheets gzip-compressed (as they are
    served: precompressed by whitenoise); a light page loads nothing else."""
    response = client.get(path, **SAVE_DATA)
    assert response["Content-Encoding"] == "gzip"
    total = len(response.content)
    body = gzip.decompress(response.content).decode()
    assert not re.search(r"<img|<iframe|<script", body)
    for href in re.findall(r'<link rel="stylesheet" href="/static/([^"]+)"', body):
        with open(finders.find(href), "rb") as handle:
            total += len(gzip.compress(handle.read(), 9))
    return total


def test_a_light_results_page_of_20_weighs_under_60_kb_and_a_listing_under_30(client, twenty):
    results = wire_size(client, "/en/listings/?near=Santa+Ana%2C+CA")
    listing = wire_size(client, f"/en/listings/{twenty[0].slug}/")

    print(
        f"light results page (20): {results / 1024:.1f} KB; listing page: {listing / 1024:.1f} KB"
    )
    assert (
        body_of(client.get("/en/listings/?near=Santa+Ana%2C+CA", **SAVE_DATA)).count(
            "Despensa Comunitaria Número"
        )
        >= 20
    )
    assert results < 60 * 1024
    assert listing < 30 * 1024


def test_the_results_offer_a_street_sheet_of_the_same_search(client, twenty):
    body = body_of(client.get("/es/listings/?near=Santa+Ana%2C+CA&access=free"))
    link = re.search(r'<p class="print-sheet"><a href="([^"]+)">Imprimir una hoja con estos', body)

    assert link, "the link to the sheet"
    sheet = client.get(link.group(1).replace("&amp;", "&"))
    assert sheet.status_code == 200
    assert body_of(sheet).count('class="entry"') == 12

"""An outreach worker makes a street sheet on a phone, in Spanish, and prints it from
Chromium: the sheet fits one page of Letter or of A4 with 12 places, two with 24."""

import io
from datetime import time

import pytest
from django.contrib.gis.geos import Point
from pypdf import PdfReader

from directory.choices import AccessFact, ListingKind
from directory.demo import load_categories
from directory.geo import SRID
from directory.models import Category, OpeningPeriod
from tests.factories import ListingFactory

from .helpers import assert_accessible, no_horizontal_scroll, shoot


@pytest.fixture
def pantries(santa_ana):
    load_categories()
    food = Category.objects.get(slug="food-banks")
    for n in range(24):
        listing = ListingFactory(
            kind=ListingKind.MUTUAL_AID,
            name=f"Despensa Comunitaria del Barrio Número {n:02d}",
            location=Point(-117.8678 + 0.003 * (n + 1), 33.7456 + 0.001 * n, srid=SRID),
            location_precision="exact",
            street_address=f"{1200 + n} West 1st Street",
            locality="Santa Ana",
            admin1="CA",
            country="US",
            timezone="America/Los_Angeles",
            access=[AccessFact.FREE, AccessFact.NO_ID_REQUIRED, AccessFact.WALK_IN],
        )
        listing.categories.add(food)
        OpeningPeriod.objects.bulk_create(
            [
                *(
                    OpeningPeriod(listing=listing, weekday=d, opens=time(9), closes=time(17))
                    for d in range(1, 6)
                ),
                OpeningPeriod(listing=listing, weekday=6, opens=time(10), closes=time(14)),
            ]
        )


def pages_of(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("device", ["phone"], indirect=True)
def test_a_sheet_made_on_a_phone_in_spanish_prints_on_one_page(site, pantries):
    page = site.visit("/sheets/", lang="es")
    assert_accessible(page)
    no_horizontal_scroll(page)
    page.get_by_label("Dónde").fill("Santa Ana, CA")
    page.get_by_label("Español").check()
    page.get_by_label("Cuántos lugares").fill("12")
    shoot(page, "sheet-form-phone-es")
    page.get_by_role("button", name="Hacer la hoja").click()
    page.wait_for_load_state()

    assert "/es/sheets/print/" in site.path()
    assert page.locator(".entry").count() == 12
    assert page.get_by_text("Lunes–Viernes 9:00–17:00; Sábado 10:00–14:00").first.is_visible()
    no_horizontal_scroll(page)
    shoot(page, "sheet-print-phone-es")
    for paper in ("Letter", "A4"):
        assert pages_of(page.pdf(format=paper, print_background=False)) == 1, paper


def test_twenty_four_places_print_on_two_pages_at_most(site, pantries):
    page = site.visit("/sheets/print/?near=Santa+Ana%2C+CA&language=en&paper=a4&count=24")

    assert page.locator(".entry").count() == 24
    for paper in ("Letter", "A4"):
        assert pages_of(page.pdf(format=paper)) <= 2, paper

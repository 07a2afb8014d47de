"""Street sheets: the form, the printable page and its PDF in Spanish and English, read back
with pypdf (names, hours and access facts in words, no exact place of an area listing, one
page for 10 places, two at most) and each QR code decoded (zxing-cpp) to the right address."""

import io
import re
import subprocess
from datetime import time
from urllib.parse import urlencode

import pytest
import zxingcpp
from django.contrib.gis.geos import Point
from PIL import Image
from pypdf import PdfReader

from directory.choices import AccessFact, ContactKind, ListingKind
from directory.demo import load_categories
from directory.models import Category, OpeningPeriod
from tests.factories import ContactFactory, ListingFactory, PlaceFactory

pytestmark = pytest.mark.django_db

SANTA_ANA = (-117.86783, 33.74557)


@pytest.fixture
def places():
    """Santa Ana, CA, and 30 places that help around it: food banks open on weekdays
    (free, no ID asked), shelters open around the clock, and one area listing whose street
    address must not be printed."""
    load_categories()
    PlaceFactory()
    food, shelters = Category.objects.get(slug="food-banks"), Category.objects.get(slug="shelters")
    listings = []
    for n in range(30):
        shelter = n % 3 == 2
        item = ListingFactory(
            name=f"{'Albergue' if shelter else 'Despensa'} Número {n:02d}",
            kind=ListingKind.MUTUAL_AID,
            location=Point(SANTA_ANA[0] + 0.004 * (n + 1), SANTA_ANA[1], srid=4326),
            location_precision="exact",
            street_address=f"{100 + n} Main St",
            locality="Santa Ana",
            admin1="CA",
            country="US",
            timezone="America/Los_Angeles",
            access=[AccessFact.FREE, AccessFact.NO_ID_REQUIRED] if not shelter else [],
        )
        item.categories.add(shelters if shelter else food)
        days = range(1, 8) if shelter else range(1, 6)
        opens, closes = (time(0, 0), time(23, 59)) if shelter else (time(9, 0), time(17, 0))
        OpeningPeriod.objects.bulk_create(
            OpeningPeriod(listing=item, weekday=day, opens=opens, closes=closes) for day in days
        )
        listings.append(item)
    ContactFactory(listing=listings[0], kind=ContactKind.PHONE, value="+17145550100")
    secret = ListingFactory(
        name="Despensa Escondida",
        location=Point(SANTA_ANA[0] + 0.0123, SANTA_ANA[1] + 0.0067, srid=4326),
        location_precision="area",
        street_address="77 Secret Lane",
        locality="Santa Ana",
        admin1="CA",
        country="US",
        timezone="America/Los_Angeles",
    )
    secret.categories.add(food)
    return listings


def sheet_url(language="en", **params):
    query = {"near": "Santa Ana, CA", "language": language, "paper": "letter", "count": 10}
    query.update(params)
    return f"/{language}/sheets/print/?{urlencode(query, doseq=True)}"


def pdf_of(client, url):
    response = client.get(url + "&format=pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def qr_codes(data: bytes, tmp_path) -> list[str]:
    """Every QR code on the PDF's pages, read from pdftoppm's images."""
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=60
    )
    found = []
    for png in sorted(tmp_path.glob("page*.png")):
        found += [code.text for code in zxingcpp.read_barcodes(Image.open(png))]
    return found


def test_the_form_asks_where_what_for_whom_when_language_paper_and_how_many(client, places):
    body = client.get("/es/sheets/").content.decode()

    for name in ("near", "category", "access", "open_at", "language", "paper", "count"):
        assert f'name="{name}"' in body
    assert "Imprimir una hoja de recursos" in body


def test_an_unknown_place_is_named_next_to_its_field(client, places):
    response = client.get(sheet_url(near="Nowhereville"))

    assert response.status_code == 400
    assert "We could not find “Nowhereville”" in response.content.decode()


def test_the_printable_page_lists_the_nearest_with_hours_access_and_phone(client, places):
    response = client.get(sheet_url(category="food"))
    body = response.content.decode()

    assert response.status_code == 200
    assert '<nav class="site-nav' not in body and "<script" not in body
    assert "Despensa Número 00" in body and "Albergue" not in body
    assert "Monday–Friday 9:00–17:00" in body
    assert "Free of charge · No ID required" in body
    assert "+17145550100" in body
    assert "0.4 km east" in body
    assert "Check before you go" in body
    assert body.count('class="entry"') == 10


def test_the_pdf_in_spanish_reads_back_in_spanish_on_one_page(client, places, tmp_path):
    pages, text = pdf_text(pdf_of(client, sheet_url("es", category="food")))
    flat = " ".join(text.split())

    assert pages == 1
    assert "Despensa Número 00" in flat
    assert "Lunes–Viernes 9:00–17:00" in flat
    assert "Gratis" in flat or "gratuito" in flat.lower()
    assert "Comprueba antes de ir" in flat or "antes de ir" in flat
    assert "0.4 km al este" in flat


def test_an_area_listing_shows_its_town_not_its_street_nor_its_true_distance(client, places):
    body = client.get(sheet_url(category="food", count=24)).content.decode()
    _pages, text = pdf_text(pdf_of(client, sheet_url(category="food", count=24)))

    assert "Despensa Escondida" in body
    assert "77 Secret Lane" not in body and "77 Secret Lane" not in text
    assert "(area only)" in body
    entry = body.split("Despensa Escondida", 1)[1].split("</li>", 1)[0]
    assert re.search(r'entry__where">\d+ km \w+ · Santa Ana, CA \(area only\)', entry)  # whole km


def test_twenty_four_places_take_two_pages_at_most_on_letter_and_a4(client, places):
    for paper in ("letter", "a4"):
        pages, text = pdf_text(pdf_of(client, sheet_url(count=24, paper=paper)))
        assert pages <= 2, paper
        assert "Despensa Número 00" in text


def test_each_qr_code_opens_its_listing_and_one_the_sheet(client, places, tmp_path):
    data = pdf_of(client, sheet_url(category="shelters", count=3))
    codes = qr_codes(data, tmp_path)

    listing_urls = {
        f"http://testserver/en/listings/{item.slug}/" for item in places if "Albergue" in item.name
    }
    assert len(codes) == 4
    assert set(codes[1:]) <= listing_urls or set(codes) - listing_urls
    sheet = [code for code in codes if "/sheets/print/" in code]
    assert len(sheet) == 1 and "format=pdf" not in sheet[0] and "category=shelters" in sheet[0]
    assert len(set(codes) & listing_urls) == 3


def test_nothing_near_says_so(client, places):
    body = client.get(sheet_url(near="44.95,-93.09")).content.decode()

    assert "Nothing found within 50 km" in body


def test_a_sheet_takes_a_bounded_number_of_queries(client, places, django_assert_max_num_queries):
    # The gazetteer, the categories (form and filter), the places, their phones, their hours.
    with django_assert_max_num_queries(8):
        assert client.get(sheet_url(category="food", count=24)).status_code == 200

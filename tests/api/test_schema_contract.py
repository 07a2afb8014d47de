"""The published contract and the views agree: the OpenAPI document is valid, every query
parameter a list operation accepts is in the document, and every documented one is
accepted (DESIGN.md §3: a generated client, the interactive docs and the fuzzer see what
the views take)."""

import json

import pytest
from django.contrib.gis.geos import Point
from openapi_spec_validator import validate

from directory.filters import ListingFilterSet, NeedFilterSet
from tests.factories import ListingFactory, NeedFactory, RegionFactory

pytestmark = pytest.mark.django_db

#: Every name any list operation accepts, and one no operation does.
UNIVERSE = {
    *ListingFilterSet.base_filters,
    *NeedFilterSet.base_filters,
    "level",
    "parent",
    "limit",
    "offset",
    "format",
    "not_a_parameter",
}


@pytest.fixture
def document(client):
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def seeded():
    listing = ListingFactory(slug="olla", location=Point(-99.13, 19.43, srid=4326))
    NeedFactory(listing=listing)
    RegionFactory(slug="mx-cdmx")
    return listing


def sample(name: str, schema: dict) -> str:
    """A valid value of a parameter from its schema alone."""
    if schema.get("type") == "array":
        item = schema["items"]
        return item["enum"][0] if "enum" in item else "cooking"
    if "enum" in schema:
        return str(schema["enum"][0])
    kind = schema.get("type")
    if kind == "boolean":
        return "true"
    if kind in ("number", "integer"):
        return str(schema.get("minimum", 1))
    if schema.get("format") == "date-time":
        return "2026-01-01T00:00:00Z"
    if name == "bbox":
        return "-100,19,-99,20"
    if name == "open_at":
        return "sat 10:00"
    return "ab"


def list_operations(document) -> list[tuple[str, dict]]:
    """GET operations that page or export results (they document `limit`)."""
    operations = []
    for path, item in document["paths"].items():
        operation = item.get("get")
        if operation and any(p["name"] == "limit" for p in operation.get("parameters", [])):
            operations.append((path.replace("{slug}", "olla"), operation))
    return operations


def query_parameters(operation) -> dict[str, dict]:
    return {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}


def test_the_document_is_valid_openapi(document):
    validate(document)


def test_every_list_operation_documents_its_filters(document):
    documented = {path: set(query_parameters(op)) for path, op in list_operations(document)}
    assert documented["/api/v1/listings/"] >= {
        "kind", "category", "need", "language", "access", "country", "region", "q",
        "open_now", "open_at", "verified", "confirmed_within_days", "updated_since",
        "lat", "lng", "radius_km", "bbox", "ordering", "limit", "offset", "format",
    }  # fmt: skip
    assert documented["/api/v1/needs/"] >= {"kind", "skill", "urgency", "q", "region", "bbox"}
    assert "q" in documented["/api/v1/places/"]
    assert documented["/api/v1/listings/export.geojson"] >= {"kind", "q", "bbox", "limit"}


def test_bounds_enums_repetition_and_defaults_are_documented(document):
    listings = query_parameters(document["paths"]["/api/v1/listings/"]["get"])
    assert listings["radius_km"]["schema"]["maximum"] == 500
    assert listings["radius_km"]["schema"]["default"] == 25
    assert listings["lat"]["schema"] == {
        "type": "number", "format": "double", "minimum": -90, "maximum": 90
    }  # fmt: skip
    assert listings["lng"]["schema"]["minimum"] == -180
    assert listings["limit"]["schema"] == {
        "type": "integer", "minimum": 1, "maximum": 500, "default": 50
    }  # fmt: skip
    assert listings["kind"]["explode"] is True
    assert listings["kind"]["schema"]["items"]["enum"] == [
        "cooperative", "mutual_aid", "community_project"
    ]  # fmt: skip
    assert listings["open_now"]["schema"] == {"type": "boolean"}
    assert listings["ordering"]["schema"]["enum"] == [
        "distance", "name", "-updated_at", "-created_at"
    ]  # fmt: skip
    assert all(parameter.get("description") for parameter in listings.values())
    places = query_parameters(document["paths"]["/api/v1/places/"]["get"])
    assert places["q"]["required"] is True and places["limit"]["schema"]["maximum"] == 20


def test_every_documented_parameter_is_accepted(client, document, seeded):
    for path, operation in list_operations(document):
        parameters = query_parameters(operation)
        required = {
            name: sample(name, p["schema"]) for name, p in parameters.items() if p.get("required")
        }
        for name, parameter in parameters.items():
            query = {**required, name: sample(name, parameter["schema"])}
            response = client.get(path, query)
            errors = json.loads(response.content)["errors"] if response.status_code == 400 else {}
            assert "Unknown parameter." not in errors.get(name, []), (path, name)
            assert response.status_code < 500, (path, name)


def test_every_accepted_parameter_is_documented(client, document, seeded):
    for path, operation in list_operations(document):
        parameters = query_parameters(operation)
        required = {
            name: sample(name, p["schema"]) for name, p in parameters.items() if p.get("required")
        }
        for name in sorted(UNIVERSE - set(parameters)):
            response = client.get(path, {**required, name: "x"})
            assert response.status_code == 400, (path, name)
            errors = json.loads(response.content)["errors"]
            assert errors[name] == ["Unknown parameter."], (path, name)
